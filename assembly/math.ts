// Internal f32x4 helpers shared by the kernels: partial-vector tails, horizontal sums,
// and exp/expm1/log/log1p. Not re-exported from index.ts, so none of this is wasm ABI.
// The v128 functions are @inline: each caller gets its own copy, and asc does not warn about
// exporting v128 signatures.

// ---------- lanes and tails ----------

/** Byte offset of element i. */
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Loads min(k, 4) floats from ptr; lanes past k are 0. A tail never reads past the array. */
@inline export function loadLanes(ptr: usize, k: i32): v128 {
  if (k >= 4) return v128.load(ptr);
  if (k == 1) return v128.load32_zero(ptr);
  const two = v128.load64_zero(ptr);
  return k == 2 ? two : v128.load32_lane(ptr, two, 2, 8);
}

/** Stores the first min(k, 4) lanes of v at ptr; nothing past k is written. */
@inline export function storeLanes(ptr: usize, v: v128, k: i32): void {
  if (k >= 4) { v128.store(ptr, v); return; }
  if (k == 1) { v128.store32_lane(ptr, v, 0); return; }
  v128.store64_lane(ptr, v, 0);
  if (k == 3) v128.store32_lane(ptr, v, 2, 8);
}

/** All-ones in lanes below k, zeros above: keeps padded tail lanes out of reductions. */
@inline export function laneMask(k: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(k));
}

/** v in the lanes below k, `fill` elsewhere. */
@inline export function fillTail(v: v128, k: i32, fill: f32): v128 {
  return k >= 4 ? v : v128.bitselect(v, f32x4.splat(fill), laneMask(k));
}

/** Sum of the four lanes, in f32. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Largest lane (NaN if any lane is NaN). */
@inline export function hmax(v: v128): f32 {
  const m = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
}

/** Adds the four f32 lanes of v into a f64x2 accumulator: long sums keep f64 precision. */
@inline export function addWide(acc: v128, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
  return f64x2.add(acc, f64x2.add(lo, hi));
}

/** Total of a f64x2 accumulator. */
@inline export function wideTotal(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** Number of set lanes in the first k lanes of a comparison mask. */
@inline export function countLanes(mask: v128, k: i32): i32 {
  const bits = i32x4.bitmask(mask);
  return popcnt(k >= 4 ? bits : bits & ((1 << k) - 1));
}

/** Lane-wise a where mask is set, else b. */
@inline export function select4(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}

@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

// ---------- exp ----------

const LOG2E: f32 = 1.44269504088896341;
// ln2 split so n·LN2_HI is exact for |n| < 2^14 (LN2_HI has 9 significant bits).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
// Beyond these exp(x) leaves the normal f32 range: +Inf above, 0 below (no denormals).
const EXP_HI: f32 = 88.72283905206835;
const EXP_LO: f32 = -87.33654475055310;

/** (e^r − 1 − r) / r² on |r| ≤ ln2/2: minimax polynomial (Cephes expf coefficients). */
@inline function expPoly(r: v128): v128 {
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  return f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
}

/** e^r − 1 for |r| ≤ ln2/2, without the cancellation of computing e^r first. */
@inline function expm1Small(r: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.mul(r, r), expPoly(r)), r);
}

/** 2^n for integer lanes n in [-126, 127], built directly in the exponent bits. */
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/**
 * e^x lane-wise: x = n·ln2 + r, e^r by polynomial, times 2^n. Overflow gives +Inf,
 * results below the smallest normal float flush to 0, NaN propagates.
 */
@inline export function exp4(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, splat(EXP_LO)), splat(EXP_HI));
  const nf = f32x4.nearest(f32x4.mul(xc, splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, splat(LN2_HI))), f32x4.mul(nf, splat(LN2_LO)));
  const y = f32x4.add(expm1Small(r), splat(1));
  // n can reach 128 near EXP_HI, so 2^n is applied as two halves that are always normal.
  const n = i32x4.trunc_sat_f32x4_s(nf);
  const half = i32x4.shr_s(n, 1);
  const scaled = f32x4.mul(f32x4.mul(y, pow2i(half)), pow2i(i32x4.sub(n, half)));
  const over = select4(splat(Infinity), scaled, f32x4.gt(x, splat(EXP_HI)));
  return select4(splat(0), over, f32x4.lt(x, splat(EXP_LO)));
}

