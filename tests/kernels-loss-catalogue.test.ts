// The regression, margin and probabilistic loss kernels against float64 references of Keras's
// formulas on fresh random inputs at awkward sizes: loss sums, per-term losses, gradients against
// central differences of the reference, grad = 0, and grad aliasing the predictions.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Row = number[];

const EPS = Math.fround(1e-7);
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
const hingeLabel = (y: number) => (y === 0 ? -1 : y);
const norm = (v: Row) => Math.sqrt(sum(v.map((x) => x * x)));

interface Case {
  name: string;
  /** One term per row (reduced over the last axis in the kernel), else one per element. */
  perRow: boolean;
  inputs(rng: () => number, n: number): { p: Float32Array; y: Float32Array };
  /** float64 loss of one term: an element ([p], [y]) or a row. */
  term(p: Row, y: Row): number;
  /**
   * Σ of the magnitudes of what makes up a term where parts can cancel (default |term|): float32
   * rounding is relative to these parts, not to what is left after they cancel.
   */
  scale?(p: Row, y: Row): number;
  /**
   * Magnitude of the parts of ∂term/∂p_j (default |∂term/∂p_j|): the gradient's float32 error is
   * relative to it (cosine's two parts cancel when the vectors are nearly parallel).
   */
  gradScale?(p: Row, y: Row, j: number): number;
  call(b: Backend, p: number, y: number, g: number, rows: number, cols: number, gs: number, t: number): number;
}

const elementwise = (fn: string) => (b: Backend, p: number, y: number, g: number, rows: number, cols: number, gs: number, t: number) =>
  (b.kernels as unknown as Record<string, (...a: number[]) => number>)[fn](p, y, g, rows * cols, gs, t);
const rowwise = (fn: string) => (b: Backend, p: number, y: number, g: number, rows: number, cols: number, gs: number, t: number) =>
  (b.kernels as unknown as Record<string, (...a: number[]) => number>)[fn](p, y, g, rows, cols, gs, t);

const uniform = (lo: number, hi: number, ylo = lo, yhi = hi) => (rng: () => number, n: number) =>
  ({ p: randomArray(n, rng, lo, hi), y: randomArray(n, rng, ylo, yhi) });
/** −1/1 labels, or 0/1 labels (read as −1/1) for odd seeds' calls. */
const hingeInputs = (rng: () => number, n: number) => {
  const zeroOne = rng() < 0.5;
  return { p: randomArray(n, rng, -2.5, 2.5), y: Float32Array.from({ length: n }, () => (rng() < 0.5 ? 1 : zeroOne ? 0 : -1)) };
};
/** log cosh x = log1p(cosh x − 1) with cosh x − 1 = 2 sinh²(x/2): accurate to float64 rounding from 0 up. */
const logCoshRef = (x: number) => Math.log1p(2 * Math.sinh(x / 2) ** 2);
const DELTA = Math.fround(0.8);

