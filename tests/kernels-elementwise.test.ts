// Element-wise, exp/log and reduction kernels against float64 references.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

const SHAPES: [number, number][] = [[1, 1], [3, 7], [17, 10], [128, 10], [5, 33], [2, 127]];
const SENTINEL = 12345.5;

type Backend = Awaited<ReturnType<typeof backend>>;

/** An output block of n floats followed by 4 sentinels, to catch tails that write too far. */
function outWithGuard(b: Backend, n: number): number {
  const p = allocWasm(b, n + 4);
  b.arena.f32.fill(SENTINEL, (p >>> 2) + n, (p >>> 2) + n + 4);
  return p;
}

function guardIntact(b: Backend, p: number, n: number): boolean {
  return Array.from(fromWasm(b, p + n * 4, 4)).every((v) => v === SENTINEL);
}

describe('binary and scaling element-wise kernels', () => {
  const seed = freshSeed();
  const ops = [
    { name: 'addArrays', ref: (a: number, c: number) => a + c },
    { name: 'mulArrays', ref: (a: number, c: number) => a * c },
  ] as const;
  for (const n of AWKWARD_SIZES) for (const op of ops) for (const inPlace of [false, true]) {
    it(`${op.name} n=${n} inPlace=${inPlace} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + n);
      const A = randomArray(n, rng, -3, 3), B = randomArray(n, rng, -3, 3);
      const pa = toWasm(b, A), pb = toWasm(b, B), out = inPlace ? pa : outWithGuard(b, n);
      b.kernels[op.name](pa, pb, out, n);
      expect(maxRelError(fromWasm(b, out, n), Array.from(A, (a, i) => op.ref(a, B[i])), 1e-3)).toBeLessThan(1e-6);
      if (!inPlace) expect(guardIntact(b, out, n)).toBe(true);
    });
  }
  for (const n of AWKWARD_SIZES) {
    it(`scaleArray n=${n} in place and not (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 3 * n);
      const X = randomArray(n, rng, -3, 3), s = Math.fround(rng() * 4 - 2);
      const px = toWasm(b, X), out = outWithGuard(b, n);
      b.kernels.scaleArray(px, out, n, s);
      const want = Array.from(X, (x) => s * x);
      expect(maxRelError(fromWasm(b, out, n), want, 1e-3)).toBeLessThan(1e-6);
      expect(guardIntact(b, out, n)).toBe(true);
      b.kernels.scaleArray(px, px, n, s);
      expect(maxRelError(fromWasm(b, px, n), want, 1e-3)).toBeLessThan(1e-6);
    });
  }
});

