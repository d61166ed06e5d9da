// The cross-entropy kernels' Keras options: label smoothing (categorical y·(1 − s) + s/K, binary
// y·(1 − s) + s/2) against float64 references with central-difference gradients, and probs = 0
// (from_logits: the activated values are not wanted) giving the same loss and gradient as with them.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Row = number[];

const EPS = Math.fround(1e-7);
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
// Keras clips to [ε, 1 − ε] in float32: 1 − ε rounds to 1 − 2⁻²³.
const clip = (q: number) => Math.min(Math.max(q, EPS), Math.fround(1 - EPS));
const logSumExp = (z: Row) => { const m = Math.max(...z); return m + Math.log(sum(z.map((v) => Math.exp(v - m)))); };

interface Case {
  name: string;
  elementwise: boolean;
  inputs(rng: () => number, rows: number, cols: number): { x: Float32Array; y: Float32Array };
  /** float64 loss of one row (an element for the binary ones) with labels smoothed by s over K classes. */
  rowLoss(x: Row, y: Row, s: number): number;
  /** Σ of the magnitudes of the row loss's parts (default |loss|). */
  scale?(x: Row, y: Row, s: number): number;
  step(v: number): number;
  /** probs is 0 for the unfused kernels. */
  call(b: Backend, x: number, y: number, probs: number, g: number, rows: number, cols: number, s: number, gs: number, t: number): number;
}

const smooth = (y: Row, s: number, k: number) => y.map((t) => t * (1 - s) + s / k);
function denseLabels(rng: () => number, rows: number, cols: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % 2) for (let c = 0; c < cols; c++) y[r * cols + c] = rng() / cols;
    else y[r * cols + Math.floor(rng() * cols)] = 1;
  }
  return y;
}

const CASES: Case[] = [
  {
    name: 'softmaxCrossEntropy', elementwise: false,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -4, 4), y: denseLabels(rng, rows, cols) }),
    rowLoss: (z, y, s) => { const l = logSumExp(z); return sum(smooth(y, s, z.length).map((t, j) => t * (l - z[j]))); },
    step: () => 1e-2,
    call: (b, x, y, p, g, rows, cols, s, gs, t) => b.kernels.softmaxCrossEntropy(x, y, p, g, rows, cols, s, gs, t),
  },
  {
    name: 'categoricalCrossentropy', elementwise: false,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, 0.05, 1), y: denseLabels(rng, rows, cols) }),
    rowLoss: (x, y, s) => { const t = sum(x); return -sum(smooth(y, s, x.length).map((v, j) => v * Math.log(clip(x[j] / t)))); },
    step: (v) => 1e-2 * v,
    call: (b, x, y, _p, g, rows, cols, s, gs, t) => b.kernels.categoricalCrossentropy(x, y, g, rows, cols, s, gs, t),
  },
  {
    name: 'sigmoidBinaryCrossentropy', elementwise: true,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, -6, 6), y: Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 ? Math.round(rng()) : rng())) }),
    rowLoss: ([z], [y], s) => { const t = y * (1 - s) + s / 2; return Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))); },
    scale: ([z], [y], s) => Math.max(z, 0) + Math.abs(z * (y * (1 - s) + s / 2)) + Math.log1p(Math.exp(-Math.abs(z))),
    step: () => 1e-2,
    call: (b, x, y, p, g, rows, cols, s, gs, t) => b.kernels.sigmoidBinaryCrossentropy(x, y, p, g, rows * cols, s, gs, t),
  },
  {
    name: 'binaryCrossentropy', elementwise: true,
    inputs: (rng, rows, cols) => ({ x: randomArray(rows * cols, rng, 0.02, 0.98), y: Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 ? Math.round(rng()) : rng())) }),
    rowLoss: ([p], [y], s) => { const t = y * (1 - s) + s / 2, c = clip(p); return -(t * Math.log(c) + (1 - t) * Math.log(1 - c)); },
    step: (v) => 1e-2 * Math.min(v, 1 - v),
    call: (b, x, y, _p, g, rows, cols, s, gs, t) => b.kernels.binaryCrossentropy(x, y, g, rows * cols, s, gs, t),
  },
];

function rowsOf(c: Case, v: Float32Array, rows: number, cols: number): Row[] {
  const [r, k] = c.elementwise ? [rows * cols, 1] : [rows, cols];
  return Array.from({ length: r }, (_, i) => Array.from(v.subarray(i * k, (i + 1) * k)));
}