const CASES: Case[] = [
  {
    name: 'meanAbsoluteError', perRow: false, inputs: uniform(-3, 3),
    term: ([p], [y]) => Math.abs(p - y), call: elementwise('meanAbsoluteError'),
  },
  {
    // Labels away from 0: near 0 Keras divides by 1e-7 and the terms are of order 1e9.
    name: 'meanAbsolutePercentageError', perRow: false,
    inputs: (rng, n) => ({ p: randomArray(n, rng, -3, 3), y: Float32Array.from(randomArray(n, rng, 0.1, 3), (v, i) => (i % 2 ? v : -v)) }),
    term: ([p], [y]) => (100 * Math.abs(y - p)) / Math.max(Math.abs(y), EPS), call: elementwise('meanAbsolutePercentageError'),
  },
  {
    // Predictions below 0 are clipped to 1e-7 (zero gradient there); labels ≥ 0.
    name: 'meanSquaredLogarithmicError', perRow: false, inputs: uniform(-0.5, 4, 0, 4),
    term: ([p], [y]) => (Math.log(Math.max(p, EPS) + 1) - Math.log(Math.max(y, EPS) + 1)) ** 2, call: elementwise('meanSquaredLogarithmicError'),
  },
  {
    name: 'huber', perRow: false, inputs: uniform(-2, 2),
    term: ([p], [y]) => { const e = Math.abs(p - y); return e <= DELTA ? 0.5 * e * e : DELTA * e - 0.5 * DELTA * DELTA; },
    scale: ([p], [y]) => { const e = Math.abs(p - y); return e <= DELTA ? 0.5 * e * e : DELTA * e + 0.5 * DELTA * DELTA; },
    call: (b, p, y, g, rows, cols, gs, t) => b.kernels.huber(p, y, g, rows * cols, DELTA, gs, t),
  },
  {
    // Errors from 1e-4 to 20: the small ones test relative accuracy, the large ones the linear branch.
    name: 'logCosh', perRow: false,
    inputs: (rng, n) => ({ p: Float32Array.from({ length: n }, () => (rng() < 0.5 ? -1 : 1) * 10 ** (-4 + 5.3 * rng())), y: new Float32Array(n) }),
    term: ([p], [y]) => logCoshRef(p - y), call: elementwise('logCosh'),
  },
  {
    name: 'hinge', perRow: false, inputs: hingeInputs,
    term: ([p], [y]) => Math.max(1 - hingeLabel(y) * p, 0),
    scale: ([p], [y]) => (1 - hingeLabel(y) * p > 0 ? 1 + Math.abs(p) : 0),
    call: elementwise('hinge'),
  },
  {
    name: 'squaredHinge', perRow: false, inputs: hingeInputs,
    term: ([p], [y]) => Math.max(1 - hingeLabel(y) * p, 0) ** 2,
    scale: ([p], [y]) => (1 - hingeLabel(y) * p > 0 ? (1 + Math.abs(p)) ** 2 : 0),
    call: elementwise('squaredHinge'),
  },
  {
    name: 'poisson', perRow: false, inputs: uniform(0.01, 4, 0, 5),
    term: ([p], [y]) => p - y * Math.log(p + EPS),
    scale: ([p], [y]) => Math.abs(p) + Math.abs(y) * (Math.abs(Math.log(p + EPS)) + 1),
    gradScale: ([p], [y]) => 1 + Math.abs(y) / (p + EPS), // 1 − y/(p + ε) cancels where y ≈ p
    call: elementwise('poisson'),
  },
  {
    // One-hot rows (even) and soft rows (odd).
    name: 'categoricalHinge', perRow: true,
    inputs: (rng, n) => ({ p: randomArray(n, rng, -2, 2), y: Float32Array.from({ length: n }, () => (rng() < 0.3 ? 1 : rng() < 0.5 ? 0 : rng())) }),
    term: (p, y) => Math.max(Math.max(...p.map((v, j) => (1 - y[j]) * v)) - sum(p.map((v, j) => y[j] * v)) + 1, 0),
    scale: (p, y) => Math.max(...p.map((v, j) => Math.abs((1 - y[j]) * v))) + sum(p.map((v, j) => Math.abs(y[j] * v))) + 1,
    gradScale: (_p, y, j) => Math.abs(y[j]) + Math.abs(1 - y[j]), // −y_j + (1 − y_j) at the row's maximum
    call: rowwise('categoricalHinge'),
  },
  {
    // Predictions inside [1e-7, 1] except a few above 1 (clipped, zero gradient); labels in [0, 1] with zeros.
    name: 'kullbackLeiblerDivergence', perRow: true,
    inputs: (rng, n) => ({ p: randomArray(n, rng, 0.01, 1.1), y: Float32Array.from({ length: n }, () => (rng() < 0.2 ? 0 : rng())) }),
    term: (p, y) => sum(y.map((t, j) => { const yc = clip(t, EPS, 1), pc = clip(p[j], EPS, 1); return yc * Math.log(yc / pc); })),
    scale: (p, y) => sum(y.map((t, j) => { const yc = clip(t, EPS, 1); return yc * (Math.abs(Math.log(yc)) + Math.abs(Math.log(clip(p[j], EPS, 1)))); })),
    call: rowwise('kullbackLeiblerDivergence'),
  },
  {
    name: 'cosineSimilarity', perRow: true, inputs: uniform(-1, 1),
    term: (p, y) => -sum(p.map((v, j) => v * y[j])) / (Math.max(norm(p), EPS) * Math.max(norm(y), EPS)),
    scale: (p, y) => sum(p.map((v, j) => Math.abs(v * y[j]))) / (Math.max(norm(p), EPS) * Math.max(norm(y), EPS)),
    gradScale: (p, y, j) => {
      const pn = Math.max(norm(p), EPS), yn = Math.max(norm(y), EPS);
      return (Math.abs(y[j]) / yn + Math.abs(p[j]) / pn) / pn;
    },
    call: rowwise('cosineSimilarity'),
  },
];

