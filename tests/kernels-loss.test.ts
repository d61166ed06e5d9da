// Loss kernels: loss sums, written probabilities and gradients against float64 references;
// gradients also against central differences of the reference and of the kernel itself.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Row = ArrayLike<number> & Iterable<number>;

const EPS = Math.fround(1e-7);
const ONE_MINUS_EPS = Math.fround(1 - EPS);
const clip = (q: number) => Math.min(Math.max(q, EPS), ONE_MINUS_EPS);
const sum = (a: Row) => Array.from(a).reduce((s, v) => s + v, 0);
const logSumExp = (z: Row) => { const m = Math.max(...Array.from(z)); return m + Math.log(sum(Array.from(z, (v) => Math.exp(v - m)))); };
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

interface LossCase {
  name: string;
  /** Labels are one class index per row. */
  sparse: boolean;
  /** Per-element loss: the harness treats each element as a row of one. */
  elementwise: boolean;
  /** Reference probabilities the kernel writes (softmax or sigmoid variants). */
  probs?: (x: Row) => number[];
  inputs: (rng: () => number, rows: number, cols: number) => { x: Float32Array; y: Float32Array };
  /** float64 loss of one row (y is [class] when sparse). */
  rowLoss: (x: Row, y: Row) => number;
  /**
   * Sum of the magnitudes of the terms that make up a row's loss, where they can cancel (default:
   * the loss itself). float32 rounding is relative to these terms, not to what is left after they cancel.
   */
  rowScale?: (x: Row, y: Row) => number;
  /** Finite-difference step for the f32 kernel at input value v. */
  step: (v: number) => number;
  /** `terms`: where the kernel writes each row's (element's) loss, or 0. */
  call: (b: Backend, x: number, y: number, probs: number, grad: number, rows: number, cols: number, gs: number, terms: number) => number;
}

/** Label rows: one-hot for even rows, soft labels not summing to 1 for odd ones (the gradient is exact for both). */
function denseLabels(rng: () => number, rows: number, cols: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[r * cols + c] = r % 2 ? (2.5 * rng()) / cols : 0;
  for (let r = 0; r < rows; r += 2) y[r * cols + Math.floor(rng() * cols)] = 1;
  return y;
}
const sparseLabels = (rng: () => number, rows: number, cols: number) => Float32Array.from({ length: rows }, () => Math.floor(rng() * cols));
const softmaxRow = (z: Row) => { const l = logSumExp(z); return Array.from(z, (v) => Math.exp(v - l)); };
const logitStep = (v: number) => 1e-2 * Math.max(1, Math.abs(v));

const CASES: LossCase[] = [
  {
    name: 'softmaxCrossEntropy', sparse: false, elementwise: false, probs: softmaxRow,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -4, 4), y: denseLabels(rng, rows, cols) }),
    rowLoss: (z, y) => { const l = logSumExp(z); return sum(Array.from(y, (t, j) => t * (l - z[j]))); },
    step: logitStep,
    call: (b, x, y, p, g, rows, cols, gs, t) => b.kernels.softmaxCrossEntropy(x, y, p, g, rows, cols, 0, gs, t),
  },
  {
    name: 'sparseSoftmaxCrossEntropy', sparse: true, elementwise: false, probs: softmaxRow,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -4, 4), y: sparseLabels(rng, rows, cols) }),
    rowLoss: (z, y) => logSumExp(z) - z[y[0]],
    step: logitStep,
    call: (b, x, y, p, g, rows, cols, gs, t) => b.kernels.sparseSoftmaxCrossEntropy(x, y, p, g, rows, cols, gs, t),
  },
  {
    name: 'categoricalCrossentropy', sparse: false, elementwise: false,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, 0.05, 1), y: denseLabels(rng, rows, cols) }),
    rowLoss: (x, y) => { const s = sum(x); return -sum(Array.from(y, (t, j) => t * Math.log(clip(x[j] / s)))); },
    step: (v) => 1e-2 * v,
    call: (b, x, y, _p, g, rows, cols, gs, t) => b.kernels.categoricalCrossentropy(x, y, g, rows, cols, 0, gs, t),
  },
  {
    name: 'sparseCategoricalCrossentropy', sparse: true, elementwise: false,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, 0.05, 1), y: sparseLabels(rng, rows, cols) }),
    rowLoss: (x, y) => -Math.log(clip(x[y[0]] / sum(x))),
    step: (v) => 1e-2 * v,
    call: (b, x, y, _p, g, rows, cols, gs, t) => b.kernels.sparseCategoricalCrossentropy(x, y, g, rows, cols, gs, t),
  },
  {
    name: 'sigmoidBinaryCrossentropy', sparse: false, elementwise: true, probs: (z) => [sigmoid(z[0])],
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -6, 6), y: Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 ? Math.round(rng()) : rng())) }),
    rowLoss: ([z], [y]) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))),
    // max(z, 0) − z·y cancels for a soft label near 1 and a large z: 5.9 − 5.78 leaves 0.12.
    rowScale: ([z], [y]) => Math.max(z, 0) + Math.abs(z * y) + Math.log1p(Math.exp(-Math.abs(z))),
    step: logitStep,
    call: (b, x, y, p, g, rows, cols, gs, t) => b.kernels.sigmoidBinaryCrossentropy(x, y, p, g, rows * cols, 0, gs, t),
  },
  {
    name: 'binaryCrossentropy', sparse: false, elementwise: true,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, 0.02, 0.98), y: Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 ? Math.round(rng()) : rng())) }),
    rowLoss: ([p], [y]) => { const c = clip(p); return -(y * Math.log(c) + (1 - y) * Math.log(1 - c)); },
    step: (v) => 1e-2 * Math.min(v, 1 - v),
    call: (b, x, y, _p, g, rows, cols, gs, t) => b.kernels.binaryCrossentropy(x, y, g, rows * cols, 0, gs, t),
  },
  {
    name: 'meanSquaredError', sparse: false, elementwise: true,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -2, 2), y: randomArray(rows * cols, rng, -2, 2) }),
    rowLoss: ([p], [y]) => (p - y) ** 2,
    step: () => 1e-2,
    call: (b, x, y, _p, g, rows, cols, gs, t) => b.kernels.meanSquaredError(x, y, g, rows * cols, gs, t),
  },
];

