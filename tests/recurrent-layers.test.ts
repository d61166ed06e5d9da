// SimpleRNN, LSTM and GRU: outputs (sequence, final state, returned states) against a float64
// step-by-step reference, finite-difference gradients through time for inputs and every weight,
// options and their errors, and a training step that allocates nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { gateCount, runCell, stepTolerance, type CellConfig } from './helpers/recurrent-ref.js';

const seed = freshSeed();
beforeAll(async () => { await nn.ready(); });

/** One configuration of a recurrent layer under test. */
interface Case {
  label: string;
  cfg: CellConfig;
  options: Record<string, unknown>;
  steps: number;
  features: number;
}

function make(kind: CellConfig['kind'], label: string, units: number, steps: number, features: number, options: Record<string, unknown> = {}): Case {
  const defaultRec = 'hardSigmoid';
  const cfg: CellConfig = {
    kind, units, activation: (options.activation as string) ?? 'tanh', recurrentActivation: (options.recurrentActivation as string) ?? defaultRec,
    resetAfter: (options.resetAfter as boolean) ?? false, goBackwards: (options.goBackwards as boolean) ?? false,
  };
  return { label: `${kind} ${label}`, cfg, options: { units, ...options }, steps, features };
}

const CASES: Case[] = [
  make('SimpleRNN', 'units 5, 7 steps', 5, 7, 3),
  make('SimpleRNN', 'relu, goBackwards, sequences', 3, 4, 2, { activation: 'relu', goBackwards: true, returnSequences: true }),
  make('SimpleRNN', 'one unit, one step, no bias', 1, 1, 1, { useBias: false }),
  make('LSTM', 'defaults (hardSigmoid gates), 17 units', 17, 5, 3),
  make('LSTM', 'sigmoid gates, sequences, goBackwards', 7, 6, 5, { recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true }),
  make('LSTM', 'one unit, no bias, elu cell', 1, 3, 2, { useBias: false, activation: 'elu', recurrentActivation: 'sigmoid' }),
  make('GRU', 'reset before (TF.js), 5 units', 5, 6, 4),
  make('GRU', 'reset after (Keras), sequences, sigmoid', 7, 5, 3, { resetAfter: true, recurrentActivation: 'sigmoid', returnSequences: true }),
  make('GRU', 'reset after, goBackwards, no bias, 33 units', 33, 3, 2, { resetAfter: true, goBackwards: true, useBias: false }),
  make('GRU', 'reset before, goBackwards, sequences, relu6', 3, 4, 3, { goBackwards: true, returnSequences: true, activation: 'relu6' }),
];

function factory(kind: CellConfig['kind']): (args: never) => nn.layers.Recurrent {
  return (kind === 'SimpleRNN' ? nn.layers.simpleRNN : kind === 'LSTM' ? nn.layers.lstm : nn.layers.gru) as never;
}

/**
 * Weights uniform in ±1/(F + u + 1) and inputs in ±1: every pre-activation sums at most F + u + 1
 * terms of magnitude ≤ 1/(F + u + 1), so |pre| ≤ 1 and the step map is contracting in h.
 */
function randomWeights(layer: nn.Layer, rng: () => number, scale: number): void {
  layer.setWeights(layer.getWeights().map((w) => nn.tensor(randomArray(w.size, rng, -scale, scale), [...w.shape])));
}

