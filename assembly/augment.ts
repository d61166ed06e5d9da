// Image augmentation (NHWC, one [h, w, c] image per sample): per-sample flips, affine resampling
// with bilinear or nearest interpolation and four fill modes, its adjoint for backward, and
// additive gaussian noise from a counter-based generator whose state lives in a caller buffer.
import { at, copyRun, zeroRun, addScaledRun } from './nhwc';

// Fill modes (Keras names), the `fillMode` argument of the affine kernels: how an integer source
// index outside [0, len) resolves. reflect: d c b a | a b c d | d c b a (half-sample symmetric);
// constant: the fill value; nearest: the edge pixel; wrap: periodic (a b c d | a b c d).
const REFLECT = 0;
const CONSTANT = 1;
const NEAREST = 2;
const WRAP = 3;
// `interpolation`: 0 bilinear, 1 nearest (round half up: floor(s + 0.5)).
const NEAREST_INTERPOLATION = 1;
/** Source coordinates are clamped to ±LIMIT (NaN to −LIMIT) before conversion to integers. */
const LIMIT: f64 = 1e9;

/**
 * y = x with each sample mirrored as `flags` [n] (i32) says: bit 0 left↔right (width axis),
 * bit 1 up↔down (height axis). A flip is its own adjoint: backward is the same call on dy.
 * y must not overlap x.
 */
export function augmentFlip(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, flags: usize): void {
  const plane = h * w * c;
  const row = w * c;
  for (let s = 0; s < n; s++) {
    const f = load<i32>(at(flags, s));
    const src = at(x, s * plane);
    const dst = at(y, s * plane);
    for (let i = 0; i < h; i++) {
      const si = f & 2 ? h - 1 - i : i;
      if (!(f & 1)) {
        copyRun(at(dst, i * row), at(src, si * row), row);
        continue;
      }
      for (let j = 0; j < w; j++) copyRun(at(dst, i * row + j * c), at(src, si * row + (w - 1 - j) * c), c);
    }
  }
}

/** The index an out-of-range integer source index resolves to under `mode`; −1 for the fill value. */
@inline function resolve(i: i32, len: i32, mode: i32): i32 {
  if (i >= 0 && i < len) return i;
  if (mode == CONSTANT) return -1;
  if (mode == NEAREST) return i < 0 ? 0 : len - 1;
  if (mode == WRAP) {
    const r = i % len;
    return r < 0 ? r + len : r;
  }
  const period = 2 * len;
  let r = i % period;
  if (r < 0) r += period;
  return r < len ? r : period - 1 - r;
}

/** A source coordinate made safe to floor into an i32 (NaN goes out of range, not to 0). */
@inline function safe(v: f64): f64 {
  if (!(v >= -LIMIT)) return -LIMIT;
  return v > LIMIT ? LIMIT : v;
}

/** dst[0..count) = value. */
@inline function fillRun(dst: usize, value: f32, count: i32): void {
  const bytes = <usize>count << 2;
  const body = bytes & ~(<usize>15);
  const v = f32x4.splat(value);
  let i: usize = 0;
  for (; i < body; i += 16) v128.store(dst + i, v);
  for (; i < bytes; i += 4) store<f32>(dst + i, value);
}

// The taps of one output pixel: up to four (source pixel, weight) pairs, pixel −1 = fill value.
// Module globals rather than an allocation; kernels run one at a time per instance.
let tapPixel0: i32 = 0; let tapPixel1: i32 = 0; let tapPixel2: i32 = 0; let tapPixel3: i32 = 0;
let tapWeight0: f32 = 0; let tapWeight1: f32 = 0; let tapWeight2: f32 = 0; let tapWeight3: f32 = 0;

/**
 * Sets the taps of output pixel (row i, column j) of the sample whose 6 parameters start at p:
 * source column sx = p0·j + p1·i + p2, source row sy = p3·j + p4·i + p5 (Keras's transform
 * vector without the projective terms), computed in f64. Returns the number of taps (1 or 4).
 */
