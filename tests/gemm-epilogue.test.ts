// The GEMM wrapper's fused write-back: C = activation((C +) op(A)·op(B) + bias), against a float64
// reference, on every path of assembly/gemm.ts (row vector, direct tiles, C^T tiles, several
// depth/row/column blocks, k = 0) and every fusable activation.
import { describe, expect, it } from 'vitest';
import { gemm, gemmArgs } from '../src/core/kernels/gemm.js';
import { FUSED_CASES } from './helpers/activation-ref.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

function reference(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array,
  c0: Float32Array | null, bias: Float32Array | null, f: (x: number) => number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = (c0 ? c0[i * n + j] : 0) + (bias ? bias[j] : 0);
    for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
    c[i * n + j] = f(s);
  }
  return c;
}

/**
 * The GEMM's own bound (float32 sums of k random terms, relative with floor 1) carried through an
 * activation whose |f'(s)·s| ≤ max(|f(s)|, 1) for all of these, plus the activation's rounding.
 */
function tolerance(k: number): number {
  return 2e-5 * Math.max(1, Math.sqrt(k / 32)) + 2e-6;
}

describe('gemm with fused bias and activation', () => {
  const seed = freshSeed();
  // Row vector; small direct tiles with edges; C^T (n well below m); several KC, MC, NC blocks; empty depth.
  const shapes: [number, number, number][] = [
    [1, 33, 7], [1, 21, 300], [5, 7, 127], [17, 1, 5], [33, 130, 9], [79, 33, 255],
    [81, 9, 257], [1030, 85, 260], [161, 8, 513], [4, 1025, 7], [3, 5, 0],
  ];
  shapes.forEach(([m, n, k], si) => {
    FUSED_CASES.forEach((act, ai) => {
      // Alternate the transposes and accumulation over the grid, so each shape sees each of them.
      const transA = (si + ai) % 2 === 1, transB = (si + ai) % 3 === 1, accumulate = (si + ai) % 4 === 2;
      for (const withBias of [true, false]) {
        it(`m=${m} n=${n} k=${k} ${act.name} ${withBias ? 'bias' : 'no bias'} transA=${transA} transB=${transB} accumulate=${accumulate} (seed ${seed})`, async () => {
          const b = await backend();
          const rng = makeRng(seed + 31 * si + 7 * ai + (withBias ? 1 : 0));
          const A = randomArray(m * k, rng), B = randomArray(k * n, rng), C0 = randomArray(m * n, rng);
          const bias = withBias ? randomArray(n, rng) : null;
          const pa = toWasm(b, A.length ? A : [0]), pb = toWasm(b, B.length ? B : [0]);
          const pc = accumulate ? toWasm(b, C0) : allocWasm(b, m * n);
          const pbias = bias ? toWasm(b, bias) : 0;
          gemm(gemmArgs({ m, n, k, a: pa, b: pb, c: pc, transposeA: transA, transposeB: transB, accumulate, bias: pbias, activation: act.fused }));
          const got = fromWasm(b, pc, m * n);
          for (const p of [pa, pb, pc, pbias]) if (p) b.arena.release(p);
          const want = reference(transA, transB, m, n, k, A, B, accumulate ? C0 : null, bias, act.f);
          expect(maxRelError(got, want)).toBeLessThan(tolerance(k));
        });
      }
    });
  });

  it(`bias and activation leave the padding of a strided C untouched (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed + 5);
    const m = 37, n = 11, k = 19, ldc = n + 5;
    const A = randomArray(m * k, rng), B = randomArray(k * n, rng), bias = randomArray(n, rng);
    const pa = toWasm(b, A), pb = toWasm(b, B), pbias = toWasm(b, bias), pc = allocWasm(b, m * ldc);
    gemm(gemmArgs({ m, n, k, a: pa, b: pb, c: pc, ldc, bias: pbias, activation: FUSED_CASES[1].fused }));
    const stored = fromWasm(b, pc, m * ldc);
    for (const p of [pa, pb, pc, pbias]) b.arena.release(p);
    const got = new Float32Array(m * n);
    let padTouched = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) got[i * n + j] = stored[i * ldc + j];
      for (let j = n; j < ldc; j++) if (!Number.isNaN(stored[i * ldc + j])) padTouched++;
    }
    expect(padTouched).toBe(0);
    expect(maxRelError(got, reference(false, false, m, n, k, A, B, null, bias, FUSED_CASES[1].f))).toBeLessThan(tolerance(k));
  });
});