describe(`recurrent layers against a float64 reference (seed ${seed})`, () => {
  CASES.forEach((c, ci) => {
    it(`${c.label}: output${c.options.returnSequences ? ' sequence' : ''} and returned states`, () => {
      const rng = makeRng(seed + ci);
      const { steps: T, features: F, cfg } = c;
      const n = 3, u = cfg.units;
      const layer = factory(cfg.kind)({ ...c.options, returnState: true } as never);
      const x = nn.input({ shape: [T, F] });
      const outs = layer.apply(x) as nn.SymbolicTensor[];
      expect(outs).toHaveLength(cfg.kind === 'LSTM' ? 3 : 2);
      const model = nn.model({ inputs: x, outputs: outs });
      randomWeights(layer, rng, 1 / (F + u + 1));
      const xs = randomArray(n * T * F, rng);
      const got = model.predict(nn.tensor(xs, [n, T, F])) as nn.Tensor[];
      const [kernel, recurrent, bias] = layer.getWeights().map((w) => w.data);
      const ref = runCell(cfg, { kernel, recurrent, bias: bias ?? null }, xs, n, T, F);
      const tol = stepTolerance(cfg.kind, T, F, u);
      const want = c.options.returnSequences ? ref.sequence : ref.h;
      expect(got[0].shape).toEqual(c.options.returnSequences ? [n, T, u] : [n, u]);
      const worst = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
      expect(worst(got[0].data, want)).toBeLessThan(tol);
      expect(worst(got[1].data, ref.h)).toBeLessThan(tol);
      if (ref.c) expect(worst(got[2].data, ref.c)).toBeLessThan(tol);
      expect(layer.params.map((p) => [p.name, [...p.shape]])).toEqual([
        ['kernel', [F, gateCount(cfg.kind) * u]], ['recurrent_kernel', [u, gateCount(cfg.kind) * u]],
        ...(c.options.useBias === false ? [] : [['bias', cfg.resetAfter ? [2, 3 * u] : [gateCount(cfg.kind) * u]]]),
      ]);
      model.dispose();
    });
  });

  it('predicts one sample at a time as it predicts the batch (batch-1 GEMM path)', () => {
    const rng = makeRng(seed + 40);
    const model = nn.sequential({ layers: [nn.layers.lstm({ inputShape: [4, 3], units: 6, returnSequences: true })] });
    randomWeights(model.layers[0], rng, 0.2);
    const xs = randomArray(5 * 4 * 3, rng);
    const all = (model.predict(nn.tensor(xs, [5, 4, 3])) as nn.Tensor).data;
    for (let b = 0; b < 5; b++) {
      const one = (model.predict(nn.tensor(xs.slice(b * 12, b * 12 + 12), [1, 4, 3])) as nn.Tensor).data;
      expect(Math.max(...Array.from(one, (v, i) => Math.abs(v - all[b * 24 + i])))).toBeLessThan(stepTolerance('LSTM', 4, 3, 6));
    }
    model.dispose();
  });
});

