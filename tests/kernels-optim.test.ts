// Optimizer kernels over several steps against the Keras update formulas written out in float64.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;

const STEPS = 5;
const SIZES = [...AWKWARD_SIZES, 1030];

/** Buffers for one parameter array: weights and slots copied into wasm, plus JS float64 mirrors. */
function setup(b: Backend, n: number, rng: () => number, slots: number) {
  const w0 = randomArray(n, rng);
  const ptr = { w: toWasm(b, w0), g: toWasm(b, new Float32Array(n)), s: [] as number[] };
  for (let i = 0; i < slots; i++) ptr.s.push(toWasm(b, new Float32Array(n)));
  const ref = { w: Float64Array.from(w0), s: Array.from({ length: slots }, () => new Float64Array(n)) };
  /** A fresh gradient for this step, in wasm and as the float64 values the reference uses. */
  const gradient = (): Float32Array => {
    const g = randomArray(n, rng, -2, 2);
    b.arena.f32.set(g, ptr.g >> 2);
    return g;
  };
  return { ptr, ref, gradient };
}

describe('sgd', () => {
  const seed = freshSeed();
  for (const n of SIZES) {
    it(`plain sgd ${STEPS} steps n=${n} (seed ${seed})`, async () => {
      const b = await backend();
      const { ptr, ref, gradient } = setup(b, n, makeRng(seed + n), 0);
      const lr = 0.05;
      for (let t = 0; t < STEPS; t++) {
        const g = gradient();
        b.kernels.sgdUpdate(ptr.w, ptr.g, n, lr);
        for (let i = 0; i < n; i++) ref.w[i] -= Math.fround(lr) * g[i];
      }
      expect(maxRelError(fromWasm(b, ptr.w, n), ref.w)).toBeLessThan(1e-6);
    });
    for (const nesterov of [0, 1]) {
      it(`momentum sgd ${STEPS} steps n=${n} nesterov=${nesterov} (seed ${seed})`, async () => {
        const b = await backend();
        const { ptr, ref, gradient } = setup(b, n, makeRng(seed + 3 * n + nesterov), 1);
        const lr = Math.fround(0.03), momentum = Math.fround(0.9);
        const v = ref.s[0];
        for (let t = 0; t < STEPS; t++) {
          const g = gradient();
          b.kernels.sgdMomentumUpdate(ptr.w, ptr.g, ptr.s[0], n, lr, momentum, nesterov);
          for (let i = 0; i < n; i++) {
            v[i] = momentum * v[i] - lr * g[i];
            ref.w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
          }
        }
        expect(maxRelError(fromWasm(b, ptr.s[0], n), v, 1e-2)).toBeLessThan(1e-5);
        expect(maxRelError(fromWasm(b, ptr.w, n), ref.w)).toBeLessThan(1e-6);
      });
    }
  }
  it(`nesterov and plain momentum differ by momentum·v − lr·g versus v (seed ${seed})`, async () => {
    const b = await backend();
    const w = [0, 1].map((nesterov) => {
      const { ptr, gradient } = setup(b, 5, makeRng(seed), 1);
      gradient();
      b.kernels.sgdMomentumUpdate(ptr.w, ptr.g, ptr.s[0], 5, 0.1, 0.9, nesterov);
      return fromWasm(b, ptr.w, 5);
    });
    // From v = 0 the first step moves −lr·g plain and −(1 + momentum)·lr·g with nesterov.
    const { gradient: g0, ref } = setup(b, 5, makeRng(seed), 1);
    const g = g0();
    const plainStep = Array.from(g, (x) => -0.1 * x), nesterovStep = Array.from(g, (x) => -0.19 * x);
    expect(maxRelError(Array.from(w[0], (x, i) => x - ref.w[i]), plainStep, 1e-2)).toBeLessThan(1e-5);
    expect(maxRelError(Array.from(w[1], (x, i) => x - ref.w[i]), nesterovStep, 1e-2)).toBeLessThan(1e-5);
  });
});

describe('adam', () => {
  const seed = freshSeed();
  const configs = [
    { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    { lr: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 },
  ];
  for (const n of SIZES) for (const [ci, c] of configs.entries()) {
    it(`adam ${STEPS} steps n=${n} config ${ci} (seed ${seed})`, async () => {
      const b = await backend();
      const { ptr, ref, gradient } = setup(b, n, makeRng(seed + 5 * n + ci), 2);
      const [lr, beta1, beta2, epsilon] = [c.lr, c.beta1, c.beta2, c.epsilon].map(Math.fround);
      const [m, v] = ref.s;
      for (let t = 1; t <= STEPS; t++) {
        const g = gradient();
        b.kernels.adamUpdate(ptr.w, ptr.g, ptr.s[0], ptr.s[1], n, lr, beta1, beta2, epsilon, t);
        const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        for (let i = 0; i < n; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
          ref.w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + epsilon);
        }
      }
      expect(maxRelError(fromWasm(b, ptr.s[0], n), m, 0.1)).toBeLessThan(1e-5); // m may cancel to ~0: judged absolutely there
      expect(maxRelError(fromWasm(b, ptr.s[1], n), v, 1e-12)).toBeLessThan(1e-5); // a sum of positive terms: relative
      expect(maxRelError(fromWasm(b, ptr.w, n), ref.w)).toBeLessThan(1e-6);
    });
  }
  it(`first step is bias-corrected: w moves by lr·g/(|g| + ε/√(1−β2)), about lr·sign(g) (seed ${seed})`, async () => {
    const b = await backend();
    const n = 7;
    const { ptr, ref, gradient } = setup(b, n, makeRng(seed), 2);
    const g = gradient();
    b.kernels.adamUpdate(ptr.w, ptr.g, ptr.s[0], ptr.s[1], n, 0.01, 0.9, 0.999, 1e-7, 1);
    const moved = Array.from(fromWasm(b, ptr.w, n), (x, i) => ref.w[i] - x);
    const want = Array.from(g, (x) => (0.01 * x) / (Math.abs(x) + 1e-7 / Math.sqrt(1 - Math.fround(0.999))));
    expect(maxRelError(moved, want, 1e-3)).toBeLessThan(1e-4);
  });
});
