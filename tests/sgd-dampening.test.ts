// SGD's dampening (PyTorch's name): with dampening = momentum the velocity is −lr times an
// exponential moving average of the gradients, so w −= lr·EMA[g] (the course's EMA method),
// checked against a float64 reference; the options it cannot combine with are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import type { Param } from '../src/layers/layer.js';
import { backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
let b: Backend;
beforeAll(async () => { b = await backend(); });
const seed = freshSeed();
const EPS32 = 2 ** -23;

describe(`sgd dampening (seed ${seed})`, () => {
  for (const n of [1, 7, 33]) {
    it(`dampening = momentum steps w by −lr·EMA[g], n=${n}`, () => {
      const rng = makeRng(seed + n);
      const lr = 0.05, mu = 0.9, steps = 5;
      const w0 = randomArray(n, rng);
      const p: Param = { name: 'w', shape: [n], size: n, ptr: toWasm(b, w0), grad: toWasm(b, new Float32Array(n)), trainable: true, regularizer: null };
      const opt = nn.optimizers.sgd({ learningRate: lr, momentum: mu, dampening: mu });
      const w = Array.from(w0, Number), ema = new Array(n).fill(0), bound = Array.from(w0, Math.abs);
      for (let t = 0; t < steps; t++) {
        const g = randomArray(n, rng);
        b.arena.f32.set(g, p.grad >>> 2);
        opt.step([p]);
        for (let i = 0; i < n; i++) {
          ema[i] = mu * ema[i] + (1 - mu) * g[i];
          w[i] -= lr * ema[i];
          bound[i] += lr * Math.abs(g[i]);
        }
      }
      const got = fromWasm(b, p.ptr, n);
      // Each step rounds a handful of f32 operations on values no larger than |w0| + Σ lr·|g|.
      for (let i = 0; i < n; i++) expect(Math.abs(got[i] - w[i]), `w[${i}]`).toBeLessThanOrEqual(16 * steps * EPS32 * bound[i]);
      opt.dispose();
      b.arena.release(p.ptr); b.arena.release(p.grad);
    });
  }

  it('is refused without momentum, with nesterov, or outside [0, 1)', () => {
    expect(() => nn.optimizers.sgd({ dampening: 0.5 })).toThrow('sgd: dampening 0.5 needs momentum > 0');
    expect(() => nn.optimizers.sgd({ momentum: 0.9, nesterov: true, dampening: 0.1 })).toThrow('sgd: nesterov needs dampening 0 (as PyTorch)');
    expect(() => nn.optimizers.sgd({ momentum: 0.9, dampening: 1 })).toThrow('sgd: dampening must be a number in [0, 1), got 1');
  });

  it('survives save and load with the optimizer state', async () => {
    nn.setSeed(seed);
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [3], units: 2 })] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.8, dampening: 0.8 }), loss: 'meanSquaredError' });
    const rng = makeRng(seed + 99);
    const x = nn.tensor(randomArray(12, rng), [4, 3]), y = nn.tensor(randomArray(8, rng), [4, 2]);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const loaded = await nn.loadModel(nn.io.modelToArtifacts(model, { includeOptimizer: true }));
    expect((loaded.optimizer as nn.optimizers.SGD).dampening).toBe(0.8);
    await model.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
    await loaded.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
    // The velocity is saved as tfjs's accumulation a = −v/lr and read back as v = −lr·a: two f32
    // roundings of v, so the next steps agree to a few ulps, not bit for bit.
    const ours = model.getWeights(), theirs = loaded.getWeights();
    ours.forEach((w, i) => w.data.forEach((v, j) => expect(Math.abs(theirs[i].data[j] - v)).toBeLessThanOrEqual(64 * EPS32 * Math.max(1, Math.abs(v)))));
    for (const m of [model, loaded]) m.dispose();
  });
});
