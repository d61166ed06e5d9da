// Activations: forward y = f(x) (y may equal x) and backward dx = dy · f'(x) computed from
// the saved OUTPUT y (dx may equal dy), so a layer only keeps its output for backward.
import { at, exp4, expm1_4, loadLanes, log1p4, select4, sigmoid4, splat, storeLanes } from './math';

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;
const TANH_SMALL: f32 = 0.625;

// ---------- lane-wise formulas ----------

@inline function relu4(x: v128): v128 {
  return f32x4.max(x, splat(0));
}

/** dy where y > 0, else 0 (also for NaN y). */
@inline function positiveOnly(y: v128, g: v128): v128 {
  return v128.and(g, f32x4.gt(y, splat(0)));
}

/** Odd minimax polynomial for tanh on |x| < 0.625 (Cephes tanhf): keeps relative accuracy near 0. */
@inline function tanhSmall(x: v128): v128 {
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  return f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
}

/** tanh: polynomial near 0, else sign(x)·(1 − 2/(e^{2|x|} + 1)), which saturates to ±1 without NaN. */
@inline function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(exp4(f32x4.add(ax, ax)), splat(1))));
  const signedBig = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return select4(tanhSmall(x), signedBig, f32x4.lt(ax, splat(TANH_SMALL)));
}

/** x for x > 0, alpha·(e^x − 1) otherwise (expm1 keeps small negative x accurate). */
@inline function elu4(x: v128, alpha: v128): v128 {
  return select4(x, f32x4.mul(alpha, expm1_4(x)), f32x4.gt(x, splat(0)));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no loss for very negative x. */
@inline function softplus4(x: v128): v128 {
  return f32x4.add(relu4(x), log1p4(exp4(f32x4.neg(f32x4.abs(x)))));
}

// ---------- kernels ----------

export function reluForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), relu4(loadLanes(at(x, i), k)), k);
  }
}

export function reluBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(dx, i), positiveOnly(loadLanes(at(y, i), k), loadLanes(at(dy, i), k)), k);
  }
}

export function sigmoidForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), sigmoid4(loadLanes(at(x, i), k)), k);
  }
}

/** dx = dy·y·(1 − y). */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const d = f32x4.mul(yv, f32x4.sub(splat(1), yv));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function tanhForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), tanh4(loadLanes(at(x, i), k)), k);
  }
}

/** dx = dy·(1 − y²). */
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const d = f32x4.sub(splat(1), f32x4.mul(yv, yv));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

/** y = x for x > 0, alpha·x otherwise (alpha > 0). */
export function leakyReluForward(x: usize, y: usize, n: i32, alpha: f32): void {
  const a = splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    storeLanes(at(y, i), select4(xv, f32x4.mul(xv, a), f32x4.gt(xv, splat(0))), k);
  }
}

/** dx = dy where y > 0, alpha·dy otherwise (alpha > 0 keeps the sign of y equal to that of x). */
export function leakyReluBackward(y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const a = splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const g = loadLanes(at(dy, i), k);
    storeLanes(at(dx, i), select4(g, f32x4.mul(g, a), f32x4.gt(loadLanes(at(y, i), k), splat(0))), k);
  }
}

export function eluForward(x: usize, y: usize, n: i32, alpha: f32): void {
  const a = splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), elu4(loadLanes(at(x, i), k), a), k);
  }
}

/** dx = dy for y > 0, dy·(y + alpha) otherwise (= dy·alpha·e^x). */
export function eluBackward(y: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const a = splat(alpha);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const d = select4(splat(1), f32x4.add(yv, a), f32x4.gt(yv, splat(0)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

/** y = scale·elu(x, alpha) with the Keras SELU constants. */
export function seluForward(x: usize, y: usize, n: i32): void {
  const a = splat(SELU_ALPHA), s = splat(SELU_SCALE);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), f32x4.mul(s, elu4(loadLanes(at(x, i), k), a)), k);
  }
}

/** dx = dy·scale for y > 0, dy·(y + scale·alpha) otherwise. */
export function seluBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const s = splat(SELU_SCALE), sa = splat(SELU_SCALE * SELU_ALPHA);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const d = select4(s, f32x4.add(yv, sa), f32x4.gt(yv, splat(0)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function softplusForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), softplus4(loadLanes(at(x, i), k)), k);
  }
}

/** dx = dy·sigmoid(x) = dy·(1 − e^−y), as −expm1(−y) so tiny y keeps its precision. */
export function softplusBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const d = f32x4.neg(expm1_4(f32x4.neg(loadLanes(at(y, i), k))));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}
