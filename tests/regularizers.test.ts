import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { Random } from '../src/core/random.js';
import { addPenaltyGradients } from '../src/models/penalty.js';
import { AWKWARD_SIZES, backend, fromWasm, freshSeed, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import { modelGradients } from './helpers/gradcheck.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

describe(`regularizers (seed ${seed})`, () => {
  for (const n of AWKWARD_SIZES) {
    it(`addRegularizerGradient at n=${n} matches l1·sign(w) + 2·l2·w`, async () => {
      const b = await backend();
      const rng = makeRng(seed + n);
      const w = randomArray(n, rng), g = randomArray(n, rng);
      if (n > 2) w[1] = 0;
      const pw = toWasm(b, w), pg = toWasm(b, g);
      b.kernels.addRegularizerGradient(pw, pg, n, 0.03, 0.2);
      const want = Array.from(g, (gi, i) => gi + 0.03 * Math.sign(w[i]) + 2 * 0.2 * w[i]);
      expect(maxRelError(fromWasm(b, pg, n), want)).toBeLessThan(1e-6);
      b.arena.release(pw);
      b.arena.release(pg);
    });
  }

  function twin(regularizer: nn.regularizers.Regularizer | undefined) {
    nn.setSeed(seed);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [5], units: 7, activation: 'tanh', kernelRegularizer: regularizer, biasRegularizer: regularizer }),
      nn.layers.dense({ units: 3, activation: 'softmax', kernelRegularizer: regularizer }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return model;
  }

  it('the penalty joins the loss and its gradient joins the weight gradient', () => {
    const rng = makeRng(seed);
    const x = nn.tensor(randomArray(6 * 5, rng), [6, 5]);
    const y = nn.tensor([0, 1, 2, 2, 1, 0]);
    const reg = nn.regularizers.l1l2({ l1: 0.02, l2: 0.05 });
    const plain = twin(undefined), penalised = twin(reg);
    penalised.setWeights(plain.getWeights());
    const weights = plain.getWeights();
    const regularized = [weights[0], weights[1], weights[2]]; // last bias has no regularizer
    const penalty = regularized.reduce((s, w) => s + w.data.reduce((a, v) => a + 0.02 * Math.abs(v) + 0.05 * v * v, 0), 0);
    const dataLoss = plain.evaluate(x, y).loss;
    expect(penalised.evaluate(x, y).loss).toBeCloseTo(dataLoss + penalty, 5);

    // Analytic gradient (data + penalty) against central differences of the penalised loss.
    const { arena, kernels } = getBackend();
    const grads = modelGradients(penalised, x, y);
    const params = penalised.params();
    addPenaltyGradients(kernels, params);
    params.forEach((p, pi) => {
      const analytic = arena.f32.slice(p.grad >>> 2, (p.grad >>> 2) + p.size);
      expect(analytic.length).toBe(grads[pi].length);
      for (const i of [0, Math.floor(p.size / 2), p.size - 1]) {
        const at = (p.ptr >>> 2) + i, saved = arena.f32[at], h = 1e-3;
        // |w| has a kink at 0: a central difference across it measures neither side (at exactly 0 both give 0).
        if (saved !== 0 && Math.abs(saved) < h) continue;
        arena.f32[at] = saved + h;
        const plus = penalised.evaluate(x, y).loss;
        arena.f32[at] = saved - h;
        const minus = penalised.evaluate(x, y).loss;
        arena.f32[at] = saved;
        const numeric = (plus - minus) / (2 * h);
        expect(Math.abs(analytic[i] - numeric), `${p.name}[${i}]`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      }
    });
    plain.dispose();
    penalised.dispose();
  });

  it('a large l2 ends training with a smaller weight norm than none', async () => {
    const { train } = nn.data.mnist({ trainSize: 512 });
    const norm = async (regularizer?: nn.regularizers.Regularizer) => {
      nn.setSeed(5);
      const model = nn.sequential({ layers: [
        nn.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelRegularizer: regularizer }),
        nn.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: regularizer }),
      ] });
      model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
      await model.fit(train.x, train.y, { epochs: 3, batchSize: 32, seed: 1, verbose: 0 });
      const kernels = model.getWeights().filter((w) => w.rank === 2);
      model.dispose();
      return Math.sqrt(kernels.reduce((s, w) => s + w.data.reduce((a, v) => a + v * v, 0), 0));
    };
    const free = await norm();
    const decayed = await norm(nn.regularizers.l2({ l2: 0.1 }));
    expect(decayed).toBeLessThan(0.8 * free);
  });

  it('bad regularizer arguments and names', () => {
    expect(() => nn.regularizers.l2({ l2: -1 })).toThrow('regularizers.l2: l2 must be a non-negative finite number, got -1');
    expect(() => nn.layers.dense({ units: 2, kernelRegularizer: 'l3', name: 'r' })).toThrow("Dense 'r': kernelRegularizer: unknown regularizer 'l3'");
  });
});

