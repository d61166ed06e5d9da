/**
 * The GEMM wrapper: C[m,n] = activation((C +) op(A)·op(B) + bias) with named operands. The one
 * place a GEMM is issued, so the one place where work will be split across threads.
 */
import { partsFor, runParts } from '../threads/parts.js';
import { getBackend, type Backend } from '../wasm.js';
import { FUSED_LINEAR, type FusedActivation } from './fused-activation.js';

/**
 * Operands of one GEMM. A call site keeps one (from {@link gemmArgs}) and refills it per call,
 * so issuing a GEMM allocates nothing. Pointers are byte offsets into wasm memory.
 */
export interface GemmArgs {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  a: number;
  b: number;
  c: number;
  /** Use Aᵀ as stored (A is then [k, m]). */
  transposeA: boolean;
  /** Use Bᵀ as stored (B is then [n, k]). */
  transposeB: boolean;
  /** Row strides in elements; 0 means packed (the stored matrix's width). */
  lda: number;
  ldb: number;
  ldc: number;
  /** Add into C instead of overwriting it. */
  accumulate: boolean;
  /** n floats added to every row of C in the write-back; 0 for none. */
  bias: number;
  /** Applied in the write-back, after the bias. */
  activation: FusedActivation;
}

/** A GEMM argument struct: packed strides, no bias, linear, with `fixed` (e.g. transposes) set. */
export function gemmArgs(fixed: Partial<GemmArgs> = {}): GemmArgs {
  return {
    m: 0, n: 0, k: 0, a: 0, b: 0, c: 0, transposeA: false, transposeB: false,
    lda: 0, ldb: 0, ldc: 0, accumulate: false, bias: 0, activation: FUSED_LINEAR, ...fixed,
  };
}

/**
 * Runs one GEMM on the backend's packing scratch; large ones are split across the pool's threads
 * by blocks of C (see gemmPart in assembly/gemm.ts), with bit-identical results for any count.
 */
export function gemm(g: GemmArgs): void {
  const b = getBackend();
  const parts = b.pool === null ? 1 : partsFor(b, g.m * g.n * g.k, b.kernels.gemmTiles(+g.transposeB, g.m, g.n, g.k));
  if (parts > 1) return runParts(b, 'gemmPart', parts, fillGemm, g);
  const lda = g.lda || (g.transposeA ? g.m : g.k);
  const ldb = g.ldb || (g.transposeB ? g.k : g.n);
  b.kernels.gemm(+g.transposeA, +g.transposeB, g.m, g.n, g.k, g.a, lda, g.b, ldb, g.c, g.ldc || g.n,
    +g.accumulate, g.bias, g.activation.code, g.activation.alpha, b.gemmScratch);
}

function fillGemm(a: Float64Array, part: number, parts: number, g: GemmArgs, b: Backend): void {
  a[0] = +g.transposeA; a[1] = +g.transposeB; a[2] = g.m; a[3] = g.n; a[4] = g.k;
  a[5] = g.a; a[6] = g.lda || (g.transposeA ? g.m : g.k);
  a[7] = g.b; a[8] = g.ldb || (g.transposeB ? g.k : g.n);
  a[9] = g.c; a[10] = g.ldc || g.n;
  a[11] = +g.accumulate; a[12] = g.bias; a[13] = g.activation.code; a[14] = g.activation.alpha;
  a[15] = b.threadScratch[part]; a[16] = part; a[17] = parts;
}
