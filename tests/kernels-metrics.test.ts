// Metric counters against JS references on fresh random inputs at awkward sizes: Keras's
// binary_accuracy equality, TF's in_top_k (ties in), confusion counts (all values or one column),
// and AUC's threshold buckets (Keras's ceil(p·(T − 1)) − 1 in float32).
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, backend, freshSeed, makeRng, toWasm } from './helpers/kernels.js';

const seed = freshSeed();
const coarse = (rng: () => number, n: number, steps = 4) => Float32Array.from({ length: n }, () => Math.floor(rng() * (steps + 1)) / steps);
const firstArgmax = (row: ArrayLike<number>) => { let best = 0; for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j; return best; };
const SHAPES: [number, number][] = [...AWKWARD_SIZES.map((n): [number, number] => [n, n === 1 ? 1 : 3]), [3, 7], [17, 10], [5, 33]];

describe(`metric counters (seed ${seed})`, () => {
  for (const [rows, cols] of SHAPES) {
    it(`${rows}x${cols}: binary equality, top-k and confusion counts match the references`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * 97 + cols);
      const n = rows * cols;
      // Coarse predictions make ties with the threshold and between classes common; labels 0/1 with some 0.5s.
      const pred = coarse(rng, n);
      const labels = Float32Array.from({ length: n }, () => (rng() < 0.1 ? 0.5 : Math.round(rng())));
      const pp = toWasm(b, pred), pl = toWasm(b, labels), out = toWasm(b, new Float32Array(4));
      const t = Math.floor(rng() * 5) / 4;
      expect(b.kernels.countBinaryEqual(pp, pl, n, t)).toBe(Array.from(pred).filter((p, i) => labels[i] === (p > t ? 1 : 0)).length);
      for (const k of [1, 2, cols, cols + 1]) {
        let want = 0;
        for (let r = 0; r < rows; r++) {
          const row = pred.subarray(r * cols, (r + 1) * cols), target = firstArgmax(labels.subarray(r * cols, (r + 1) * cols));
          if (Array.from(row).filter((v) => v > row[target]).length < k) want++;
        }
        expect(b.kernels.countTopKMatches(pp, pl, rows, cols, k), `k = ${k}`).toBe(want);
      }
      for (const column of [-1, 0, cols - 1]) {
        b.kernels.countConfusion(pp, pl, rows, cols, column, t, out);
        const idx = Array.from({ length: n }, (_, i) => i).filter((i) => column < 0 || i % cols === column);
        const count = (f: (p: boolean, a: boolean) => boolean) => idx.filter((i) => f(pred[i] > t, labels[i] !== 0)).length;
        const want = [count((p, a) => p && a), count((p, a) => p && !a), count((p, a) => !p && !a), count((p, a) => !p && a)];
        expect(Array.from(b.arena.i32.subarray(out >>> 2, (out >>> 2) + 4)), `column ${column}`).toEqual(want);
      }
      for (const p of [pp, pl, out]) b.arena.release(p);
    });
  }

  it('top-k: a row with a NaN prediction never counts; k past the classes counts every finite row', async () => {
    const b = await backend();
    const pred = Float32Array.from([0.1, NaN, 0.3, 0.2, 0.5, 0.3]), labels = Float32Array.from([1, 0, 0, 0, 1, 0]);
    const pp = toWasm(b, pred), pl = toWasm(b, labels);
    expect(b.kernels.countTopKMatches(pp, pl, 2, 3, 5)).toBe(1);
    expect(b.kernels.countTopKMatches(pp, pl, 2, 3, 1)).toBe(1);
  });

  for (const n of [1, 3, 7, 33, 1000]) {
    it(`AUC buckets for ${n} predictions at 2, 3, 200 and 1001 thresholds match Keras's bucketing and the threshold counts`, async () => {
      const b = await backend();
      const rng = makeRng(seed ^ (n * 7919));
      // Exact thresholds (0, 1, 0.5) appear: a prediction equal to a threshold is not above it.
      const pred = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? [0, 1, 0.5][i % 3] : rng()));
      const labels = Float32Array.from({ length: n }, () => (rng() < 0.4 ? 1 : rng() < 0.2 ? 0.3 : 0));
      const pp = toWasm(b, pred), pl = toWasm(b, labels);
      for (const t of [2, 3, 200, 1001]) {
        const out = toWasm(b, new Int32Array(2 * t).fill(-7)); // the kernel zeroes it
        expect(b.kernels.aucHistogram(pp, pl, n, t, false, out)).toBe(0);
        const got = Array.from(b.arena.i32.subarray(out >>> 2, (out >>> 2) + 2 * t));
        const want = new Array<number>(2 * t).fill(0);
        pred.forEach((p, i) => {
          const bucket = Math.max(Math.ceil(Math.fround(p * (t - 1))) - 1, 0);
          want[(labels[i] !== 0 ? 0 : t) + bucket]++;
        });
        expect(got, `${t} thresholds`).toEqual(want);
        // The cumulative counts are the predictions above each threshold (−ε, 1/(T − 1), ..., 1 + ε), by label.
        // As in Keras, "above i/(T − 1)" is decided on the float32 product p·(T − 1) > i: a float64
        // comparison of p with i/(T − 1) disagrees when the product rounds onto i (seed 817151925).
        for (let i = 0; i < t; i++) {
          const isAbove = (p: number) => (i === 0 ? p > -1e-7 : i === t - 1 ? p > 1 + 1e-7 : Math.fround(p * (t - 1)) > i);
          const above = (positive: boolean) => Array.from(pred).filter((p, j) => (labels[j] !== 0) === positive && isAbove(p)).length;
          const cumulative = (from: number) => got.slice(from + i, from + t).reduce((s, v) => s + v, 0);
          expect(cumulative(0), `tp at threshold ${i}/${t}`).toBe(above(true));
          expect(cumulative(t), `fp at threshold ${i}/${t}`).toBe(above(false));
        }
        b.arena.release(out);
      }
      b.arena.release(pp);
      b.arena.release(pl);
    });
  }

  it('AUC buckets: predictions outside [0, 1] or NaN are counted and clipped; fromLogits applies a sigmoid first', async () => {
    const b = await backend();
    const pred = Float32Array.from([-0.5, 1.5, NaN, 0.25, 0.75]), labels = Float32Array.from([1, 0, 1, 1, 0]);
    const pp = toWasm(b, pred), pl = toWasm(b, labels), out = toWasm(b, new Int32Array(6));
    expect(b.kernels.aucHistogram(pp, pl, 5, 3, false, out)).toBe(3);
    expect(b.kernels.aucHistogram(pp, pl, 5, 3, true, out)).toBe(1); // only the NaN stays outside
    // sigmoid: −0.5 → 0.378 (bucket 0), 1.5 → 0.818 (1), 0.25 → 0.562 (1), 0.75 → 0.679 (1); NaN to bucket 0.
    expect(Array.from(b.arena.i32.subarray(out >>> 2, (out >>> 2) + 6))).toEqual([2, 1, 0, 0, 2, 0]);
  });
});
