// The register-blocked micro-kernel: a C tile = packed A panel · packed B panel over kc steps.
// Per k step the B panel holds the tile's 8 columns (two f32x4) and the A panel the tile's rows,
// each value pre-splatted to an f32x4 at packing time: V8 adds an address instruction to every
// load32_splat with an offset, and this loop is bound by instruction issue.
// The k loop is not unrolled and the kernel never reads C: both make V8 schedule all loads of a
// step ahead of the arithmetic and spill accumulators; the caller adds into C from a scratch tile.

@inline function madd(acc: v128, a: v128, b: v128): v128 {
  // The relaxed build may fuse (one rounding, engine's choice); baseline SIMD has no FMA: multiply, then add.
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * 5x8 tile: 10 accumulators + 2 B + 1 A + 1 product = 14 of the 15 xmm registers V8 hands out,
 * the largest MR x 8 tile that does not spill (6x8 needs 16).
 */
export function microKernel5x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0), c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0), c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load(pa);
    c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
    a = v128.load(pa, 16);
    c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
    a = v128.load(pa, 32);
    c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
    a = v128.load(pa, 48);
    c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
    a = v128.load(pa, 64);
    c40 = madd(c40, a, b0); c41 = madd(c41, a, b1);
    pa += 80; pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16); c += ldc;
  v128.store(c, c40); v128.store(c, c41, 16);
}