@inline function taps(p: usize, i: i32, j: i32, h: i32, w: i32, interpolation: i32, mode: i32): i32 {
  const fi = <f64>i, fj = <f64>j;
  const sx = safe(<f64>load<f32>(p) * fj + <f64>load<f32>(p, 4) * fi + <f64>load<f32>(p, 8));
  const sy = safe(<f64>load<f32>(p, 12) * fj + <f64>load<f32>(p, 16) * fi + <f64>load<f32>(p, 20));
  if (interpolation == NEAREST_INTERPOLATION) {
    const cx = resolve(<i32>Math.floor(sx + 0.5), w, mode);
    const cy = resolve(<i32>Math.floor(sy + 0.5), h, mode);
    tapPixel0 = cx < 0 || cy < 0 ? -1 : cy * w + cx;
    tapWeight0 = 1;
    return 1;
  }
  const x0 = Math.floor(sx), y0 = Math.floor(sy);
  const fx = sx - x0, fy = sy - y0;
  const ix = <i32>x0, iy = <i32>y0;
  const cx0 = resolve(ix, w, mode), cx1 = resolve(ix + 1, w, mode);
  const cy0 = resolve(iy, h, mode), cy1 = resolve(iy + 1, h, mode);
  tapPixel0 = cx0 < 0 || cy0 < 0 ? -1 : cy0 * w + cx0;
  tapPixel1 = cx1 < 0 || cy0 < 0 ? -1 : cy0 * w + cx1;
  tapPixel2 = cx0 < 0 || cy1 < 0 ? -1 : cy1 * w + cx0;
  tapPixel3 = cx1 < 0 || cy1 < 0 ? -1 : cy1 * w + cx1;
  tapWeight0 = <f32>((1 - fx) * (1 - fy));
  tapWeight1 = <f32>(fx * (1 - fy));
  tapWeight2 = <f32>((1 - fx) * fy);
  tapWeight3 = <f32>(fx * fy);
  return 4;
}

@inline function tapPixel(t: i32): i32 {
  return t == 0 ? tapPixel0 : t == 1 ? tapPixel1 : t == 2 ? tapPixel2 : tapPixel3;
}

@inline function tapWeight(t: i32): f32 {
  return t == 0 ? tapWeight0 : t == 1 ? tapWeight1 : t == 2 ? tapWeight2 : tapWeight3;
}

/** dst[0..c) = the four taps' weighted sum (fill value for taps outside), unrolled. */
@inline function blend(dst: usize, src: usize, c: i32, fillValue: f32): void {
  const q0 = tapPixel0, q1 = tapPixel1, q2 = tapPixel2, q3 = tapPixel3;
  const w0 = tapWeight0, w1 = tapWeight1, w2 = tapWeight2, w3 = tapWeight3;
  if ((q0 | q1 | q2 | q3) >= 0 && c < 4) {
    // All taps inside and few channels (the common image case): one scalar pass.
    const s0 = at(src, q0 * c), s1 = at(src, q1 * c), s2 = at(src, q2 * c), s3 = at(src, q3 * c);
    for (let k = 0; k < c; k++) {
      const o = <usize>k << 2;
      store<f32>(dst + o, w0 * load<f32>(s0 + o) + w1 * load<f32>(s1 + o) + w2 * load<f32>(s2 + o) + w3 * load<f32>(s3 + o));
    }
    return;
  }
  let outside: f32 = 0;
  if (q0 < 0) outside += w0;
  if (q1 < 0) outside += w1;
  if (q2 < 0) outside += w2;
  if (q3 < 0) outside += w3;
  if (outside != 0 && fillValue != 0) fillRun(dst, outside * fillValue, c);
  else zeroRun(dst, c);
  if (q0 >= 0 && w0 != 0) addScaledRun(dst, at(src, q0 * c), w0, c);
  if (q1 >= 0 && w1 != 0) addScaledRun(dst, at(src, q1 * c), w1, c);
  if (q2 >= 0 && w2 != 0) addScaledRun(dst, at(src, q2 * c), w2, c);
  if (q3 >= 0 && w3 != 0) addScaledRun(dst, at(src, q3 * c), w3, c);
}

/**
 * y [n, h, w, c] = x resampled per sample through an affine map: params [n, 6] (f32) map each
 * output pixel (row i, column j) to the source point (sx, sy) (see `taps`); interpolation
 * 0 bilinear / 1 nearest; fillMode 0 reflect / 1 constant (fillValue) / 2 nearest / 3 wrap,
 * applied to each integer source index. y must not overlap x.
 */
