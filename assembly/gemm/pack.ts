// Packing: copy a block of op(A) or op(B) into the contiguous, zero-padded order the
// micro-kernels stream through. Transposes are absorbed here, so the kernels see one layout,
// and zero padding lets edge tiles run the same kernel.

/**
 * Packs op(A)[mc, kc] (at `a`, row stride lda elements) into ceil(mc/mr) panels; a panel holds,
 * for each k step, its mr values each splatted to a full f32x4 (16 bytes). Rows past mc are zero.
 */
export function packA(transA: i32, mc: i32, kc: i32, a: usize, lda: i32, dst: usize, mr: i32): void {
  const ldaBytes = <usize>lda << 2;
  const stepBytes = <usize>mr << 4;
  const zero = f32x4.splat(0);
  for (let ir = 0; ir < mc; ir += mr) {
    const rows = min(mr, mc - ir);
    if (transA) {
      // Stored [k, m]: one k step's values for the panel's rows are contiguous.
      let src = a + (<usize>ir << 2);
      let out = dst;
      for (let p = 0; p < kc; p++) {
        for (let i = 0; i < rows; i++) v128.store(out + (<usize>i << 4), v128.load32_splat(src + (<usize>i << 2)));
        for (let i = rows; i < mr; i++) v128.store(out + (<usize>i << 4), zero);
        src += ldaBytes; out += stepBytes;
      }
    } else {
      // Stored [m, k]: walk each row once, writing its values at the panel's step stride.
      for (let i = 0; i < rows; i++) {
        let src = a + <usize>(ir + i) * ldaBytes;
        let out = dst + (<usize>i << 4);
        for (let p = 0; p < kc; p++) {
          v128.store(out, v128.load32_splat(src));
          src += 4; out += stepBytes;
        }
      }
      for (let i = rows; i < mr; i++) {
        let out = dst + (<usize>i << 4);
        for (let p = 0; p < kc; p++) { v128.store(out, zero); out += stepBytes; }
      }
    }
    dst += <usize>kc * stepBytes;
  }
}

/**
 * Packs op(B)[kc, nc] (at `b`, row stride ldb elements) into ceil(nc/8) panels of kc rows of
 * 8 floats. Columns past nc are zero.
 */
export function packB(transB: i32, kc: i32, nc: i32, b: usize, ldb: i32, dst: usize): void {
  const ldbBytes = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += 8) {
    const cols = min(8, nc - jr);
    if (transB) packPanelBT(kc, cols, b + <usize>jr * ldbBytes, ldbBytes, dst);
    else if (cols == 8) {
      // Stored [k, n]: each k step's 8 values are two contiguous vectors.
      let src = b + (<usize>jr << 2);
      let out = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += ldbBytes; out += 32;
      }
    } else {
      let src = b + (<usize>jr << 2);
      let out = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(out, f32x4.splat(0));
        v128.store(out, f32x4.splat(0), 16);
        for (let j = 0; j < cols; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
        src += ldbBytes; out += 32;
      }
    }
    dst += <usize>kc << 5;
  }
}

/** One B panel from B stored [n, k]: 4x4 transposes turn rows of the stored matrix into panel columns. */
function packPanelBT(kc: i32, cols: i32, src: usize, ldbBytes: usize, out: usize): void {
  let p = 0;
  if (cols == 8) {
    for (; p + 4 <= kc; p += 4) {
      const at = src + (<usize>p << 2);
      transpose4(at, ldbBytes, out + (<usize>p << 5));
      transpose4(at + 4 * ldbBytes, ldbBytes, out + (<usize>p << 5) + 16);
    }
  }
  // Tail steps and partial panels: element by element, zero beyond the panel's columns.
  for (; p < kc; p++) {
    const row = out + (<usize>p << 5);
    v128.store(row, f32x4.splat(0));
    v128.store(row, f32x4.splat(0), 16);
    for (let j = 0; j < cols; j++) store<f32>(row + (<usize>j << 2), load<f32>(src + <usize>j * ldbBytes + (<usize>p << 2)));
  }
}

/** Reads 4 rows x 4 floats at `src` (row stride bytes) and writes them transposed as 4 vectors 32 bytes apart. */
@inline function transpose4(src: usize, stride: usize, dst: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + stride);
  const r2 = v128.load(src + 2 * stride), r3 = v128.load(src + 3 * stride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
  v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
  v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
}
