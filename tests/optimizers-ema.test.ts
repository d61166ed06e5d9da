// Keras 3's moving average of the weights (useEma, emaMomentum, emaOverwriteFrequency) on every
// optimizer: the average against a float64 reference of avg ← μ·avg + (1 − μ)·w (μ = 0 on the first
// step), the weights untouched by it, overwrites every N steps, argument errors, config round trips,
// and in a model: nothing allocated per step, validation and saving see the average, fit ends on it.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import type { Param } from '../src/layers/layer.js';
import { getOptimizer, OPTIMIZER_NAMES, type Optimizer } from '../src/optimizers/index.js';
import { backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { artifactsOf, bytesInUse } from './helpers/io-models.js';

type Backend = Awaited<ReturnType<typeof backend>>;
let b: Backend;
beforeAll(async () => { b = await backend(); });
const seed = freshSeed();

function param(w: ArrayLike<number>): Param {
  const n = w.length;
  return { name: 'w', shape: [n], size: n, ptr: toWasm(b, Array.from(w)), grad: toWasm(b, new Float32Array(n)), trainable: true, regularizer: null };
}
const make = (name: string, args: Record<string, unknown>): Optimizer => (nn.optimizers as unknown as Record<string, (a: object) => Optimizer>)[name](args);
const release = (opt: Optimizer, ...ps: Param[]) => { opt.dispose(); for (const p of ps) { b.arena.release(p.ptr); b.arena.release(p.grad); } };

describe(`the moving average against float64 (seed ${seed})`, () => {
  it.each(OPTIMIZER_NAMES.map((n) => [n]))('%s: avg after each of 5 steps, weights as without EMA', (name) => {
    const rng = makeRng(seed + name.length * 31 + name.charCodeAt(0));
    const n = [1, 7, 33][Math.floor(rng() * 3)];
    const momentum = 0.5 + 0.49 * rng();
    const w0 = randomArray(n, rng);
    const p = param(w0), twin = param(w0);
    const opt = make(name, { useEma: true, emaMomentum: momentum });
    const plain = make(name, {});
    opt.prepare([p]);
    plain.prepare([twin]);
    let avg = Float64Array.from(w0);
    for (let step = 1; step <= 5; step++) {
      const g = randomArray(n, rng);
      b.arena.f32.set(g, p.grad >>> 2);
      b.arena.f32.set(g, twin.grad >>> 2);
      opt.step([p]);
      plain.step([twin]);
      const w = fromWasm(b, p.ptr, n);
      // The EMA leaves the update alone: the weights are bit for bit those of the same optimizer without it.
      expect(Array.from(w)).toEqual(Array.from(fromWasm(b, twin.ptr, n)));
      const mu = step === 1 ? 0 : momentum;
      avg = avg.map((a, i) => mu * a + (1 - mu) * w[i]);
      const got = fromWasm(b, opt.ema!.of(p), n);
      // Each step rounds μ·avg and (1 − μ)·w in float32 (and μ itself): a few ulps of the largest magnitude per step.
      const scale = Math.max(1, ...avg.map(Math.abs), ...Array.from(w, Math.abs));
      for (let i = 0; i < n; i++) expect(Math.abs(got[i] - avg[i]), `step ${step} [${i}]`).toBeLessThanOrEqual(2e-6 * step * scale);
    }
    release(opt, p);
    release(plain, twin);
  });

  it('emaOverwriteFrequency 3: after steps 3 and 6 the weights are the average; training goes on from them', () => {
    const rng = makeRng(seed + 7);
    const n = 17;
    const w0 = randomArray(n, rng);
    const p = param(w0);
    const opt = nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, useEma: true, emaMomentum: 0.8, emaOverwriteFrequency: 3 });
    opt.prepare([p]);
    for (let step = 1; step <= 7; step++) {
      b.arena.f32.set(randomArray(n, rng), p.grad >>> 2);
      const before = fromWasm(b, p.ptr, n);
      opt.step([p]);
      const w = Array.from(fromWasm(b, p.ptr, n));
      const avg = Array.from(fromWasm(b, opt.ema!.of(p), n));
      // Step 1's average is the weights (μ = 0 then, as Keras); steps 3 and 6 overwrite the weights with it.
      if (step % 3 === 0 || step === 1) expect(w, `step ${step}`).toEqual(avg);
      else expect(w, `step ${step}`).not.toEqual(avg);
      expect(w).not.toEqual(Array.from(before));
    }
    release(opt, p);
  });

  it('finalizeVariableValues copies the average over the weights; without useEma it does nothing', () => {
    const rng = makeRng(seed + 8);
    const p = param(randomArray(5, rng)), q = param(randomArray(5, rng));
    const opt = nn.optimizers.adam({ useEma: true }), plain = nn.optimizers.adam();
    for (const [o, x] of [[opt, p], [plain, q]] as const) {
      b.arena.f32.set(randomArray(5, rng), x.grad >>> 2);
      o.step([x]); o.step([x]);
    }
    const qBefore = Array.from(fromWasm(b, q.ptr, 5));
    opt.finalizeVariableValues([p]);
    plain.finalizeVariableValues([q]);
    expect(Array.from(fromWasm(b, p.ptr, 5))).toEqual(Array.from(fromWasm(b, opt.ema!.of(p), 5)));
    expect(Array.from(fromWasm(b, q.ptr, 5))).toEqual(qBefore);
    release(opt, p);
    release(plain, q);
  });
});