const SHAPES: [number, number][] = [...AWKWARD_SIZES.map((n): [number, number] => [n, n === 1 ? 1 : 3]), [3, 7], [17, 10], [128, 10], [5, 33], [1, 127]];

/** Rows as the reference sees them: element-wise losses are rows of one. */
function rowsOf(c: LossCase, x: Row, y: Row, rows: number, cols: number): { xs: Row[]; ys: Row[] } {
  const [r, k] = c.elementwise ? [rows * cols, 1] : [rows, cols];
  const xs = Array.from({ length: r }, (_, i) => Array.from(x).slice(i * k, (i + 1) * k));
  const lk = c.sparse ? 1 : k;
  return { xs, ys: Array.from({ length: r }, (_, i) => Array.from(y).slice(i * lk, (i + 1) * lk)) };
}

interface Result { loss: number; probs: Float32Array; grad: Float32Array; terms: Float32Array }

function runKernel(b: Backend, c: LossCase, x: Float32Array, y: Float32Array, rows: number, cols: number, gs: number, withGrad = true, withTerms = false): Result {
  const n = rows * cols, termCount = c.elementwise ? n : rows;
  const px = toWasm(b, x), py = toWasm(b, y), pp = allocWasm(b, n), pg = withGrad ? allocWasm(b, n) : 0;
  const pt = withTerms ? allocWasm(b, termCount) : 0;
  const loss = c.call(b, px, py, pp, pg, rows, cols, gs, pt);
  const result = { loss, probs: fromWasm(b, pp, n), grad: withGrad ? fromWasm(b, pg, n) : new Float32Array(0), terms: withTerms ? fromWasm(b, pt, termCount) : new Float32Array(0) };
  for (const p of [px, py, pp, pg, pt]) if (p) b.arena.release(p);
  return result;
}