/** e^x − 1, accurate (relative) near 0 where exp(x) − 1 would cancel. */
@inline export function expm1_4(x: v128): v128 {
  const small = f32x4.le(f32x4.abs(x), splat(0.34657359));
  return select4(expm1Small(x), f32x4.sub(exp4(x), splat(1)), small);
}

// ---------- log ----------

const SQRT_HALF: f32 = 0.70710678118654752;
const MIN_NORMAL: f32 = 1.17549435e-38;

/** (log(1+f) − f + f²/2) / f³ on f in [√½−1, √2−1]: minimax polynomial (Cephes logf). */
@inline function logPoly(f: v128): v128 {
  let p = splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), splat(-2.4999993993e-1));
  return f32x4.add(f32x4.mul(p, f), splat(3.3333331174e-1));
}

/**
 * Natural log lane-wise: x = 2^e·m with m in [√½, √2), log m by polynomial in m − 1.
 * log(0) = −Inf, log(+Inf) = +Inf, negative or NaN gives NaN; denormals are handled.
 */
@inline export function log4(x: v128): v128 {
  // Denormals are scaled up by 2^23 so their exponent field is meaningful.
  const tiny = f32x4.lt(x, splat(MIN_NORMAL));
  const xs = select4(f32x4.mul(x, splat(8388608)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), select4(i32x4.splat(126 + 23), i32x4.splat(126), tiny));
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // in [0.5, 1)
  // Move m to [√½, √2) so that f = m − 1 stays small.
  const low = f32x4.lt(m, splat(SQRT_HALF));
  e = i32x4.add(e, low); // low lanes are −1
  m = select4(f32x4.add(m, m), m, low);
  const f = f32x4.sub(m, splat(1));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let y = f32x4.mul(f32x4.mul(z, f), logPoly(f));
  y = f32x4.add(y, f32x4.mul(ef, splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  const r = f32x4.add(f32x4.add(f, y), f32x4.mul(ef, splat(LN2_HI)));
  const special = select4(splat(-Infinity), select4(x, splat(NaN), f32x4.ge(x, splat(0))), f32x4.eq(x, splat(0)));
  const regular = v128.and(f32x4.gt(x, splat(0)), f32x4.lt(x, splat(Infinity)));
  return select4(r, special, regular);
}

/** Scalar log through the vector code, so scalar and lane-wise results agree. */
@inline export function logScalar(x: f32): f32 {
  return f32x4.extract_lane(log4(splat(x)), 0);
}

/** log(1 + t) for finite t ≥ 0, accurate for tiny t: log(u)·t/(u − 1) with u = fl(1 + t) cancels u's rounding. */
@inline export function log1p4(t: v128): v128 {
  const u = f32x4.add(t, splat(1));
  const d = f32x4.sub(u, splat(1));
  const ratio = f32x4.div(f32x4.mul(log4(u), t), d);
  return select4(t, ratio, f32x4.eq(d, splat(0)));
}

/** 1/(1 + e^−x): e^−x overflows to +Inf for very negative x, giving exactly 0, never NaN. */
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), exp4(f32x4.neg(x))));
}

// ---------- rows (softmax and its losses) ----------

/** Largest of the cols values at x (NaN if any is NaN). */
export function rowMax(x: usize, cols: i32): f32 {
  let m = splat(-Infinity);
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    m = f32x4.max(m, fillTail(loadLanes(at(x, i), k), k, -Infinity));
  }
  return hmax(m);
}

/** y[j] = e^(x[j] − shift) (unless y is 0: sum only); returns the sum. y may equal x. */
export function expShifted(x: usize, y: usize, cols: i32, shift: f32): f32 {
  const s = splat(shift);
  let sum = splat(0);
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    const e = fillTail(exp4(f32x4.sub(loadLanes(at(x, i), k), s)), k, 0);
    if (y != 0) storeLanes(at(y, i), e, k);
    sum = f32x4.add(sum, e);
  }
  return hsum(sum);
}

/** Index of the first largest of the cols values at x; −1 if the row holds a NaN. */
export function rowArgmax(x: usize, cols: i32): i32 {
  const m = splat(rowMax(x, cols));
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    let bits = i32x4.bitmask(f32x4.eq(loadLanes(at(x, i), k), m));
    if (k < 4) bits &= (1 << k) - 1;
    if (bits != 0) return i + ctz(bits);
  }
  return -1;
}
