// Helpers shared by the NHWC kernels (conv, pool, join): the output-position → input-window
// mapping and f32x4 channel-run primitives. Internal: index.ts does not re-export this file.

/**
 * First tap t of a window whose input coordinate o·stride − pad + t·dilation is ≥ 0.
 * May exceed the kernel size when the whole window lies in the padding (then the range is empty).
 */
@inline export function firstTap(o: i32, stride: i32, pad: i32, dilation: i32): i32 {
  const start = o * stride - pad;
  return start >= 0 ? 0 : (dilation - 1 - start) / dilation;
}

/** One past the last tap (≤ k) whose input coordinate is < size; ≤ firstTap means an empty window. */
@inline export function endTap(o: i32, stride: i32, pad: i32, dilation: i32, size: i32, k: i32): i32 {
  const start = o * stride - pad;
  if (start >= size) return 0;
  const end = (size - 1 - start) / dilation + 1;
  return end < k ? end : k;
}

/** Byte address of element `index` of an f32/i32 array at `base`. */
@inline export function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** dst[0..count) = src[0..count); f32x4 body, scalar tail. */
@inline export function copyRun(dst: usize, src: usize, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

/** dst[0..count) = 0. */
@inline export function zeroRun(dst: usize, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  const zero = f32x4.splat(0);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, zero);
  for (; i < bytes; i += 4) store<f32>(dst + i, 0);
}

/** dst[0..count) += src[0..count). */
@inline export function addRun(dst: usize, src: usize, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
}

/** dst[0..count) += scale · src[0..count). */
@inline export function addScaledRun(dst: usize, src: usize, scale: f32, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  const s = f32x4.splat(scale);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), f32x4.mul(s, v128.load(src + i))));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + scale * load<f32>(src + i));
}

/** dst[0..count) = scale · src[0..count) (dst may alias src). */
@inline export function scaleRun(dst: usize, src: usize, scale: f32, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  const s = f32x4.splat(scale);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, f32x4.mul(s, v128.load(src + i)));
  for (; i < bytes; i += 4) store<f32>(dst + i, scale * load<f32>(src + i));
}

/** Zeroes dst[0..count) unless `accumulate`: how every backward kernel starts its (+)= output. */
@inline export function clearUnlessAccumulate(dst: usize, count: i32, accumulate: i32): void {
  if (!accumulate) zeroRun(dst, count);
}
