// Optimizer kernels over several steps against the Keras (and, for Rprop, PyTorch iRprop−) update
// formulas written out in float64, at sizes that are not multiples of 4.
//
// Every kernel first forms ĝ = clamp(scale·g, −clip, clip) and w ← keep·w (clipnorm / clipvalue /
// decoupled weight decay, fused into the same pass); the harness below does that part, each
// spec's `ref` the rest. Hyper-parameters go through Math.fround because the kernels take f32.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Config = Record<string, number>;
interface Prelude { scale: number; clip: number; keep: number }
interface Spec {
  name: string;
  configs: Config[];
  slots: (c: Config) => number;
  /** Starting value of each slot. */
  init?: (c: Config, slot: number) => number;
  /** The kernel call for step t ≥ 1. */
  run: (b: Backend, w: number, g: number, s: number[], n: number, t: number, c: Config, p: Prelude) => void;
  /** Step t for element i: ĝ already clipped, w[i] already decayed; update w[i] and the slots. */
  ref: (i: number, w: Float64Array, s: Float64Array[], gh: number, t: number, c: Config) => void;
}

const STEPS = 6;
const SIZES = [...AWKWARD_SIZES, 1030];
const PRELUDES: Prelude[] = [
  { scale: 1, clip: Infinity, keep: 1 },
  { scale: Math.fround(0.6), clip: Math.fround(0.7), keep: Math.fround(0.996) },
];
const f = Math.fround;
const fr = (c: Config): Config => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, f(v)]));
/** Nadam's μ_t and Π_t = μ_1·…·μ_t (Keras: u_t, u_product). */
const mu = (b1: number, t: number) => b1 * (1 - 0.5 * 0.96 ** t);
const muProduct = (b1: number, t: number) => Array.from({ length: t }, (_, s) => mu(b1, s + 1)).reduce((a, x) => a * x, 1);