const SHAPES: [number, number][] = [...AWKWARD_SIZES.map((n): [number, number] => [n, n === 1 ? 1 : 3]), [3, 7], [17, 10], [5, 33], [1, 127]];

interface Result { loss: number; grad: Float32Array; terms: Float32Array }

function run(b: Backend, c: Case, p: Float32Array, y: Float32Array, rows: number, cols: number, gs: number, withGrad = true, withTerms = false): Result {
  const n = rows * cols, termCount = c.perRow ? rows : n;
  const pp = toWasm(b, p), py = toWasm(b, y), pg = withGrad ? allocWasm(b, n) : 0, pt = withTerms ? allocWasm(b, termCount) : 0;
  const loss = c.call(b, pp, py, pg, rows, cols, gs, pt);
  const result = { loss, grad: withGrad ? fromWasm(b, pg, n) : new Float32Array(0), terms: withTerms ? fromWasm(b, pt, termCount) : new Float32Array(0) };
  for (const ptr of [pp, py, pg, pt]) if (ptr) b.arena.release(ptr);
  return result;
}

/** The terms as the reference sees them: rows, or elements as rows of one. */
function termsOf(c: Case, p: Float32Array, y: Float32Array, rows: number, cols: number): { ps: Row[]; ys: Row[] } {
  const [r, k] = c.perRow ? [rows, cols] : [rows * cols, 1];
  return {
    ps: Array.from({ length: r }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k))),
    ys: Array.from({ length: r }, (_, i) => Array.from(y.subarray(i * k, (i + 1) * k))),
  };
}