describe('arguments', () => {
  const o = nn.optimizers;
  const cases: [() => unknown, string][] = [
    [() => o.adam({ useEma: true, emaMomentum: 1.5 }), 'adam: emaMomentum must be a number in [0, 1], got 1.5'],
    [() => o.sgd({ useEma: true, emaMomentum: -0.1 }), 'sgd: emaMomentum must be a number in [0, 1], got -0.1'],
    [() => o.rmsprop({ useEma: true, emaMomentum: Number.NaN }), 'rmsprop: emaMomentum must be a number in [0, 1], got NaN'],
    [() => o.nadam({ useEma: true, emaOverwriteFrequency: 0 }), 'nadam: emaOverwriteFrequency must be a positive integer, got 0'],
    [() => o.adamax({ useEma: true, emaOverwriteFrequency: 2.5 }), 'adamax: emaOverwriteFrequency must be a positive integer, got 2.5'],
    [() => o.adagrad({ useEma: 'yes' as never }), 'adagrad: useEma must be true or false, got \'yes\''],
    [() => o.adadelta({ emaMomentum: 0.9 }), 'adadelta: emaMomentum 0.9 needs useEma: true, got useEma undefined'],
    [() => o.rprop({ useEma: false, emaOverwriteFrequency: 10 }), 'rprop: emaOverwriteFrequency 10 needs useEma: true, got useEma false'],
    [() => o.adamw({ useEMA: true } as never), "adamw: unknown option 'useEMA'; did you mean 'useEma'?"],
    [() => o.sgd({ emaMomentun: 0.9 } as never), "sgd: unknown option 'emaMomentun'; did you mean 'emaMomentum'?"],
  ];
  it.each(cases.map(([f, msg]) => [msg, f] as const))('%s', (msg, f) => expect(f).toThrow(msg));

  it('Keras defaults: useEma false, emaMomentum 0.99, emaOverwriteFrequency null; null frequency is "never"', () => {
    for (const name of OPTIMIZER_NAMES) {
      const opt = getOptimizer(name);
      expect([opt.useEma, opt.emaMomentum, opt.emaOverwriteFrequency, opt.ema]).toEqual([false, 0.99, null, null]);
    }
    const opt = nn.optimizers.adam({ useEma: true, emaOverwriteFrequency: null });
    expect([opt.useEma, opt.emaMomentum, opt.emaOverwriteFrequency]).toEqual([true, 0.99, null]);
  });
});

describe('config', () => {
  it.each(OPTIMIZER_NAMES.map((n) => [n]))('%s: getConfig → fromConfig keeps the EMA options and the rest', (name) => {
    const opt = make(name, { learningRate: 0.05, useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 4, clipNorm: 2 });
    const config = opt.getConfig();
    expect(config).toMatchObject({ learningRate: 0.05, useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 4, clipNorm: 2 });
    const again = (opt.constructor as unknown as { fromConfig(c: object): Optimizer }).fromConfig(config);
    expect(again.className).toBe(opt.className);
    expect(again.getConfig()).toEqual(config);
    expect(make(name, {}).getConfig()).not.toHaveProperty('useEma');
  });
});

