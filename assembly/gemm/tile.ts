// Write-back of a micro-kernel tile computed into scratch (MR x 8 floats, rows 32 bytes apart):
// used for edge tiles, for accumulation into C, and for the transposed (C^T) orientation.

/** C[0..rows, 0..cols] = (or += when beta) the top-left rows x cols of the tile. */
export function storeTile(rows: i32, cols: i32, tile: usize, c: usize, ldcBytes: usize, beta: i32): void {
  for (let i = 0; i < rows; i++) {
    const src = tile + (<usize>i << 5);
    const dst = c + <usize>i * ldcBytes;
    if (cols == 8) {
      const lo = v128.load(src), hi = v128.load(src, 16);
      v128.store(dst, beta ? f32x4.add(v128.load(dst), lo) : lo);
      v128.store(dst, beta ? f32x4.add(v128.load(dst, 16), hi) : hi, 16);
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const at = dst + (<usize>j << 2);
      const v = load<f32>(src + (<usize>j << 2));
      store<f32>(at, beta ? load<f32>(at) + v : v);
    }
  }
}

/** C[j, i] = (or +=) tile[i, j] for i < rows, j < cols: the tile holds a block of C^T. */
export function storeTileTransposed(rows: i32, cols: i32, tile: usize, c: usize, ldcBytes: usize, beta: i32): void {
  let i = 0;
  if (cols == 8) {
    // Four tile rows at a time: two 4x4 transposes give C rows 0-3 and 4-7, columns i..i+3.
    for (; i + 4 <= rows; i += 4) {
      const src = tile + (<usize>i << 5);
      const dst = c + (<usize>i << 2);
      transposeAdd4(src, dst, ldcBytes, beta);
      transposeAdd4(src + 16, dst + 4 * ldcBytes, ldcBytes, beta);
    }
  }
  for (; i < rows; i++) {
    const src = tile + (<usize>i << 5);
    const dst = c + (<usize>i << 2);
    for (let j = 0; j < cols; j++) {
      const at = dst + <usize>j * ldcBytes;
      const v = load<f32>(src + (<usize>j << 2));
      store<f32>(at, beta ? load<f32>(at) + v : v);
    }
  }
}

/** Transposes the 4x4 block at src (rows 32 bytes apart) into 4 rows of C at dst, adding when beta. */
@inline function transposeAdd4(src: usize, dst: usize, ldcBytes: usize, beta: i32): void {
  const r0 = v128.load(src), r1 = v128.load(src, 32), r2 = v128.load(src, 64), r3 = v128.load(src, 96);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  const keep = i32x4.splat(-beta); // all ones when accumulating: adds C, or +0 when overwriting
  let at = dst;
  v128.store(at, f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.and(v128.load(at), keep))); at += ldcBytes;
  v128.store(at, f32x4.add(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), v128.and(v128.load(at), keep))); at += ldcBytes;
  v128.store(at, f32x4.add(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), v128.and(v128.load(at), keep))); at += ldcBytes;
  v128.store(at, f32x4.add(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), v128.and(v128.load(at), keep)));
}