for (const c of CASES) {
  describe(c.name, () => {
    const seed = freshSeed();
    for (const [rows, cols] of SHAPES) {
      it(`loss, terms and gradient ${rows}x${cols} vs float64 reference and its central differences (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + rows * 1009 + cols);
        const { p, y } = c.inputs(rng, rows * cols);
        const gs = Math.fround(0.5 + 1.5 * rng());
        const got = run(b, c, p, y, rows, cols, gs, true, true);
        const { ps, ys } = termsOf(c, p, y, rows, cols);
        const want = ps.map((pr, r) => c.term(pr, ys[r]));
        const scales = ps.map((pr, r) => (c.scale ?? ((a: Row, t: Row) => Math.abs(c.term(a, t))))(pr, ys[r]));
        // 2e-6 ≈ 32 float32 ulps: each term takes a handful of f32 roundings (and log/exp to a few ulps),
        // relative to the magnitudes that make it up; the sum is accumulated in f64.
        expect(Math.abs(got.loss - sum(want)) / Math.max(sum(scales), 1e-30)).toBeLessThan(2e-6);
        want.forEach((w, i) => expect(Math.abs(got.terms[i] - w), `${c.name} term ${i}`).toBeLessThanOrEqual(2e-6 * scales[i] + 1e-37));
        // Central differences of the term's float64 reference (other terms do not depend on this value).
        const k = ps[0].length, h = 1e-7;
        Array.from(p, (v, i) => {
          const r = Math.floor(i / k), j = i % k, pp = [...ps[r]], pm = [...ps[r]];
          pp[j] = v + h; pm[j] = v - h;
          const fd = (gs * (c.term(pp, ys[r]) - c.term(pm, ys[r]))) / (2 * h);
          const parts = gs * (c.gradScale ? c.gradScale(ps[r], ys[r], j) : Math.abs(fd));
          // f32 gradient: a few ulps of its parts. Difference quotient: the float64 rounding of the
          // term's parts over h (KLD's 1e-7·log terms at zero labels are below it), then 1e-6 slack.
          const fdNoise = (4 * Number.EPSILON * gs * scales[r]) / h;
          expect(Math.abs(got.grad[i] - fd), `${c.name} grad[${i}]: ${got.grad[i]} vs ${fd}`)
            .toBeLessThanOrEqual(1e-5 * parts + 1e-6 * Math.abs(fd) + fdNoise + 1e-30);
          return 0;
        });
      });
    }
    it(`grad = 0 writes nothing and gives the same loss; grad may alias the predictions (seed ${seed})`, async () => {
      const b = await backend();
      const rows = 5, cols = 7, n = rows * cols;
      const { p, y } = c.inputs(makeRng(seed + 5), n);
      const withGrad = run(b, c, p, y, rows, cols, 1.25), without = run(b, c, p, y, rows, cols, 1.25, false);
      expect(without.loss).toBe(withGrad.loss);
      const pp = toWasm(b, p), py = toWasm(b, y);
      const aliased = c.call(b, pp, py, pp, rows, cols, 1.25, 0);
      expect(aliased).toBe(withGrad.loss);
      expect(fromWasm(b, pp, n)).toEqual(withGrad.grad);
      b.arena.release(pp);
      b.arena.release(py);
    });
  });
}

describe('loss kernel edge cases', () => {
  it('hinge reads label 0 as −1: 0/1 labels give the loss of −1/1 labels, bit for bit', async () => {
    const b = await backend();
    const c = CASES.find((x) => x.name === 'hinge')!;
    const p = Float32Array.from([0.3, -0.7, 2, -2, 0.99, 1.5, -0.2]);
    const zeroOne = Float32Array.from([1, 0, 1, 0, 1, 0, 0]), signed = Float32Array.from(zeroOne, (v) => 2 * v - 1);
    const a = run(b, c, p, zeroOne, 7, 1, 1), s = run(b, c, p, signed, 7, 1, 1);
    expect(a.loss).toBe(s.loss);
    expect(a.grad).toEqual(s.grad);
  });
  it('poisson: a prediction at or below −1e-7 has no logarithm, so the loss is NaN as in Keras', async () => {
    const b = await backend();
    const c = CASES.find((x) => x.name === 'poisson')!;
    expect(run(b, c, Float32Array.from([0.5, -0.5, 1]), Float32Array.from([1, 2, 0]), 3, 1, 1).loss).toBeNaN();
  });
  it('cosine similarity of a zero vector is 0 with a finite gradient (norms floored at 1e-7, as Keras)', async () => {
    const b = await backend();
    const c = CASES.find((x) => x.name === 'cosineSimilarity')!;
    const got = run(b, c, Float32Array.from([0, 0, 0, 1, 2, 2]), Float32Array.from([1, 2, 2, 0, 0, 0]), 2, 3, 1);
    expect(got.loss).toBe(0);
    // Row 0: p = 0, so the gradient is −ŷ/1e-7 (the floor holds ‖p‖); row 1: y = 0, so 0.
    expect(Array.from(got.grad.subarray(0, 3))).toEqual([1, 2, 2].map((v) => Math.fround(-1 / (3 * EPS)) * v));
    expect(Array.from(got.grad.subarray(3))).toEqual([0, 0, 0]);
  });
  it('logCosh stays finite and exact far out: |x| − ln 2 at 30 and 1e30, x²/2 at 1e-20 (a float32 denormal)', async () => {
    const b = await backend();
    const c = CASES.find((x) => x.name === 'logCosh')!;
    const got = run(b, c, Float32Array.from([30, -1e30, 1e-20]), new Float32Array(3), 3, 1, 1, true, true);
    expect(got.terms[0]).toBe(Math.fround(30 - Math.LN2));
    expect(got.terms[1]).toBe(Math.fround(1e30));
    // Denormals keep ~4 significant digits near 5e-41.
    expect(Math.abs(got.terms[2] - 5e-41) / 5e-41).toBeLessThan(1e-3);
    expect(Array.from(got.grad)).toEqual([1, -1, Math.fround(1e-20)]);
  });
});