/** A small classifier and its data: 2 Gaussian blobs in 4 dimensions. */
function blobs(rng: () => number, n: number): { x: nn.Tensor; y: nn.Tensor } {
  const x = new Float32Array(n * 4), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (labels[i] ? 1 : -1) + rng() - 0.5;
  }
  return { x: nn.tensor(x, [n, 4]), y: nn.data.toCategorical(labels, 2) };
}
function classifier(optimizer: Optimizer): nn.Sequential {
  const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 6, activation: 'relu' }), nn.layers.dense({ units: 2, activation: 'softmax' })] });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
const weightsOf = (m: nn.LayersModel) => m.getWeights().map((t) => Array.from(t.data));

describe(`in a model (seed ${seed})`, () => {
  it('fit: a step allocates nothing; validation sees the average; fit ends with the weights set to it', async () => {
    nn.setSeed(seed);
    const rng = makeRng(seed + 9);
    const train = blobs(rng, 64), val = blobs(rng, 32);
    const model = classifier(nn.optimizers.adam({ learningRate: 0.02, useEma: true, emaMomentum: 0.9 }));
    const inUse: number[] = [];
    let lastAverages: number[][] = [];
    let lastVal = Number.NaN;
    await model.fit(train.x, train.y, {
      epochs: 3, batchSize: 16, verbose: 0, seed, validationData: [val.x, val.y],
      callbacks: [{
        onBatchEnd: () => { inUse.push(bytesInUse()); },
        onEpochEnd: (_e, logs) => {
          lastVal = logs!.val_loss;
          lastAverages = model.params().map((p) => Array.from(fromWasm(b, model.optimizer.ema!.of(p), p.size)));
        },
      }],
    });
    expect(new Set(inUse).size).toBe(1);
    expect(weightsOf(model)).toEqual(lastAverages);
    // The last validation ran on the average, which the weights now are: evaluate in the same batches gives its loss.
    expect(model.evaluate(val.x, val.y, { batchSize: 16 }).loss).toBeCloseTo(lastVal, 6);
    model.dispose();
  });

  it('save writes the average as the weights, and includeOptimizer the EMA options and averages, which load back', async () => {
    nn.setSeed(seed + 1);
    const rng = makeRng(seed + 10);
    const { x, y } = blobs(rng, 16);
    const model = classifier(nn.optimizers.rmsprop({ useEma: true, emaMomentum: 0.7, emaOverwriteFrequency: 5 }));
    for (let i = 0; i < 3; i++) model.trainOnBatch(x, y); // no fit: nothing finalized, weights ≠ average
    const averages = model.params().map((p) => Array.from(fromWasm(b, model.optimizer.ema!.of(p), p.size)));
    const weights = weightsOf(model);
    expect(weights).not.toEqual(averages);
    const artifacts = await artifactsOf(model, { includeOptimizer: true });
    expect(weightsOf(model)).toEqual(weights); // swapped back after saving
    expect(artifacts.trainingConfig!.optimizer_config).toMatchObject({ config: { useEma: true, emaMomentum: 0.7, emaOverwriteFrequency: 5 } });
    const averageNames = artifacts.weightSpecs.map((s) => s.name).filter((name) => name.endsWith('/average'));
    expect(averageNames).toHaveLength(4);
    for (const name of averageNames) expect(name).toMatch(/^dense_\d+\/(kernel|bias)\/average$/);
    const loaded = await nn.loadModel(artifacts);
    expect(weightsOf(loaded)).toEqual(averages);
    const opt = loaded.optimizer;
    expect([opt.useEma, opt.emaMomentum, opt.emaOverwriteFrequency, opt.iterations]).toEqual([true, 0.7, 5, 3]);
    expect(loaded.params().map((p) => Array.from(fromWasm(b, opt.ema!.of(p), p.size)))).toEqual(averages);
    model.dispose();
    loaded.dispose();
  });

  it('trainingConfig refuses a misspelt EMA key naming the nearest one', async () => {
    const model = classifier(nn.optimizers.sgd({ useEma: true }));
    const artifacts = await artifactsOf(model, { includeOptimizer: true });
    const config = artifacts.trainingConfig!.optimizer_config.config as Record<string, unknown>;
    config.emaMomentun = 0.9;
    await expect(nn.loadModel(artifacts)).rejects.toThrow("trainingConfig: optimizer SGD: option 'emaMomentun' (0.9) is not supported; did you mean 'emaMomentum'?");
    model.dispose();
  });
});