export function augmentAffine(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, params: usize,
  interpolation: i32, fillMode: i32, fillValue: f32): void {
  const plane = h * w * c;
  for (let s = 0; s < n; s++) {
    const p = at(params, s * 6);
    const src = at(x, s * plane);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const dst = at(y, s * plane + (i * w + j) * c);
        const count = taps(p, i, j, h, w, interpolation, fillMode);
        if (count == 1) {
          if (tapPixel0 < 0) fillRun(dst, fillValue, c);
          else copyRun(dst, at(src, tapPixel0 * c), c);
          continue;
        }
        blend(dst, src, c, fillValue);
      }
    }
  }
}

/** grad[tap k] += weight k · g over c channels for the four taps (all inside the image). */
@inline function scatter4(grad: usize, g: usize, c: i32): void {
  const d0 = at(grad, tapPixel0 * c), d1 = at(grad, tapPixel1 * c), d2 = at(grad, tapPixel2 * c), d3 = at(grad, tapPixel3 * c);
  for (let k = 0; k < c; k++) {
    const o = <usize>k << 2;
    const v = load<f32>(g + o);
    store<f32>(d0 + o, load<f32>(d0 + o) + tapWeight0 * v);
    store<f32>(d1 + o, load<f32>(d1 + o) + tapWeight1 * v);
    store<f32>(d2 + o, load<f32>(d2 + o) + tapWeight2 * v);
    store<f32>(d3 + o, load<f32>(d3 + o) + tapWeight3 * v);
  }
}

/**
 * Backward of augmentAffine (its adjoint in x; the fill value has no gradient): dx (+)= Aᵀ dy,
 * each output pixel's gradient scattered to its source taps with their weights. Overwrites dx
 * unless accumulate != 0. dx must not overlap dy.
 */
export function augmentAffineBackward(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, params: usize,
  interpolation: i32, fillMode: i32, accumulate: i32): void {
  const plane = h * w * c;
  if (!accumulate) zeroRun(dx, n * plane);
  for (let s = 0; s < n; s++) {
    const p = at(params, s * 6);
    const grad = at(dx, s * plane);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const g = at(dy, s * plane + (i * w + j) * c);
        const count = taps(p, i, j, h, w, interpolation, fillMode);
        if (count == 4 && c < 4 && (tapPixel0 | tapPixel1 | tapPixel2 | tapPixel3) >= 0) {
          scatter4(grad, g, c);
          continue;
        }
        for (let t = 0; t < count; t++) {
          const q = tapPixel(t), wt = tapWeight(t);
          if (q >= 0 && wt != 0) addScaledRun(at(grad, q * c), g, wt, c);
        }
      }
    }
  }
}

// Gaussian noise: counter-based, so a draw depends only on (key, stream index), not on how a
// step is split into calls. State (16 bytes): u32 key, u32 unused, u64 counter (normals drawn).
// Box–Muller over four pairs at a time in f32x4, with Cephes-style polynomial log, sin and cos
// (relative error ~1e-7); a lone leading or trailing value uses lane 0 of the same code, so
// every value is bit-identical however the stream is split into calls.

/** lowbias32 (C. Wellons) in each i32x4 lane, as the dropout generator. */
@inline function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** Random bits for the uniform stream indices (hi:lo per lane) under `key`. */
@inline function bits4(key: v128, lo: v128, hi: v128): v128 {
  const k = mix32x4(v128.xor(key, mix32x4(i32x4.add(hi, i32x4.splat(<i32>0x9e3779b9)))));
  return mix32x4(v128.xor(mix32x4(lo), k));
}