for (const c of CASES) {
  describe(c.name, () => {
    const seed = freshSeed();
    for (const [rows, cols] of SHAPES) {
      it(`loss${c.probs ? ', probs' : ''} and gradient ${rows}x${cols} vs float64 reference and its central differences (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + rows * 1009 + cols);
        const { x, y } = c.inputs(rng, rows, cols);
        const gs = Math.fround(0.5 + 1.5 * rng());
        const got = runKernel(b, c, x, y, rows, cols, gs);
        const { xs, ys } = rowsOf(c, x, y, rows, cols);
        const want = sum(xs.map((xr, r) => c.rowLoss(xr, ys[r])));
        const scale = sum(xs.map((xr, r) => (c.rowScale ?? c.rowLoss)(xr, ys[r])));
        expect(Math.abs(got.loss - want) / Math.max(scale, 1e-3)).toBeLessThan(2e-6);
        if (c.probs) expect(maxRelError(got.probs, xs.flatMap(c.probs), 1e-30)).toBeLessThan(2e-6);
        // Central differences of the row's float64 loss (the other rows do not depend on it).
        const k = xs[0].length, h = 1e-7;
        const fd = Array.from(x, (v, i) => {
          const r = Math.floor(i / k), xp = [...xs[r]], xm = [...xs[r]];
          xp[i % k] = v + h; xm[i % k] = v - h;
          return (gs * (c.rowLoss(xp, ys[r]) - c.rowLoss(xm, ys[r]))) / (2 * h);
        });
        expect(maxRelError(got.grad, fd, 1e-2)).toBeLessThan(1e-4);
      });
    }
    for (const [rows, cols] of [[3, 7], [2, 10], [4, 5]] as [number, number][]) {
      it(`gradient ${rows}x${cols} matches central differences of the kernel's own loss (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed ^ (rows * 31 + cols));
        const { x, y } = c.inputs(rng, rows, cols);
        const gs = Math.fround(0.5 + 1.5 * rng());
        const { grad } = runKernel(b, c, x, y, rows, cols, gs);
        const fd = Array.from(x, (v, i) => {
          const xp = Float32Array.from(x), xm = Float32Array.from(x);
          xp[i] = v + c.step(v); xm[i] = v - c.step(v);
          const lp = runKernel(b, c, xp, y, rows, cols, gs, false).loss, lm = runKernel(b, c, xm, y, rows, cols, gs, false).loss;
          return (gs * (lp - lm)) / (xp[i] - xm[i]);
        });
        // f32 row losses limit the resolution: errors are judged against gradients of order 1.
        expect(maxRelError(grad, fd, 1)).toBeLessThan(2e-3);
      });
    }
    for (const [rows, cols] of [[1, 1], [3, 7], [17, 10], [5, 33]] as [number, number][]) {
      it(`per-term losses ${rows}x${cols} vs float64 reference; same loss, probs and gradient as without (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed ^ (rows * 7919 + cols));
        const { x, y } = c.inputs(rng, rows, cols);
        const got = runKernel(b, c, x, y, rows, cols, 1, true, true);
        const { xs, ys } = rowsOf(c, x, y, rows, cols);
        const want = xs.map((xr, r) => c.rowLoss(xr, ys[r]));
        // Terms are of order 1: small ones are judged by their absolute error.
        expect(maxRelError(got.terms, want, 1)).toBeLessThan(2e-6);
        const plain = runKernel(b, c, x, y, rows, cols, 1);
        expect(got.loss).toBe(plain.loss);
        expect(got.grad).toEqual(plain.grad);
        if (c.probs) expect(got.probs).toEqual(plain.probs);
      });
    }
    it(`grad = 0 writes no gradient and gives the same loss and probs (seed ${seed})`, async () => {
      const b = await backend();
      const { x, y } = c.inputs(makeRng(seed + 5), 5, 7);
      const low = b.arena.f32.slice(0, 64);
      const withGrad = runKernel(b, c, x, y, 5, 7, 1), without = runKernel(b, c, x, y, 5, 7, 1, false);
      expect(without.loss).toBe(withGrad.loss);
      if (c.probs) expect(without.probs).toEqual(withGrad.probs);
      expect(b.arena.f32.slice(0, 64)).toEqual(low);
    });
  });
}

describe('loss edge cases', () => {
  const seed = freshSeed();
  it(`softmax cross-entropy: probs may alias logits, huge logits stay finite (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed);
    const rows = 5, cols = 9, x = randomArray(rows * cols, rng, -1000, 1000), y = denseLabels(rng, rows, cols);
    const apart = runKernel(b, CASES[0], x, y, rows, cols, 1);
    const px = toWasm(b, x), py = toWasm(b, y), pg = allocWasm(b, rows * cols);
    const loss = b.kernels.softmaxCrossEntropy(px, py, px, pg, rows, cols, 0, 1, 0);
    expect(loss).toBe(apart.loss);
    expect(fromWasm(b, px, rows * cols)).toEqual(apart.probs);
    expect(fromWasm(b, pg, rows * cols)).toEqual(apart.grad);
    const { xs, ys } = rowsOf(CASES[0], x, y, rows, cols);
    expect(Math.abs(loss - sum(xs.map((r, i) => CASES[0].rowLoss(r, ys[i])))) / loss).toBeLessThan(1e-6);
  });
  it('sigmoid cross-entropy at ±100 logits is finite and exact', async () => {
    const b = await backend();
    const x = Float32Array.from([100, -100, 100, -100, 0]), y = Float32Array.from([0, 1, 1, 0, 1]);
    const got = runKernel(b, CASES[4], x, y, 5, 1, 1);
    expect(got.loss).toBeCloseTo(200 + Math.log(2), 4);
    expect(Array.from(got.grad)).toEqual([1, -1, 0, 0, -0.5]);
  });
  it('categorical cross-entropy: gradient is exact through clipped entries (low and high)', async () => {
    const b = await backend();
    // Row 0: two entries clipped low (one labelled). Row 1: first entry clipped high, all others low.
    const x = Float32Array.from([0.5, 1e-10, 0.3, 2e-10, 0.2, 1, 1e-10, 1e-10, 1e-10, 1e-10]);
    const y = Float32Array.from([0.5, 0.5, 0, 0, 0, 1, 0, 0, 0, 0]);
    const c = CASES[2], { xs, ys } = rowsOf(c, x, y, 2, 5);
    const got = runKernel(b, c, x, y, 2, 5, 1);
    const fd = Array.from(x, (v, i) => {
      const r = Math.floor(i / 5), xp = [...xs[r]], xm = [...xs[r]];
      xp[i % 5] = v + 1e-9; xm[i % 5] = v - 1e-9; // clipped entries stay clipped
      return (c.rowLoss(xp, ys[r]) - c.rowLoss(xm, ys[r])) / 2e-9;
    });
    expect(maxRelError(got.grad, fd, 1e-2)).toBeLessThan(1e-3);
    expect(Array.from(got.grad.subarray(5))).toEqual([0, 0, 0, 0, 0]);
    expect(got.loss).toBeCloseTo(xs.reduce((s, r, i) => s + c.rowLoss(r, ys[i]), 0), 4);
  });
  it('binary cross-entropy: clipped probabilities give the clipped loss and a zero gradient', async () => {
    const b = await backend();
    const x = Float32Array.from([0, 1, 1e-9, 0, 1, 0.5]), y = Float32Array.from([1, 0, 1, 0, 1, 1]);
    const got = runKernel(b, CASES[5], x, y, 6, 1, 1);
    expect(Array.from(got.grad)).toEqual([0, 0, 0, 0, 0, -2]);
    const want = sum(Array.from(x, (p, i) => CASES[5].rowLoss([p], [y[i]])));
    expect(want).toBeGreaterThan(3 * 16); // three entries pay −log(1e-7) ≈ 16.1
    expect(Math.abs(got.loss - want) / want).toBeLessThan(1e-6);
  });
});