describe(`initializers (seed ${seed})`, () => {
  const draw = (init: nn.initializers.Initializer, shape: number[]) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b));
    init.fill(values, shape, new Random(seed));
    return values;
  };
  const stats = (v: Float32Array) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
  };

  it('variance scaling: glorot, he and lecun have the Keras variance and range', () => {
    const shape = [3, 3, 40, 60]; // fanIn 360, fanOut 540
    const cases: [nn.initializers.Initializer, number, boolean][] = [
      [nn.initializers.glorotUniform(), 2 / 900, true], [nn.initializers.glorotNormal(), 2 / 900, false],
      [nn.initializers.heUniform(), 2 / 360, true], [nn.initializers.heNormal(), 2 / 360, false],
      [nn.initializers.lecunUniform(), 1 / 360, true], [nn.initializers.lecunNormal(), 1 / 360, false],
    ];
    for (const [init, variance, uniform] of cases) {
      const s = stats(draw(init, shape));
      expect(Math.abs(s.mean), init.name).toBeLessThan(0.05 * Math.sqrt(variance));
      expect(s.std / Math.sqrt(variance), init.name).toBeGreaterThan(0.97);
      expect(s.std / Math.sqrt(variance), init.name).toBeLessThan(1.03);
      const bound = uniform ? Math.sqrt(3 * variance) : 2 * Math.sqrt(variance) / 0.87962566103423978;
      expect(s.max, init.name).toBeLessThanOrEqual(bound * (1 + 1e-6));
    }
  });

  it('random, constant and orthogonal initializers', () => {
    const n = draw(nn.initializers.randomNormal({ mean: 1, stddev: 0.5 }), [20000]);
    expect(stats(n).mean).toBeCloseTo(1, 1);
    expect(stats(n).std).toBeCloseTo(0.5, 1);
    const u = draw(nn.initializers.randomUniform({ minval: 2, maxval: 3 }), [5000]);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(3);
    const t = draw(nn.initializers.truncatedNormal({ stddev: 1 }), [5000]);
    expect(stats(t).max).toBeLessThanOrEqual(2);
    expect(Array.from(draw(nn.initializers.constant({ value: 0.25 }), [7]))).toEqual(new Array(7).fill(0.25));
    for (const [rows, cols] of [[7, 3], [3, 7], [5, 5]]) {
      const q = draw(nn.initializers.orthogonal({ gain: 2 }), [rows, cols]);
      const k = Math.min(rows, cols);
      // The shorter side's vectors are orthogonal with norm = gain.
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
        let dot = 0;
        for (let t2 = 0; t2 < Math.max(rows, cols); t2++) {
          dot += rows >= cols ? q[t2 * cols + a] * q[t2 * cols + b] : q[a * cols + t2] * q[b * cols + t2];
        }
        expect(dot).toBeCloseTo(a === b ? 4 : 0, 4);
      }
    }
  });

  it('names and bad arguments', () => {
    nn.setSeed(1);
    const layer = nn.layers.dense({ units: 4, kernelInitializer: 'ones', name: 'ones' });
    layer.build([[3]]);
    expect(Array.from(getBackend().arena.f32.slice(layer.params[0].ptr >>> 2, (layer.params[0].ptr >>> 2) + 12))).toEqual(new Array(12).fill(1));
    layer.dispose();
    expect(() => nn.layers.dense({ units: 2, kernelInitializer: 'xavier', name: 'x' })).toThrow("Dense 'x': kernelInitializer: unknown initializer 'xavier'");
    expect(() => nn.initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow('randomUniform: maxval must exceed minval');
    expect(() => nn.initializers.randomNormal({ stddev: Number.NaN })).toThrow('randomNormal: stddev must be a finite number, got NaN');
  });
});
