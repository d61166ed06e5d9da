import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

/** float64 reference of C (+)= op(A)·op(B) for row-major A[m? k?] as stored. */
function gemmRef(transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, b: Float32Array, c0: Float32Array | null): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = c0 ? c0[i * n + j] : 0;
    for (let p = 0; p < k; p++) {
      const av = transA ? a[p * m + i] : a[i * k + p];
      const bv = transB ? b[j * k + p] : b[p * n + j];
      s += av * bv;
    }
    c[i * n + j] = s;
  }
  return c;
}

describe('gemm', () => {
  const seed = freshSeed();
  const shapes: [number, number, number][] = [];
  for (const s of AWKWARD_SIZES) shapes.push([s, s, s]);
  shapes.push([1, 33, 7], [17, 1, 5], [5, 7, 127], [128, 10, 128], [33, 130, 9], [3, 257, 65]);
  // Around every blocking boundary of assembly/gemm.ts (register tile MR x NR = 5 x 8; blocks
  // KC = 256 deep, MC = 80 rows, NC = 1024 columns, split evenly): depth 255/256/257/513,
  // rows 79/80/81/161, columns 1023/1024/1025.
  shapes.push([79, 80, 255], [80, 81, 256], [81, 90, 257], [161, 8, 513], [5, 1023, 3], [6, 1024, 2], [4, 1025, 7]);
  // Narrow C (n well below m) is computed as C^T with the roles swapped: the same boundaries on
  // that path (its rows are C's columns), then vectors against matrices both ways.
  shapes.push([79, 33, 255], [81, 9, 256], [1030, 85, 260], [1030, 2, 260], [200, 1, 300], [1, 200, 300], [784, 10, 128]);
  // One row of C takes the row-vector path: 16-, 4- and 1-column pieces.
  shapes.push([1, 128, 784], [1, 10, 128], [1, 3, 1], [1, 21, 33], [1, 1, 5]);
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true]) {
      it(`m=${m} n=${n} k=${k} transA=${transA} transB=${transB} accumulate=${accumulate} (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + m * 7 + n * 13 + k);
        const A = randomArray(m * k, rng), B = randomArray(k * n, rng), C0 = randomArray(m * n, rng);
        const pa = toWasm(b, A), pb = toWasm(b, B);
        const pc = accumulate ? toWasm(b, C0) : allocWasm(b, m * n);
        const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
        b.kernels.gemm(+transA, +transB, m, n, k, pa, transA ? m : k, pb, transB ? k : n, pc, n, +accumulate, 0, 0, 0, scratch);
        const got = fromWasm(b, pc, m * n);
        const want = gemmRef(transA, transB, m, n, k, A, B, accumulate ? C0 : null);
        for (const p of [pa, pb, pc, scratch]) b.arena.release(p);
        expect(maxRelError(got, want)).toBeLessThan(tolerance(k));
      });
    }
  }

  it('k = 0 writes zeros, or leaves C as it was when accumulating; m = 0 or n = 0 does nothing', async () => {
    const b = await backend();
    const C0 = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
    const pa = allocWasm(b, 1), pb = allocWasm(b, 1);
    const overwrite = toWasm(b, C0), accumulate = toWasm(b, C0), empty = toWasm(b, C0);
    b.kernels.gemm(0, 0, 2, 3, 0, pa, 1, pb, 3, overwrite, 3, 0, 0, 0, 0, scratch);
    b.kernels.gemm(0, 0, 2, 3, 0, pa, 1, pb, 3, accumulate, 3, 1, 0, 0, 0, scratch);
    b.kernels.gemm(0, 0, 0, 3, 4, pa, 4, pb, 3, empty, 3, 0, 0, 0, 0, scratch);
    b.kernels.gemm(0, 0, 2, 0, 4, pa, 4, pb, 1, empty, 3, 0, 0, 0, 0, scratch);
    expect(Array.from(fromWasm(b, overwrite, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(fromWasm(b, accumulate, 6))).toEqual(Array.from(C0));
    expect(Array.from(fromWasm(b, empty, 6))).toEqual(Array.from(C0));
    for (const p of [scratch, pa, pb, overwrite, accumulate, empty]) b.arena.release(p);
  });

  // Full-size blocks (two MC blocks of 80 rows, one NC block of 1024 columns, two KC blocks) on the
  // direct path and on the C^T path: the packed panels must fit the scratch the kernel asked for.
  for (const [m, n, k] of [[160, 1024, 512], [2048, 10, 512]] as const) {
    it(`stays inside its scratch at m=${m} n=${n} k=${k} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + m + n + k);
      const A = randomArray(m * k, rng), B = randomArray(k * n, rng);
      const pa = toWasm(b, A), pb = toWasm(b, B), pc = allocWasm(b, m * n);
      const bytes = b.kernels.gemmScratchBytes(), guard = 4096;
      const scratch = b.arena.alloc(bytes + guard);
      b.arena.u8.fill(0xa5, scratch + bytes, scratch + bytes + guard);
      b.kernels.gemm(0, 0, m, n, k, pa, k, pb, n, pc, n, 0, 0, 0, 0, scratch);
      const untouched = b.arena.u8.subarray(scratch + bytes, scratch + bytes + guard).every((v) => v === 0xa5);
      const got = fromWasm(b, pc, m * n);
      for (const p of [pa, pb, pc, scratch]) b.arena.release(p);
      expect(untouched).toBe(true);
      expect(maxRelError(got, gemmRef(false, false, m, n, k, A, B, null))).toBeLessThan(tolerance(k));
    });
  }

  // Sub-matrices: storage rows longer than the logical width. The padding holds NaN, so any read
  // of it shows in the result, and C's padding must come back untouched.
  const views: [number, number, number][] = [[37, 4, 300], [33, 130, 9], [81, 17, 257], [6, 1025, 3]];
  for (const [m, n, k] of views) {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      it(`sub-matrix m=${m} n=${n} k=${k} transA=${transA} transB=${transB} (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + 3 * m + 5 * n + 11 * k);
        const [aRows, aCols] = transA ? [k, m] : [m, k];
        const [bRows, bCols] = transB ? [n, k] : [k, n];
        const lda = aCols + 3, ldb = bCols + 5, ldc = n + 7;
        const A = randomArray(aRows * aCols, rng), B = randomArray(bRows * bCols, rng), C0 = randomArray(m * n, rng);
        const pa = toWasm(b, padRows(A, aRows, aCols, lda)), pb = toWasm(b, padRows(B, bRows, bCols, ldb));
        const pc = toWasm(b, padRows(C0, m, n, ldc));
        const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
        b.kernels.gemm(+transA, +transB, m, n, k, pa, lda, pb, ldb, pc, ldc, 1, 0, 0, 0, scratch);
        const stored = fromWasm(b, pc, m * ldc);
        const got = new Float32Array(m * n);
        let padTouched = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) got[i * n + j] = stored[i * ldc + j];
          for (let j = n; j < ldc; j++) if (!Number.isNaN(stored[i * ldc + j])) padTouched++;
        }
        for (const p of [pa, pb, pc, scratch]) b.arena.release(p);
        expect(padTouched).toBe(0);
        expect(maxRelError(got, gemmRef(transA, transB, m, n, k, A, B, C0))).toBeLessThan(tolerance(k));
      });
    }
  }
});

/** Max relative error allowed for depth k: float32 rounding of a k-term sum of random terms grows like sqrt(k). */
function tolerance(k: number): number {
  return 1e-5 * Math.max(1, Math.sqrt(k / 32));
}

/** rows x cols values laid out with row stride ld, the gaps filled with NaN. */
function padRows(values: Float32Array, rows: number, cols: number, ld: number): Float32Array {
  const out = new Float32Array(rows * ld).fill(Number.NaN);
  for (let i = 0; i < rows; i++) out.set(values.subarray(i * cols, (i + 1) * cols), i * ld);
  return out;
}