describe(`gradients through time (seed ${seed})`, () => {
  // Smooth gates (sigmoid) everywhere but the hardSigmoid cases, whose pre-activations stay inside
  // its linear part (|pre| ≤ 1 < 2.5 with the weights above), so no central difference crosses a kink.
  CASES.filter((c) => c.cfg.activation !== 'relu' && c.cfg.activation !== 'relu6').forEach((c, ci) => {
    for (const returnState of [false, true]) {
      it(`${c.label}${returnState ? ', returnState' : ''}: inputs, kernel, recurrent kernel and bias`, () => {
        const rng = makeRng(seed + 100 + 2 * ci + Number(returnState));
        const layer = factory(c.cfg.kind)({ ...c.options, returnState } as never);
        layer.build([[c.steps, c.features]]);
        randomWeights(layer, rng, 1 / (c.features + c.cfg.units + 1));
        checkLayerGradients({ layer, inputShapes: [[c.steps, c.features]], batch: 2, rng, h: 1e-2 });
        layer.dispose();
      });
    }
  });

  it('kinked cell activations (relu, relu6), each unit kept on one side of the kinks', () => {
    for (const [i, c] of CASES.filter((k) => k.cfg.activation === 'relu' || k.cfg.activation === 'relu6').entries()) {
      const rng = makeRng(seed + 150 + i);
      const layer = factory(c.cfg.kind)(c.options as never);
      layer.build([[c.steps, c.features]]);
      randomWeights(layer, rng, 1 / (c.features + c.cfg.units + 1));
      // The cell activation's bias block alternates +2 and −2 per unit: with the other terms summing
      // below 1 in magnitude, a unit's pre-activation stays in (1, 3) or (−3, −1), never near 0 or 6,
      // so both slopes are exercised and no central difference crosses a kink.
      const [kernel, recurrent, bias] = layer.getWeights();
      const u = c.cfg.units, from = c.cfg.kind === 'GRU' ? 2 * u : 0;
      for (let j = 0; j < u; j++) bias.data[from + j] = j % 2 === 0 ? 2 : -2;
      layer.setWeights([kernel, recurrent, bias]);
      checkLayerGradients({ layer, inputShapes: [[c.steps, c.features]], batch: 2, rng, h: 1e-2 });
      layer.dispose();
    }
  });

  it('a functional model using the states of an LSTM: loss gradients of every weight', () => {
    nn.setSeed(seed + 160);
    const x = nn.input({ shape: [5, 3] });
    const [seq, h, c] = nn.layers.lstm({ units: 4, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' }).apply(x);
    const summary = nn.layers.gru({ units: 3, resetAfter: true, recurrentActivation: 'sigmoid' }).apply(seq);
    const joined = nn.layers.concatenate().apply([summary, h, c]);
    const out = nn.layers.dense({ units: 2, activation: 'softmax' }).apply(joined);
    const model = nn.model({ inputs: x, outputs: out });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed + 161);
    const xs = nn.tensor(randomArray(4 * 5 * 3, rng), [4, 5, 3]);
    const ys = nn.data.toCategorical(Uint8Array.from({ length: 4 }, () => Math.floor(rng() * 2)), 2);
    // h = 3e-3: glorot-initialised weights saturate tanh enough that h = 1e-2's truncation error reaches a few percent.
    checkModelGradients(model, xs, ys, 3e-3, 2e-2);
    model.dispose();
  });

  it('only a state used (the main output unread): its gradient alone reaches the weights', () => {
    nn.setSeed(seed + 170);
    const x = nn.input({ shape: [4, 2] });
    const [, state] = nn.layers.simpleRNN({ units: 3, returnState: true }).apply(x);
    const model = nn.model({ inputs: x, outputs: nn.layers.dense({ units: 1 }).apply(state) });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const rng = makeRng(seed + 171);
    checkModelGradients(model, nn.tensor(randomArray(3 * 8, rng), [3, 4, 2]), nn.tensor(randomArray(3, rng), [3, 1]), 3e-3, 2e-2);
    model.dispose();
  });
});

describe(`input dropout (seed ${seed})`, () => {
  /** Forward (training) and backward of `layer` on x with output gradient dy: output, input gradient, weight gradients and the call's buffers. */
  function run(layer: nn.Layer, n: number, T: number, F: number, x: Float32Array, dy: Float32Array) {
    const { arena } = getBackend();
    const outSize = n * layer.outputSize;
    const [px, pdx, py, pdy] = [x.length, x.length, outSize, outSize].map((c) => arena.allocF32(c));
    arena.f32.set(x, px >>> 2);
    arena.f32.set(dy, pdy >>> 2);
    const call = standaloneCall(layer, n, { inputs: [px], output: py, gradOutput: pdy, gradInputs: [pdx] });
    layer.forward(n, call, true);
    const y = arena.f32.slice(py >>> 2, (py >>> 2) + outSize);
    const masked = arena.f32.slice(call.buffers.at(-1)! >>> 2, (call.buffers.at(-1)! >>> 2) + n * T * F);
    const mask = arena.f32.slice(call.buffers.at(-3)! >>> 2, (call.buffers.at(-3)! >>> 2) + n * F);
    layer.backward(n, call);
    const dx = arena.f32.slice(pdx >>> 2, (pdx >>> 2) + x.length);
    const grads = layer.params.map((p) => arena.f32.slice(p.grad >>> 2, (p.grad >>> 2) + p.size));
    layer.forward(n, call, true); // the next batch
    const nextMask = arena.f32.slice(call.buffers.at(-3)! >>> 2, (call.buffers.at(-3)! >>> 2) + n * F);
    call.release();
    for (const p of [px, pdx, py, pdy]) arena.release(p);
    return { y, dx, grads, masked, mask, nextMask };
  }

  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    it(`${kind}: one mask per sequence on the features; training equals the layer without dropout on the masked input, gradients too`, () => {
      const rng = makeRng(seed + 300);
      const n = 3, T = 5, F = 7, u = 4, rate = 0.4;
      const dropped = factory(kind)({ units: u, dropout: rate, returnSequences: true, seed: seed % 1000 } as never);
      const plain = factory(kind)({ units: u, returnSequences: true } as never);
      dropped.build([[T, F]]);
      plain.build([[T, F]]);
      randomWeights(dropped, rng, 0.3);
      plain.setWeights(dropped.getWeights());
      const x = randomArray(n * T * F, rng), dy = randomArray(n * T * u, rng);
      const a = run(dropped, n, T, F, x, dy);
      // The mask: 0 or 1/(1 − rate) per sample and feature, and the input at every step multiplied by it.
      for (const m of a.mask) expect([0, Math.fround(1 / (1 - rate))]).toContain(m);
      expect(Array.from(a.masked)).toEqual(Array.from(x, (v, i) => Math.fround(v * a.mask[Math.floor(i / (T * F)) * F + (i % F)])));
      const b = run(plain, n, T, F, a.masked, dy);
      expect(Array.from(a.y)).toEqual(Array.from(b.y));
      a.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(b.grads[i])));
      expect(Array.from(a.dx)).toEqual(Array.from(b.dx, (v, i) => Math.fround(v * a.mask[Math.floor(i / (T * F)) * F + (i % F)])));
      // The next batch draws another mask (all 21 draws repeating has probability 0.52^21 ≈ 1e-6); predict uses none.
      expect(Array.from(a.nextMask)).not.toEqual(Array.from(a.mask));
      const input = nn.input({ shape: [T, F] });
      const model = nn.model({ inputs: input, outputs: dropped.apply(input) });
      const viaPlain = nn.model({ inputs: input, outputs: plain.apply(input) });
      const xs = nn.tensor(x, [n, T, F]);
      expect(Array.from((model.predict(xs) as nn.Tensor).data)).toEqual(Array.from((viaPlain.predict(xs) as nn.Tensor).data));
      model.dispose();
      viaPlain.dispose();
    });
  }

  it('bad rates are refused, naming the argument', () => {
    expect(() => nn.layers.lstm({ units: 2, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\), got 1/);
    expect(() => nn.layers.gru({ units: 2, recurrentDropout: 0.1 })).toThrow(/recurrentDropout 0.1 is not supported \(0 only\)/);
  });
});