function run(b: Backend, c: Case, x: Float32Array, y: Float32Array, rows: number, cols: number, s: number, gs: number, probs: boolean, withGrad = true) {
  const n = rows * cols;
  const px = toWasm(b, x), py = toWasm(b, y), pp = probs ? allocWasm(b, n) : 0, pg = withGrad ? allocWasm(b, n) : 0;
  const loss = c.call(b, px, py, pp, pg, rows, cols, s, gs, 0);
  const out = { loss, grad: withGrad ? fromWasm(b, pg, n) : new Float32Array(0), probs: probs ? fromWasm(b, pp, n) : new Float32Array(0), x: fromWasm(b, px, n) };
  for (const p of [px, py, pp, pg]) if (p) b.arena.release(p);
  return out;
}

for (const c of CASES) {
  describe(`${c.name} with label smoothing`, () => {
    const seed = freshSeed();
    for (const [rows, cols] of [[1, 1], [3, 3], [7, 3], [17, 10], [5, 33]] as [number, number][]) {
      it(`${rows}x${cols}: loss and gradient vs float64 reference and its central differences (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + rows * 131 + cols);
        const { x, y } = c.inputs(rng, rows, cols);
        const s = Math.fround(rng()), gs = Math.fround(0.5 + rng());
        const got = run(b, c, x, y, rows, cols, s, gs, c.name.startsWith('s'));
        const xs = rowsOf(c, x, rows, cols), ys = rowsOf(c, y, rows, cols);
        const want = sum(xs.map((xr, r) => c.rowLoss(xr, ys[r], s)));
        const scale = sum(xs.map((xr, r) => (c.scale ?? ((a: Row, t: Row, v: number) => Math.abs(c.rowLoss(a, t, v))))(xr, ys[r], s)));
        // As the unsmoothed kernels (kernels-loss.test.ts): 2e-6 of the parts, and y' = y·f32(1 − s) + f32(s/K)
        // differs from the exact smoothing by an ulp of each label.
        expect(Math.abs(got.loss - want) / Math.max(scale, 1e-3)).toBeLessThan(2e-6);
        const k = xs[0].length, h = 1e-7;
        const fd = Array.from(x, (v, i) => {
          const r = Math.floor(i / k), xp = [...xs[r]], xm = [...xs[r]];
          xp[i % k] = v + h; xm[i % k] = v - h;
          return (gs * (c.rowLoss(xp, ys[r], s) - c.rowLoss(xm, ys[r], s))) / (2 * h);
        });
        fd.forEach((d, i) => expect(Math.abs(got.grad[i] - d), `grad[${i}]`).toBeLessThan(1e-4 * Math.max(Math.abs(d), 1e-2)));
      });
    }
    it(`smoothing 1 turns every label into 1/K (1/2 for binary): the loss of uniform labels (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 3);
      const { x, y } = c.inputs(rng, 4, 5);
      const uniform = new Float32Array(y.length).fill(c.elementwise ? 0.5 : 0.2);
      const smoothed = run(b, c, x, y, 4, 5, 1, 1, false), plain = run(b, c, x, uniform, 4, 5, 0, 1, false);
      expect(Math.abs(smoothed.loss - plain.loss) / plain.loss).toBeLessThan(1e-6);
    });
  });
}

describe('fused cross-entropies with probs = 0 (from logits)', () => {
  const seed = freshSeed();
  const sparse = (b: Backend, x: number, y: number, p: number, g: number, rows: number, cols: number, _s: number, gs: number, t: number) =>
    b.kernels.sparseSoftmaxCrossEntropy(x, y, p, g, rows, cols, gs, t);
  const fused: [string, Case['call'], boolean][] = [
    ['softmaxCrossEntropy', CASES[0].call, false], ['sparseSoftmaxCrossEntropy', sparse, true], ['sigmoidBinaryCrossentropy', CASES[2].call, false],
  ];
  for (const [name, call, isSparse] of fused) {
    it(`${name}: the same loss and gradient without probs, the logits untouched, with or without a gradient (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + name.length);
      const rows = 9, cols = 7;
      const x = randomArray(rows * cols, rng, -5, 5);
      const y = isSparse ? Float32Array.from({ length: rows }, () => Math.floor(rng() * cols)) : denseLabels(rng, rows, cols);
      const c = { ...CASES[0], call };
      const s = isSparse ? 0 : 0.1;
      const withProbs = run(b, c, x, y, rows, cols, s, 0.5, true), without = run(b, c, x, y, rows, cols, s, 0.5, false);
      expect(without.loss).toBe(withProbs.loss);
      expect(without.grad).toEqual(withProbs.grad);
      expect(without.x).toEqual(x);
      const noGrad = run(b, c, x, y, rows, cols, s, 0.5, false, false);
      expect(noGrad.loss).toBe(withProbs.loss);
    });
  }
});