/** Natural log of each lane of u ∈ (0, 1] (normal floats; Cephes logf). */
@inline function log4(u: v128): v128 {
  const b = v128.and(u, i32x4.splat(0x7fffffff));
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(b, 23), i32x4.splat(126)));
  let m = v128.or(v128.and(b, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = f32x4.sub(e, v128.and(small, f32x4.splat(1)));
  m = f32x4.sub(f32x4.add(m, v128.and(small, m)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(e, f32x4.splat(0.693359375)));
}

// The two outputs of normals4: z for the even (cos) and odd (sin) member of four pairs.
let noiseEven: v128 = i32x4.splat(0);
let noiseOdd: v128 = i32x4.splat(0);

/**
 * Box–Muller for pairs q .. q + 3: u1 = ((bits(2q) >> 8) + 1) / 2^24 ∈ (0, 1],
 * u2 = (bits(2q + 1) >> 8) / 2^24, r = sqrt(−2 ln u1), θ = 2π·u2 (reduced exactly by quarter
 * turns); sets noiseEven = r·cos θ, noiseOdd = r·sin θ.
 */
@inline function normals4(key: v128, q: u64): void {
  const first = q << 1;
  const lo = i32x4.add(i32x4.splat(<i32>first), i32x4(0, 2, 4, 6));
  const hi = i32x4.sub(i32x4.splat(<i32>(first >> 32)), i32x4.lt_u(lo, i32x4.splat(<i32>first))); // carry
  const toUnit = f32x4.splat(<f32>1 / <f32>16777216);
  const h1 = i32x4.shr_u(bits4(key, lo, hi), 8);
  const h2 = i32x4.shr_u(bits4(key, i32x4.add(lo, i32x4.splat(1)), hi), 8);
  const u1 = f32x4.mul(f32x4.add(f32x4.convert_i32x4_s(h1), f32x4.splat(1)), toUnit);
  const u2 = f32x4.mul(f32x4.convert_i32x4_s(h2), toUnit);
  const r = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(u1)));
  const quarters = f32x4.nearest(f32x4.mul(u2, f32x4.splat(4)));
  const a = f32x4.mul(f32x4.sub(u2, f32x4.mul(quarters, f32x4.splat(0.25))), f32x4.splat(<f32>(2 * Math.PI)));
  const z = f32x4.mul(a, a);
  let s = f32x4.add(f32x4.mul(f32x4.splat(-1.9515295891e-4), z), f32x4.splat(8.3321608736e-3));
  s = f32x4.add(f32x4.mul(s, z), f32x4.splat(-1.6666654611e-1));
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), a), a);
  let c = f32x4.add(f32x4.mul(f32x4.splat(2.443315711809948e-5), z), f32x4.splat(-1.388731625493765e-3));
  c = f32x4.add(f32x4.mul(c, z), f32x4.splat(4.166664568298827e-2));
  c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(c, z), z), f32x4.mul(z, f32x4.splat(0.5))), f32x4.splat(1));
  // θ = k·π/2 + a: k odd swaps sin and cos; cos θ < 0 for k = 1, 2; sin θ < 0 for k = 2, 3.
  const k = i32x4.trunc_sat_f32x4_s(quarters);
  const swap = i32x4.ne(v128.and(k, i32x4.splat(1)), i32x4.splat(0));
  const sign = i32x4.splat(<i32>0x80000000);
  const cosNeg = v128.and(i32x4.shl(i32x4.add(k, i32x4.splat(1)), 30), sign);
  const sinNeg = v128.and(i32x4.shl(k, 30), sign);
  noiseEven = f32x4.mul(r, v128.xor(v128.bitselect(s, c, swap), cosNeg));
  noiseOdd = f32x4.mul(r, v128.xor(v128.bitselect(c, s, swap), sinNeg));
}

/** Initialises a 16-byte noise generator state from a seed (counter 0). */
export function augmentNoiseSeed(state: usize, seed: u32): void {
  store<u32>(state, seed);
  store<u32>(state, 0, 4);
  store<u64>(state, 0, 8);
}

/**
 * y = x + stddev · z over count values, z standard normal: value t of the stream (t = counter + i)
 * is noiseEven (t even) or noiseOdd (t odd) of pair t >> 1 (see normals4). Advances the counter
 * by count. y may alias x.
 */
export function augmentNoise(x: usize, y: usize, count: i32, stddev: f32, state: usize): void {
  const key = i32x4.splat(load<i32>(state));
  const start = load<u64>(state, 8);
  const sd = f32x4.splat(stddev);
  let i = 0;
  while (i < count) {
    const t = start + <u64>i;
    if (!(t & 1) && i + 8 <= count) {
      normals4(key, t >> 1);
      const z0 = v128.shuffle<f32>(noiseEven, noiseOdd, 0, 4, 1, 5);
      const z1 = v128.shuffle<f32>(noiseEven, noiseOdd, 2, 6, 3, 7);
      v128.store(at(y, i), f32x4.add(v128.load(at(x, i)), f32x4.mul(sd, z0)));
      v128.store(at(y, i + 4), f32x4.add(v128.load(at(x, i + 4)), f32x4.mul(sd, z1)));
      i += 8;
      continue;
    }
    normals4(key, t >> 1);
    const z = t & 1 ? f32x4.extract_lane(noiseOdd, 0) : f32x4.extract_lane(noiseEven, 0);
    store<f32>(at(y, i), load<f32>(at(x, i)) + stddev * z);
    i++;
  }
  store<u64>(state, start + <u64>count, 8);
}