describe('recurrent layer options', () => {
  it('defaults follow TF.js: tanh cell, hardSigmoid gates, GRU resets before, no unit forget bias', () => {
    const l = nn.layers.lstm({ units: 2 }), g = nn.layers.gru({ units: 2 }), s = nn.layers.simpleRNN({ units: 2 });
    expect([l.recurrentActivationName, l.unitForgetBias, g.recurrentActivationName, g.resetAfter]).toEqual(['hardSigmoid', false, 'hardSigmoid', false]);
    for (const layer of [l, g, s]) expect([layer.returnSequences, layer.returnState, layer.goBackwards, layer.useBias]).toEqual([false, false, false, true]);
  });

  it('unitForgetBias sets the forget gate\'s bias to ones', () => {
    const layer = nn.layers.lstm({ units: 3, unitForgetBias: true, biasInitializer: 'zeros' });
    layer.build([[2, 2]]);
    expect(Array.from(layer.getWeights()[2].data)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    layer.dispose();
  });

  it('bad options are refused by name', () => {
    expect(() => nn.layers.lstm({ units: 0 })).toThrow(/LSTM 'lstm(_\d+)?': units must be a positive integer, got 0/);
    expect(() => nn.layers.gru({ units: 2, recurrentActivation: 'softmax' })).toThrow(/recurrentActivation 'softmax' is not supported in a recurrent cell/);
    expect(() => nn.layers.simpleRNN({ units: 2, activation: 'swish' })).toThrow(/activation 'swish' is not supported in a recurrent cell/);
    expect(() => nn.layers.lstm({ units: 2, return_sequences: true } as never)).toThrow(/did you mean 'returnSequences'/);
    expect(() => nn.layers.lstm({ units: 2, activation: 'hardSigmoidKeras3', recurrentActivation: 'hardSigmoid' })).toThrow(/two different hard sigmoids/);
    const layer = nn.layers.lstm({ units: 2 });
    expect(() => layer.build([[5]])).toThrow(/LSTM 'lstm(_\d+)?': expects a sequence input \[steps, features\] per sample, got \[5\]/);
  });

  it('a layer with returnState cannot sit in a Sequential', () => {
    const model = nn.sequential({ layers: [nn.layers.lstm({ inputShape: [3, 2], units: 2, returnState: true })] });
    expect(() => model.predict(nn.tensor(new Float32Array(6), [1, 3, 2]))).toThrow(/has 3 outputs \(returnState\); a layer of a Sequential must have one/);
  });

  it('summary lists a layer with states once, with every output shape', () => {
    const x = nn.input({ shape: [6, 2] });
    const [seq, h] = nn.layers.gru({ units: 3, returnSequences: true, returnState: true, name: 'enc' }).apply(x);
    const model = nn.model({ inputs: x, outputs: [seq, nn.layers.dense({ units: 1, name: 'head' }).apply(h)] });
    const table = model.summary();
    expect(table).toContain('enc (GRU)');
    expect(table).toContain('[(None, 6, 3), (None, 3)]');
    expect(table).toMatch(/head \(Dense\)\s+\(None, 1\)\s+4\s+enc\[1\]/);
    expect(model.outputNames).toEqual(['enc', 'head']);
    model.dispose();
  });
});

describe('training', () => {
  it('an LSTM and a GRU learn which of two sequence patterns they see, and a step allocates nothing', async () => {
    nn.setSeed(seed + 200);
    const rng = makeRng(seed + 201);
    const n = 64, T = 6;
    // Class 1 sequences rise, class 0 fall, with noise.
    const xs = new Float32Array(n * T), labels = new Uint8Array(n);
    for (let b = 0; b < n; b++) {
      labels[b] = b % 2;
      for (let t = 0; t < T; t++) xs[b * T + t] = (labels[b] ? t : T - t) / T + 0.3 * (rng() - 0.5);
    }
    const model = nn.sequential({ layers: [
      nn.layers.lstm({ inputShape: [T, 1], units: 8, returnSequences: true }),
      nn.layers.gru({ units: 4, resetAfter: true }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.03 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const { arena } = getBackend();
    const inUse: number[] = [];
    const history = await model.fit(nn.tensor(xs, [n, T, 1]), nn.data.toCategorical(labels, 2), {
      epochs: 30, batchSize: 16, verbose: 0, seed, callbacks: [{ onBatchEnd: () => { inUse.push(arena.bytesInUse); } }],
    });
    expect(new Set(inUse.slice(1)).size).toBe(1);
    expect(history.history.accuracy.at(-1)).toBeGreaterThan(0.9);
    model.dispose();
  });
});
