// Optimizers as objects: Keras names and defaults, argument errors, what the base class adds
// (schedules, clipNorm / clipValue / globalClipNorm, decoupled weight decay), the per-step state
// (Nadam's momentum product, Rprop's step sizes) checked against formulas written out here, and
// each optimizer training a small model.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import type { Param } from '../src/layers/layer.js';
import { getOptimizer, OPTIMIZER_NAMES, type Optimizer } from '../src/optimizers/index.js';
import { nadamMomentum } from '../src/optimizers/nadam.js';
import { backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
let b: Backend;
beforeAll(async () => { b = await backend(); });
const seed = freshSeed();

/** A parameter as layers make them: values and gradient in the arena. */
function param(w: ArrayLike<number>, trainable = true): Param {
  const n = w.length;
  return { name: 'w', shape: [n], size: n, ptr: toWasm(b, Array.from(w)), grad: toWasm(b, new Float32Array(n)), trainable, regularizer: null };
}
const setGrad = (p: Param, g: ArrayLike<number>) => b.arena.f32.set(Array.from(g), p.grad >>> 2);
const values = (p: Param) => Array.from(fromWasm(b, p.ptr, p.size));
const release = (opt: Optimizer, ...ps: Param[]) => { opt.dispose(); for (const p of ps) { b.arena.release(p.ptr); b.arena.release(p.grad); } };
const norm = (g: ArrayLike<number>) => Math.sqrt(Array.from(g).reduce((s, x) => s + x * x, 0));

describe('names and Keras defaults', () => {
  const defaults: [string, string, Record<string, unknown>][] = [
    ['sgd', 'SGD', { learningRate: 0.01, momentum: 0, nesterov: false }],
    ['rmsprop', 'RMSprop', { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false }],
    ['adam', 'Adam', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: null }],
    ['adamw', 'AdamW', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 }],
    ['adagrad', 'Adagrad', { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 }],
    ['adadelta', 'Adadelta', { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 }],
    ['adamax', 'Adamax', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
    ['nadam', 'Nadam', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
    ['rprop', 'Rprop', { learningRate: 0.01, etas: [0.5, 1.2], stepSizes: [1e-6, 50] }],
  ];
  it.each(defaults)('%s -> %s with Keras defaults, by name and by factory', (name, className, want) => {
    for (const opt of [getOptimizer(name), getOptimizer(name.toUpperCase()), (nn.optimizers as Record<string, any>)[name]()]) {
      expect(opt.className).toBe(className);
      for (const [key, value] of Object.entries(want)) expect((opt as any)[key], key).toEqual(value);
      expect(opt.clipNorm).toBeNull();
    }
  });
  it('an unknown name lists the known ones', () => {
    expect(OPTIMIZER_NAMES).toEqual(defaults.map(([n]) => n));
    expect(() => getOptimizer('lbfgs')).toThrow(`unknown optimizer 'lbfgs'; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  });
});

describe('bad arguments name the optimizer and the argument', () => {
  const o = nn.optimizers;
  const cases: [() => unknown, string][] = [
    [() => o.sgd({ learningRate: -1 }), 'sgd: learningRate must be a positive finite number'],
    [() => o.adam({ learningRate: Number.NaN }), 'adam: learningRate must be a positive finite number, got NaN (or pass a schedule: (step) => rate)'],
    [() => o.rmsprop({ learningRate: 0 }), 'rmsprop: learningRate'],
    [() => o.adamax({ learningRate: Infinity }), 'adamax: learningRate'],
    [() => o.adam({ beta1: 1 }), 'adam: beta1 must be a number in [0, 1), got 1'],
    [() => o.nadam({ beta2: -0.1 }), 'nadam: beta2 must be a number in [0, 1), got -0.1'],
    [() => o.rmsprop({ rho: 1.5 }), 'rmsprop: rho must be a number in [0, 1), got 1.5'],
    [() => o.adadelta({ rho: Number.NaN }), 'adadelta: rho must be'],
    [() => o.sgd({ momentum: 1.5 }), 'sgd: momentum must be a number in [0, 1], got 1.5'],
    [() => o.adagrad({ epsilon: -1 }), 'adagrad: epsilon must be a number in [0, Infinity), got -1'],
    [() => o.adagrad({ initialAccumulatorValue: -0.1 }), 'adagrad: initialAccumulatorValue'],
    [() => o.sgd({ nesterov: 'yes' as never }), 'sgd: nesterov must be true or false'],
    [() => o.adamw({ weightDecay: -0.1 }), 'adamw: weightDecay must be a number in [0, Infinity), got -0.1'],
    [() => o.sgd({ clipNorm: 0 }), 'sgd: clipNorm must be a positive finite number, got 0'],
    [() => o.adam({ clipNorm: 1, clipValue: 1 }), 'adam: only one of clipNorm, clipValue and globalClipNorm can be set, got clipNorm and clipValue'],
    [() => o.rprop({ etas: [1.2, 0.5] }), 'rprop: etas must be [etaMinus, etaPlus] with 0 < etaMinus < 1 < etaPlus, got [1.2, 0.5]'],
    [() => o.rprop({ stepSizes: [1, 0.1] }), 'rprop: stepSizes must be [min, max] with 0 < min ≤ max'],
    [() => o.adam({ lr: 0.1 } as never), "adam: unknown option 'lr'; valid options: learningRate,"],
    [() => o.sgd(5 as never), 'sgd: expected an options object, got 5'],
  ];
  it.each(cases.map(([f, msg]) => [msg, f] as const))('%s', (msg, f) => expect(f).toThrow(msg));

  it('a number learning rate can be set (as callbacks do), a scheduled one cannot', () => {
    const opt = nn.optimizers.sgd({ learningRate: 0.1 });
    opt.learningRate = 0.05;
    expect(opt.learningRate).toBe(0.05);
    expect(() => { opt.learningRate = -0.1; }).toThrow('sgd: learningRate must be a positive finite number');
    const scheduled = nn.optimizers.adam({ learningRate: (step) => 0.1 / (1 + step) });
    expect(scheduled.learningRate).toBe(0.1);
    expect(() => { scheduled.learningRate = 0.01; }).toThrow('adam: the learning rate follows a schedule and cannot be set');
    const broken = nn.optimizers.sgd({ learningRate: (step) => (step < 1 ? 0.1 : Number.NaN) });
    const p = param([1, 2, 3]);
    broken.step([p]);
    expect(() => broken.step([p])).toThrow('sgd: the learning-rate schedule must give a finite rate ≥ 0, got NaN at step 1');
    release(broken, p);
  });
});

describe(`what every optimizer shares (seed ${seed})`, () => {
  it('a schedule sets the rate of each step: w moves by −lr(step)·g', () => {
    const rates = nn.schedules.exponentialDecay({ initialLearningRate: 0.2, decaySteps: 1, decayRate: 0.5 });
    const opt = nn.optimizers.sgd({ learningRate: rates });
    const rng = makeRng(seed);
    const p = param(randomArray(7, rng));
    for (let step = 0; step < 4; step++) {
      const before = values(p), g = randomArray(7, rng);
      setGrad(p, g);
      expect(opt.learningRate).toBeCloseTo(0.2 * 0.5 ** step, 12);
      opt.step([p]);
      const want = before.map((w, i) => w - 0.2 * 0.5 ** step * g[i]);
      expect(maxRelError(values(p), want)).toBeLessThan(1e-6);
    }
    release(opt, p);
  });

  it('clipNorm rescales each parameter to norm ≤ c; globalClipNorm all of them together; clipValue clamps', () => {
    const rng = makeRng(seed + 1);
    const g1 = randomArray(5, rng, -2, 2), g2 = randomArray(3, rng, -0.1, 0.1); // ‖g1‖ > 1 > ‖g2‖
    const c = 1, lr = 0.5, joint = Math.hypot(norm(g1), norm(g2));
    const scaleOf: Record<string, (g: Float32Array) => number[]> = {
      clipNorm: (g) => Array.from(g, (x) => (x * c) / Math.max(norm(g), c)),
      globalClipNorm: (g) => Array.from(g, (x) => (x * c) / Math.max(joint, c)),
      clipValue: (g) => Array.from(g, (x) => Math.min(Math.max(x, -0.3), 0.3)),
    };
    for (const [key, clip] of Object.entries(scaleOf)) {
      const opt = nn.optimizers.sgd({ learningRate: lr, [key]: key === 'clipValue' ? 0.3 : c });
      const p1 = param(randomArray(5, rng)), p2 = param(randomArray(3, rng));
      const w1 = values(p1), w2 = values(p2);
      setGrad(p1, g1);
      setGrad(p2, g2);
      opt.step([p1, p2]);
      expect(maxRelError(values(p1), clip(g1).map((g, i) => w1[i] - lr * g)), key).toBeLessThan(1e-6);
      expect(maxRelError(values(p2), clip(g2).map((g, i) => w2[i] - lr * g)), key).toBeLessThan(1e-6);
      expect(fromWasm(b, p1.grad, 5), `${key} leaves the gradient buffer as it was`).toEqual(g1);
      release(opt, p1, p2);
    }
  });

  it('weightDecay is decoupled (Keras 3): w ← w − lr·wd·w, then the update; adamw decays by default', () => {
    const rng = makeRng(seed + 2);
    const lr = 0.1, wd = 0.05;
    const opt = nn.optimizers.sgd({ learningRate: lr, momentum: 0.9, weightDecay: wd });
    const p = param(randomArray(7, rng));
    const w = values(p), v = new Array(7).fill(0);
    for (let t = 0; t < 3; t++) {
      const g = randomArray(7, rng);
      setGrad(p, g);
      opt.step([p]);
      for (let i = 0; i < 7; i++) {
        w[i] -= lr * wd * w[i];
        v[i] = 0.9 * v[i] - lr * g[i];
        w[i] += v[i];
      }
    }
    expect(maxRelError(values(p), w)).toBeLessThan(1e-6);
    release(opt, p);
    // adamw with a zero gradient: Adam's step is 0, so only the decay acts.
    const aw = nn.optimizers.adamw({ learningRate: 0.5 });
    const q = param([1, -2, 3]);
    aw.step([q]);
    aw.step([q]);
    expect(maxRelError(values(q), [1, -2, 3].map((x) => x * (1 - 0.5 * 0.004) ** 2))).toBeLessThan(1e-6);
    release(aw, q);
  });

  it('non-trainable parameters are left alone', () => {
    const opt = nn.optimizers.adam({ learningRate: 0.1 });
    const p = param([1, 2, 3], false);
    setGrad(p, [1, 1, 1]);
    opt.step([p]);
    expect(values(p)).toEqual([1, 2, 3]);
    release(opt, p);
  });
});

describe(`per-step state (seed ${seed})`, () => {
  it('adagrad starts its accumulator at initialAccumulatorValue', () => {
    const opt = nn.optimizers.adagrad({ learningRate: 0.1 });
    const p = param([0, 0, 0]);
    setGrad(p, [0.5, -1, 2]);
    opt.step([p]);
    expect(maxRelError(values(p), [0.5, -1, 2].map((g) => (-0.1 * g) / Math.sqrt(0.1 + g * g + 1e-7)))).toBeLessThan(1e-6);
    release(opt, p);
  });

  it('nadam keeps Π_t = μ_1·…·μ_t across steps and rebuilds it when iterations is restored', () => {
    const rng = makeRng(seed + 3);
    const n = 5, lr = 0.01, b1 = Math.fround(0.9), b2 = Math.fround(0.999), eps = Math.fround(1e-7);
    const a = nn.optimizers.nadam({ learningRate: lr });
    const p = param(randomArray(n, rng));
    const w = values(p), m = new Array(n).fill(0), v = new Array(n).fill(0);
    let prod = 1;
    const grads = Array.from({ length: 4 }, () => randomArray(n, rng));
    for (let t = 1; t <= 3; t++) {
      setGrad(p, grads[t - 1]);
      a.step([p]);
      prod *= nadamMomentum(b1, t);
      const next = prod * nadamMomentum(b1, t + 1);
      for (let i = 0; i < n; i++) {
        const g = grads[t - 1][i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const mHat = (nadamMomentum(b1, t + 1) * m[i]) / (1 - next) + ((1 - nadamMomentum(b1, t)) * g) / (1 - prod);
        w[i] -= (lr * mHat) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    }
    expect(maxRelError(values(p), w)).toBeLessThan(1e-6);
    // A copy restored at iterations = 3 (as loading a saved model does) takes the same 4th step.
    const restored = nn.optimizers.nadam({ learningRate: lr });
    const q = param(values(p));
    restored.iterations = 3;
    a.slotsOf(p).forEach((ptr, s) => b.arena.f32.set(fromWasm(b, ptr, n), restored.slotsOf(q)[s] >>> 2));
    setGrad(p, grads[3]);
    setGrad(q, grads[3]);
    a.step([p]);
    restored.step([q]);
    expect(values(q)).toEqual(values(p));
    release(a, p);
    release(restored, q);
  });

  it('rprop (iRprop−): steps grow on agreement, shrink and pause on a sign flip, start at lr, stay in bounds', () => {
    const opt = nn.optimizers.rprop({ learningRate: 0.1 });
    const p = param([0]);
    const path: number[] = [];
    for (const g of [1, 1, -1, -1, 1, 1]) {
      setGrad(p, [g]);
      opt.step([p]);
      path.push(values(p)[0]);
    }
    // steps: 0.1 (start), 0.12 (×1.2), flip: size 0.06 and no move, then −0.06 (g treated as 0 last time),
    // flip again: 0.03 and no move, then −0.03 (sign +1: w decreases).
    const want = [-0.1, -0.22, -0.22, -0.16, -0.16, -0.19];
    expect(maxRelError(path, want, 1e-3)).toBeLessThan(1e-5);
    expect(fromWasm(b, opt.slotsOf(p)[1], 1)[0]).toBeCloseTo(0.03, 6);
    release(opt, p);
    const big = nn.optimizers.rprop({ learningRate: 100, stepSizes: [1e-6, 50] });
    const q = param([0, 0]);
    setGrad(q, [1, -1e-9]);
    big.step([q]);
    expect(values(q)).toEqual([-50, 50]); // the first step is clamped to the upper bound; only signs count
    release(big, q);
  });
});

describe('each optimizer trains a small regression to a lower loss', () => {
  const rates: Record<string, number> = {
    sgd: 0.1, rmsprop: 0.01, adam: 0.02, adamw: 0.02, adagrad: 0.2, adadelta: 1, adamax: 0.03, nadam: 0.02, rprop: 0.01,
  };
  for (const [name, learningRate] of Object.entries(rates)) {
    it(`${name} (full batches)`, async () => {
      await nn.ready();
      nn.setSeed(5);
      const rng = makeRng(11);
      const xs = randomArray(64 * 2, rng);
      const ys = Float32Array.from({ length: 64 }, (_, i) => Math.sin(2 * xs[2 * i]) - 0.5 * xs[2 * i + 1]);
      const x = nn.tensor(xs, [64, 2]), y = nn.tensor(ys, [64, 1]);
      const model = nn.sequential({ layers: [
        nn.layers.dense({ inputShape: [2], units: 8, activation: 'tanh' }),
        nn.layers.dense({ units: 1 }),
      ] });
      const make = (nn.optimizers as Record<string, any>)[name] as (args: { learningRate: number }) => Optimizer;
      model.compile({ optimizer: make({ learningRate }), loss: 'meanSquaredError' });
      const before = model.evaluate(x, y).loss;
      // Adadelta's first steps are about lr·√ε·g/|g|: it needs more of them to get going.
      const history = await model.fit(x, y, { epochs: name === 'adadelta' ? 400 : 40, batchSize: 64, verbose: 0, shuffle: false });
      const after = model.evaluate(x, y).loss;
      expect(history.history.loss.every(Number.isFinite)).toBe(true);
      expect(after).toBeLessThan(0.2 * before); // all reach ~0.02 from ~1.3 here
      model.dispose();
    });
  }
});
