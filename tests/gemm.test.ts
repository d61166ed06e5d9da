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
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true]) {
      it(`m=${m} n=${n} k=${k} transA=${transA} transB=${transB} accumulate=${accumulate} (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + m * 7 + n * 13 + k);
        const A = randomArray(m * k, rng), B = randomArray(k * n, rng), C0 = randomArray(m * n, rng);
        const pa = toWasm(b, A), pb = toWasm(b, B);
        const pc = accumulate ? toWasm(b, C0) : allocWasm(b, m * n);
        const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
        b.kernels.gemm(+transA, +transB, m, n, k, pa, transA ? m : k, pb, transB ? k : n, pc, n, +accumulate, scratch);
        const got = fromWasm(b, pc, m * n);
        const want = gemmRef(transA, transB, m, n, k, A, B, accumulate ? C0 : null);
        for (const p of [pa, pb, pc, scratch]) b.arena.release(p);
        expect(maxRelError(got, want)).toBeLessThan(1e-5);
      });
    }
  }
});