describe('match counters', () => {
  const seed = freshSeed();
  const argmax = (r: Row) => Array.from(r).indexOf(Math.max(...Array.from(r)));
  for (const [rows, cols] of [[1, 1], [3, 7], [17, 10], [128, 10], [5, 33]] as [number, number][]) {
    it(`argmax, sparse and binary matches ${rows}x${cols}, ties resolved to the first max (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * cols);
      // Coarse values make ties common; labels agree with pred about half the time.
      const pred = Float32Array.from({ length: rows * cols }, () => Math.floor(rng() * 4) / 4);
      const labels = Float32Array.from({ length: rows * cols }, (_, i) => (rng() < 0.5 ? pred[i] : Math.floor(rng() * 4) / 4));
      const { xs: pr } = rowsOf(CASES[0], pred, pred, rows, cols), { xs: lr } = rowsOf(CASES[0], labels, labels, rows, cols);
      const sparse = Float32Array.from(lr, (r, i) => (i % 2 ? argmax(pr[i]) : argmax(r)));
      const pp = toWasm(b, pred), pl = toWasm(b, labels), ps = toWasm(b, sparse);
      expect(b.kernels.countArgmaxMatches(pp, pl, rows, cols)).toBe(pr.filter((r, i) => argmax(r) === argmax(lr[i])).length);
      expect(b.kernels.countSparseMatches(pp, ps, rows, cols)).toBe(pr.filter((r, i) => argmax(r) === sparse[i]).length);
      const t = Math.fround(rng());
      const binary = Array.from(pred).filter((p, i) => (p > t) === (labels[i] > 0.5)).length;
      expect(b.kernels.countBinaryMatches(pp, pl, rows * cols, t)).toBe(binary);
    });
  }
});
