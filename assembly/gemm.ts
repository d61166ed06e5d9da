// Placeholder-correct GEMM with the final signature; the register-blocked packed version replaces the body.

/** Bytes of scratch `gemm` needs for packed panels, whatever the sizes. */
export function gemmScratchBytes(): i32 {
  return 0;
}

/**
 * C[m,n] (+)= op(A)[m,k] · op(B)[k,n], row-major.
 * op(A) = transA ? A^T : A, where A is stored with row stride lda (elements); likewise B with ldb.
 * accumulate != 0 adds into C, else C is overwritten. scratch: gemmScratchBytes() bytes.
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, scratch: usize,
): void {
  const aRow: usize = transA ? 1 : <usize>lda;
  const aCol: usize = transA ? <usize>lda : 1;
  const bRow: usize = transB ? 1 : <usize>ldb;
  const bCol: usize = transB ? <usize>ldb : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum: f32 = 0;
      for (let p = 0; p < k; p++) {
        sum += load<f32>(a + ((<usize>i * aRow + <usize>p * aCol) << 2)) * load<f32>(b + ((<usize>p * bRow + <usize>j * bCol) << 2));
      }
      const at = c + ((<usize>i * <usize>ldc + <usize>j) << 2);
      store<f32>(at, accumulate ? load<f32>(at) + sum : sum);
    }
  }
}
