// A strided copy that permutes axes (Keras Permute, a transpose): the output is written in
// order, each output axis reading the input with its own stride. The innermost loop is chosen
// from the strides: a contiguous run copy when the output's last axis is the input's last, 4x4
// f32x4 tile transposes when another output axis p is the input's contiguous one, and a gather
// otherwise (only for descriptors the caller did not normalise).
import { at, copyRun } from './nhwc';

/**
 * y[b, i1..i5] = x[b·sample + i1·s1 + i2·s2 + i3·s3 + i4·s4 + i5·s5] over the output shape
 * [n, d1, d2, d3, d4, d5] written contiguously (row-major), every stride in floats and each sample
 * of both x and y holding `sample` floats. Lower ranks pass leading dims of 1. Fastest when the
 * caller drops size-1 axes and merges axes adjacent in both x and y first. y must not overlap x.
 */
export function permuteCopy(x: usize, y: usize, n: i32, sample: i32,
  d1: i32, d2: i32, d3: i32, d4: i32, d5: i32, s1: i32, s2: i32, s3: i32, s4: i32, s5: i32): void {
  const o4 = d5, o3 = d4 * o4, o2 = d3 * o3, o1 = d2 * o2;
  // p: the output axis whose input stride is 1 when the last axis's is not (0: none).
  const p = s5 === 1 ? 0 : s4 === 1 ? 4 : s3 === 1 ? 3 : s2 === 1 ? 2 : s1 === 1 ? 1 : 0;
  const dp = p === 4 ? d4 : p === 3 ? d3 : p === 2 ? d2 : p === 1 ? d1 : 1;
  const op = p === 4 ? o4 : p === 3 ? o3 : p === 2 ? o2 : p === 1 ? o1 : 0;
  // Axis p is walked by the tile, so the outer loops take one step along it.
  const e1 = p === 1 ? 1 : d1, e2 = p === 2 ? 1 : d2, e3 = p === 3 ? 1 : d3, e4 = p === 4 ? 1 : d4;
  for (let b = 0; b < n; b++) {
    const base = b * sample;
    for (let i1 = 0; i1 < e1; i1++) {
      for (let i2 = 0; i2 < e2; i2++) {
        for (let i3 = 0; i3 < e3; i3++) {
          for (let i4 = 0; i4 < e4; i4++) {
            const src = base + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
            const dst = base + i1 * o1 + i2 * o2 + i3 * o3 + i4 * o4;
            if (s5 === 1) copyRun(at(y, dst), at(x, src), d5);
            else if (p !== 0) transposeTiles(x, y, src, dst, dp, op, d5, s5);
            else for (let k = 0; k < d5; k++) store<f32>(at(y, dst + k), load<f32>(at(x, src + k * s5)));
          }
        }
      }
    }
  }
}

/**
 * y[dst + j·op + k] = x[src + j + k·s5] for j < dp, k < d5: a 2-D transpose whose rows are
 * contiguous in x and whose columns are contiguous in y, in 4x4 blocks of four loads, eight
 * shuffles and four stores; scalar tails.
 */
@inline function transposeTiles(x: usize, y: usize, src: i32, dst: i32, dp: i32, op: i32, d5: i32, s5: i32): void {
  const rowStride = <usize>s5 << 2, outStride = <usize>op << 2;
  let j = 0;
  for (; j + 4 <= dp; j += 4) {
    let k = 0;
    for (; k + 4 <= d5; k += 4) {
      const from = at(x, src + j + k * s5), to = at(y, dst + j * op + k);
      const r0 = v128.load(from), r1 = v128.load(from + rowStride);
      const r2 = v128.load(from + 2 * rowStride), r3 = v128.load(from + 3 * rowStride);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(to, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(to + outStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(to + 2 * outStride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(to + 3 * outStride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (; k < d5; k++) {
      for (let r = 0; r < 4; r++) store<f32>(at(y, dst + (j + r) * op + k), load<f32>(at(x, src + j + r + k * s5)));
    }
  }
  for (; j < dp; j++) {
    for (let k = 0; k < d5; k++) store<f32>(at(y, dst + j * op + k), load<f32>(at(x, src + j + k * s5)));
  }
}