const SPECS: Spec[] = [
  {
    name: 'sgd', configs: [{ lr: 0.05 }], slots: () => 0,
    run: (b, w, g, _s, n, _t, c, p) => b.kernels.sgdUpdate(w, g, n, c.lr, p.scale, p.clip, p.keep),
    ref: (i, w, _s, gh, _t, c) => { w[i] -= c.lr * gh; },
  },
  {
    name: 'sgd momentum', configs: [{ lr: 0.03, momentum: 0.9, nesterov: 0 }, { lr: 0.03, momentum: 0.5, nesterov: 1 }],
    slots: () => 1,
    run: (b, w, g, s, n, _t, c, p) => b.kernels.sgdMomentumUpdate(w, g, s[0], n, c.lr, c.momentum, c.nesterov, p.scale, p.clip, p.keep),
    ref: (i, w, [v], gh, _t, c) => {
      v[i] = c.momentum * v[i] - c.lr * gh;
      w[i] += c.nesterov ? c.momentum * v[i] - c.lr * gh : v[i];
    },
  },
  {
    name: 'adam', configs: [{ lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7, ams: 0 }, { lr: 0.01, b1: 0.8, b2: 0.5, eps: 1e-3, ams: 1 }],
    slots: (c) => (c.ams ? 3 : 2),
    run: (b, w, g, s, n, t, c, p) => b.kernels.adamUpdate(w, g, s[0], s[1], c.ams ? s[2] : 0, n, c.lr, c.b1, c.b2, c.eps, t, p.scale, p.clip, p.keep),
    ref: (i, w, [m, v, vmax], gh, t, c) => {
      m[i] = c.b1 * m[i] + (1 - c.b1) * gh;
      v[i] = c.b2 * v[i] + (1 - c.b2) * gh * gh;
      let den = v[i];
      if (c.ams) den = vmax[i] = Math.max(vmax[i], v[i]);
      const alpha = (c.lr * Math.sqrt(1 - c.b2 ** t)) / (1 - c.b1 ** t);
      w[i] -= (alpha * m[i]) / (Math.sqrt(den) + c.eps);
    },
  },
  {
    name: 'adamax', configs: [{ lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7 }, { lr: 0.02, b1: 0.7, b2: 0.6, eps: 1e-2 }],
    slots: () => 2,
    run: (b, w, g, s, n, t, c, p) => b.kernels.adamaxUpdate(w, g, s[0], s[1], n, c.lr, c.b1, c.b2, c.eps, t, p.scale, p.clip, p.keep),
    ref: (i, w, [m, u], gh, t, c) => {
      m[i] = c.b1 * m[i] + (1 - c.b1) * gh;
      u[i] = Math.max(c.b2 * u[i], Math.abs(gh));
      w[i] -= (c.lr / (1 - c.b1 ** t)) * m[i] / (u[i] + c.eps);
    },
  },
  {
    name: 'nadam', configs: [{ lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-7 }, { lr: 0.01, b1: 0.6, b2: 0.9, eps: 1e-3 }],
    slots: () => 2,
    run: (b, w, g, s, n, t, c, p) =>
      b.kernels.nadamUpdate(w, g, s[0], s[1], n, c.lr, c.b1, c.b2, c.eps, t, muProduct(c.b1, t), p.scale, p.clip, p.keep),
    ref: (i, w, [m, v], gh, t, c) => {
      m[i] = c.b1 * m[i] + (1 - c.b1) * gh;
      v[i] = c.b2 * v[i] + (1 - c.b2) * gh * gh;
      const prodT = muProduct(c.b1, t), prodNext = prodT * mu(c.b1, t + 1);
      const mHat = (mu(c.b1, t + 1) * m[i]) / (1 - prodNext) + ((1 - mu(c.b1, t)) * gh) / (1 - prodT);
      const vHat = v[i] / (1 - c.b2 ** t);
      w[i] -= (c.lr * mHat) / (Math.sqrt(vHat) + c.eps);
    },
  },
  {
    name: 'rmsprop',
    configs: [
      { lr: 0.001, rho: 0.9, momentum: 0, centered: 0, eps: 1e-7 }, { lr: 0.01, rho: 0.8, momentum: 0.9, centered: 0, eps: 1e-7 },
      { lr: 0.01, rho: 0.7, momentum: 0, centered: 1, eps: 1e-3 }, { lr: 0.005, rho: 0.95, momentum: 0.5, centered: 1, eps: 1e-2 },
    ],
    slots: () => 3,
    run: (b, w, g, s, n, _t, c, p) =>
      b.kernels.rmspropUpdate(w, g, s[0], c.momentum ? s[1] : 0, c.centered ? s[2] : 0, n, c.lr, c.rho, c.momentum, c.eps, p.scale, p.clip, p.keep),
    ref: (i, w, [v, mom, avg], gh, _t, c) => {
      v[i] = c.rho * v[i] + (1 - c.rho) * gh * gh;
      let d = v[i];
      if (c.centered) {
        avg[i] = c.rho * avg[i] + (1 - c.rho) * gh;
        d -= avg[i] * avg[i];
      }
      const inc = (c.lr * gh) / Math.sqrt(d + c.eps); // Keras: epsilon inside the root
      if (c.momentum) w[i] -= mom[i] = c.momentum * mom[i] + inc;
      else w[i] -= inc;
    },
  },
  {
    name: 'adagrad', configs: [{ lr: 0.001, init: 0.1, eps: 1e-7 }, { lr: 0.05, init: 0, eps: 1e-3 }],
    slots: () => 1, init: (c) => c.init,
    run: (b, w, g, s, n, _t, c, p) => b.kernels.adagradUpdate(w, g, s[0], n, c.lr, c.eps, p.scale, p.clip, p.keep),
    ref: (i, w, [acc], gh, _t, c) => {
      acc[i] += gh * gh;
      w[i] -= (c.lr * gh) / Math.sqrt(acc[i] + c.eps);
    },
  },
  {
    name: 'adadelta', configs: [{ lr: 0.001, rho: 0.95, eps: 1e-7 }, { lr: 1, rho: 0.5, eps: 1e-4 }],
    slots: () => 2,
    run: (b, w, g, s, n, _t, c, p) => b.kernels.adadeltaUpdate(w, g, s[0], s[1], n, c.lr, c.rho, c.eps, p.scale, p.clip, p.keep),
    ref: (i, w, [eg, ed], gh, _t, c) => {
      eg[i] = c.rho * eg[i] + (1 - c.rho) * gh * gh;
      const delta = (-Math.sqrt(ed[i] + c.eps) * gh) / Math.sqrt(eg[i] + c.eps);
      ed[i] = c.rho * ed[i] + (1 - c.rho) * delta * delta;
      w[i] += c.lr * delta;
    },
  },
  {
    name: 'rprop', configs: [{ lr: 0.01, em: 0.5, ep: 1.2, smin: 1e-6, smax: 50 }, { lr: 0.3, em: 0.3, ep: 1.5, smin: 0.05, smax: 0.5 }],
    slots: () => 2, init: (c, s) => (s === 1 ? c.lr : 0),
    run: (b, w, g, s, n, _t, c, p) => b.kernels.rpropUpdate(w, g, s[0], s[1], n, c.em, c.ep, c.smin, c.smax, p.scale, p.clip, p.keep),
    ref: (i, w, [prev, size], gh, _t, c) => {
      const p = gh * prev[i];
      size[i] = Math.min(Math.max(size[i] * (p > 0 ? c.ep : p < 0 ? c.em : 1), c.smin), c.smax);
      const g = p < 0 ? 0 : gh; // iRprop−: after a sign flip, no move and no growth next step
      w[i] -= Math.sign(g) * size[i];
      prev[i] = g;
    },
  },
];