describe('row-vector broadcasts', () => {
  const seed = freshSeed();
  for (const [rows, cols] of SHAPES) for (const name of ['addRowVector', 'mulRowVector'] as const) {
    it(`${name} ${rows}x${cols} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * 131 + cols);
      const X = randomArray(rows * cols, rng, -2, 2), V = randomArray(cols, rng, -2, 2);
      const want = Array.from(X, (x, i) => (name === 'addRowVector' ? x + V[i % cols] : x * V[i % cols]));
      const px = toWasm(b, X), pv = toWasm(b, V), out = outWithGuard(b, rows * cols);
      b.kernels[name](px, pv, out, rows, cols);
      expect(maxRelError(fromWasm(b, out, rows * cols), want, 1e-3)).toBeLessThan(1e-6);
      expect(guardIntact(b, out, rows * cols)).toBe(true);
      b.kernels[name](px, pv, px, rows, cols); // in place
      expect(maxRelError(fromWasm(b, px, rows * cols), want, 1e-3)).toBeLessThan(1e-6);
    });
  }
});

describe('gatherRows and countNonFinite', () => {
  const seed = freshSeed();
  for (const [rows, cols] of SHAPES) {
    it(`gatherRows ${rows} rows of ${cols} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows + cols * 7);
      const src = randomArray(rows * cols, rng);
      const count = rows + 3;
      const idx = Int32Array.from({ length: count }, () => Math.floor(rng() * rows)); // repeats allowed
      const out = outWithGuard(b, count * cols);
      b.kernels.gatherRows(toWasm(b, src), toWasm(b, idx), count, cols, out);
      const want = Array.from(idx).flatMap((r) => Array.from(src.subarray(r * cols, (r + 1) * cols)));
      expect(Array.from(fromWasm(b, out, count * cols))).toEqual(want);
      expect(guardIntact(b, out, count * cols)).toBe(true);
    });
  }
  for (const n of AWKWARD_SIZES) {
    it(`countNonFinite n=${n} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed ^ n);
      const X = randomArray(n, rng, -1e38, 1e38);
      const bad = [NaN, Infinity, -Infinity];
      for (let i = 0; i < n; i++) if (rng() < 0.3) X[i] = bad[i % 3];
      X[n - 1] = NaN; // always one in the tail
      const expected = X.reduce((c, x) => c + (Number.isFinite(x) ? 0 : 1), 0);
      expect(b.kernels.countNonFinite(toWasm(b, X), n)).toBe(expected);
    });
  }
});

describe('exp and log', () => {
  const seed = freshSeed();
  const run = (b: Backend, name: 'expArray' | 'logArray', X: Float32Array): Float32Array => {
    const px = toWasm(b, X);
    b.kernels[name](px, px, X.length); // in place
    return fromWasm(b, px, X.length);
  };
  it(`exp over the whole normal range, relative error < 2e-7 (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed);
    const X = randomArray(20001, rng, -87.3, 88.7);
    X.set([0, -0, 1e-30, -1e-30, 1e-7, 0.3465, -0.3466, 88.72, -87.33]);
    const got = run(b, 'expArray', X);
    expect(maxRelError(got, Array.from(X, Math.exp), 1e-30)).toBeLessThan(2e-7);
  });
  it('exp extremes: overflow to +Inf, underflow to 0, NaN propagates', async () => {
    const b = await backend();
    const got = run(b, 'expArray', Float32Array.from([100, -100, Infinity, -Infinity, NaN, 88.8, -88, 0]));
    expect(Array.from(got.subarray(0, 7))).toEqual([Infinity, 0, Infinity, 0, NaN, Infinity, 0]);
    expect(got[7]).toBe(1);
  });
  it(`log over positive floats incl. denormals, relative error < 2e-7 (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed + 1);
    const X = Float32Array.from({ length: 20001 }, () => Math.exp(-100 + 188 * rng()));
    X.set([1, 2, 0.5, 1 + 2 ** -23, 1 - 2 ** -24, 1e-40, 1.4e-45, 3.4e38, 0.70710677, 0.70710683]);
    const got = run(b, 'logArray', X);
    expect(maxRelError(got, Array.from(X, Math.log), 1e-30)).toBeLessThan(2e-7);
    expect(got[0]).toBe(0);
  });
  it('log extremes: 0 → −Inf, +Inf → +Inf, negative and NaN → NaN', async () => {
    const b = await backend();
    const got = run(b, 'logArray', Float32Array.from([0, -0, Infinity, -1, NaN, -Infinity]));
    expect(Array.from(got)).toEqual([-Infinity, -Infinity, Infinity, NaN, NaN, NaN]);
  });
});

describe('reductions', () => {
  const seed = freshSeed();
  for (const [rows, cols] of SHAPES) for (const accumulate of [0, 1]) {
    it(`sumRows ${rows}x${cols} accumulate=${accumulate} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * 17 + cols);
      const X = randomArray(rows * cols, rng), O = randomArray(cols, rng);
      const out = outWithGuard(b, cols);
      b.arena.f32.set(O, out >>> 2);
      b.kernels.sumRows(toWasm(b, X), out, rows, cols, accumulate);
      const want = Array.from(O, (o, c) => {
        let s = accumulate ? o : 0;
        for (let r = 0; r < rows; r++) s += X[r * cols + c];
        return s;
      });
      expect(maxRelError(fromWasm(b, out, cols), want, 1)).toBeLessThan(1e-5);
      expect(guardIntact(b, out, cols)).toBe(true);
    });
  }
  for (const n of [...AWKWARD_SIZES, 100003]) {
    it(`sumSquares and sumAbs n=${n} (seed ${seed})`, async () => {
      const b = await backend();
      const X = randomArray(n, makeRng(seed + n), -2, 2);
      const px = toWasm(b, X);
      const squares = X.reduce((s, x) => s + x * x, 0), abs = X.reduce((s, x) => s + Math.abs(x), 0);
      expect(Math.abs(b.kernels.sumSquares(px, n) - squares) / squares).toBeLessThan(1e-6);
      expect(Math.abs(b.kernels.sumAbs(px, n) - abs) / abs).toBeLessThan(1e-9);
    });
  }
});