/**
 * max |a − e| over the array, divided by the largest |e| the array held at any step. Each step adds
 * a term into the value (|x_t − c·x_{t−1}| ≤ |x_t| + |x_{t−1}| for 0 ≤ c ≤ 1), so that history
 * bounds every term float32 rounded; the final value alone does not, since the terms may cancel
 * (at n = 1 a momentum slot can end near 0 after steps of size 1e-2).
 */
function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>, history: number): number {
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return err / Math.max(history, 1e-30);
}

/** Largest |x| in the array. */
function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

for (const spec of SPECS) {
  const seed = freshSeed();
  describe(`${spec.name} (seed ${seed})`, () => {
    for (const [ci, config] of spec.configs.entries()) for (const [pi, pre] of PRELUDES.entries()) {
      it(`${STEPS} steps, config ${ci}, ${pi ? 'clipped and decayed' : 'plain'}, sizes ${SIZES.join(' ')}`, async () => {
        const b = await backend();
        const c = fr(config);
        for (const n of SIZES) {
          const rng = makeRng(seed + 7 * n + 31 * ci + pi);
          const w0 = randomArray(n, rng);
          const slots = spec.slots(c);
          const init = (s: number) => f(spec.init?.(c, s) ?? 0);
          // Three sentinels after the weights: a tail that writes past n shows.
          const ptr = { w: toWasm(b, [...w0, 7, 7, 7]), g: toWasm(b, new Float32Array(n)), s: [] as number[] };
          for (let s = 0; s < slots; s++) ptr.s.push(toWasm(b, new Float32Array(n).fill(init(s))));
          const w = Float64Array.from(w0);
          const ref = Array.from({ length: slots }, (_, s) => new Float64Array(n).fill(init(s)));
          let g: Float32Array = new Float32Array(0);
          let wHistory = maxAbs(w);
          const slotHistory = ref.map(maxAbs);
          for (let t = 1; t <= STEPS; t++) {
            g = randomArray(n, rng, -2, 2);
            // A zero gradient on the last step: an edge case for every rule, and it makes AMSGrad's
            // maximum matter for sure (v falls, vmax keeps the previous v).
            if (t === STEPS) g[0] = 0;
            b.arena.f32.set(g, ptr.g >>> 2);
            spec.run(b, ptr.w, ptr.g, ptr.s, n, t, c, pre);
            for (let i = 0; i < n; i++) {
              const gh = Math.min(Math.max(pre.scale * g[i], -pre.clip), pre.clip);
              w[i] *= pre.keep;
              spec.ref(i, w, ref, gh, t, c);
            }
            wHistory = Math.max(wHistory, maxAbs(w));
            ref.forEach((r, s) => { slotHistory[s] = Math.max(slotHistory[s], maxAbs(r)); });
          }
          const where = `${spec.name} n=${n}`;
          expect(scaledError(fromWasm(b, ptr.w, n), w, wHistory), where).toBeLessThan(2e-6);
          ref.forEach((r, s) => expect(scaledError(fromWasm(b, ptr.s[s], n), r, slotHistory[s]), `${where} slot ${s}`).toBeLessThan(2e-5));
          expect(fromWasm(b, ptr.g, n), `${where}: the gradient is read, not changed`).toEqual(g);
          expect(Array.from(fromWasm(b, ptr.w + 4 * n, 3)), `${where}: nothing written past n`).toEqual([7, 7, 7]);
          if (spec.name === 'adam' && c.ams) {
            // The AMSGrad maximum must have mattered, or this config proves nothing.
            expect(ref[2][0], `${where}: vmax above v`).toBeGreaterThan(ref[1][0]);
          }
          for (const p of [ptr.w, ptr.g, ...ptr.s]) b.arena.release(p);
        }
      });
    }
  });
}
