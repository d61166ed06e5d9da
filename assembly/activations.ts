// Activations: forward y = f(x) (y may equal x) and backward dx = dy · f'(x) computed from
// the saved OUTPUT y (dx may equal dy), so a layer only keeps its output for backward; hardSwish,
// swish, mish and gelu, whose outputs do not determine their inputs, are computed from the input.
import { SELU_ALPHA, SELU_SCALE, elu4, gelu4, geluTanh4, geluTanhArg2, geluTanhArg2Slope, hardSigmoid4, hardSwish4, leakyRelu4, normalCdf4, relu4, relu6_4, selu4, softplus4, tanh4, tanhSoftplus4 } from './activation-lanes';
import { at, exp4, expm1_4, loadLanes, select4, sigmoid4, splat, storeLanes } from './math';

// ---------- lane-wise formulas ----------

/** dy where y > 0, else 0 (also for NaN y). */
@inline function positiveOnly(y: v128, g: v128): v128 {
  return v128.and(g, f32x4.gt(y, splat(0)));
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
    storeLanes(at(y, i), leakyRelu4(loadLanes(at(x, i), k), a), k);
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
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), selu4(loadLanes(at(x, i), k)), k);
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

export function relu6Forward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), relu6_4(loadLanes(at(x, i), k)), k);
  }
}

/** dx = dy where 0 < y < 6, else 0. */
export function relu6Backward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const inside = v128.and(f32x4.gt(yv, splat(0)), f32x4.lt(yv, splat(6)));
    storeLanes(at(dx, i), v128.and(loadLanes(at(dy, i), k), inside), k);
  }
}

/** y = clip(slope·x + 0.5, 0, 1): slope 0.2 (TF.js, Keras 2) or 1/6 (Keras 3). */
export function hardSigmoidForward(x: usize, y: usize, n: i32, slope: f32): void {
  const s = splat(slope), shift = splat(<f32>0.5 / slope);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), hardSigmoid4(loadLanes(at(x, i), k), s, shift), k);
  }
}

/** dx = slope·dy where 0 < y < 1, else 0. */
export function hardSigmoidBackward(y: usize, dy: usize, dx: usize, n: i32, slope: f32): void {
  const s = splat(slope);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const yv = loadLanes(at(y, i), k);
    const inside = v128.and(f32x4.gt(yv, splat(0)), f32x4.lt(yv, splat(1)));
    storeLanes(at(dx, i), v128.and(f32x4.mul(loadLanes(at(dy, i), k), s), inside), k);
  }
}

export function hardSwishForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), hardSwish4(loadLanes(at(x, i), k)), k);
  }
}

/**
 * From the INPUT x (y does not determine x on [−3, 0]): dx = dy·f'(x), f' = 0 below −3, 1 above 3,
 * (2x + 3)/6 between.
 */
export function hardSwishBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    let d = f32x4.mul(f32x4.add(f32x4.add(xv, xv), splat(3)), splat(<f32>(1.0 / 6.0)));
    d = select4(splat(1), d, f32x4.gt(xv, splat(3)));
    d = v128.and(d, f32x4.gt(xv, splat(-3)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function softsignForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    storeLanes(at(y, i), f32x4.div(xv, f32x4.add(splat(1), f32x4.abs(xv))), k);
  }
}

/** f' = 1/(1 + |x|)² = (1 − |y|)²: from the output (1 − |y| loses relative accuracy only for |x| ≫ 1e3). */
export function softsignBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const r = f32x4.sub(splat(1), f32x4.abs(loadLanes(at(y, i), k)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), f32x4.mul(r, r)), k);
  }
}

export function exponentialForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), exp4(loadLanes(at(x, i), k)), k);
  }
}

/** f' = e^x = y. */
export function exponentialBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), loadLanes(at(y, i), k)), k);
  }
}

export function swishForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    storeLanes(at(y, i), f32x4.mul(xv, sigmoid4(xv)), k);
  }
}

/** From the INPUT x (y does not determine x below the minimum): f' = s·(1 + x·(1 − s)), s = sigmoid(x). */
export function swishBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    const s = sigmoid4(xv);
    const d = f32x4.mul(s, f32x4.add(splat(1), f32x4.mul(xv, f32x4.sub(splat(1), s))));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function mishForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    storeLanes(at(y, i), f32x4.mul(xv, tanhSoftplus4(xv)), k);
  }
}

/** From the INPUT x: f' = g + x·(1 − g²)·sigmoid(x), g = tanh(softplus(x)). */
export function mishBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    const g = tanhSoftplus4(xv);
    const d = f32x4.add(g, f32x4.mul(f32x4.mul(xv, f32x4.sub(splat(1), f32x4.mul(g, g))), sigmoid4(xv)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function geluForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), gelu4(loadLanes(at(x, i), k)), k);
  }
}

/** From the INPUT x: f' = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π). */
export function geluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    const pdf = f32x4.mul(splat(<f32>0.3989422804014327), exp4(f32x4.mul(splat(-0.5), f32x4.mul(xv, xv))));
    const d = f32x4.add(normalCdf4(xv), f32x4.mul(xv, pdf));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}

export function geluApproximateForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), geluTanh4(loadLanes(at(x, i), k)), k);
  }
}

/** From the INPUT x: f = x·s, s = sigmoid(2u), so f' = s + x·s(1 − s)·(2u)'. */
export function geluApproximateBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const xv = loadLanes(at(x, i), k);
    const s = sigmoid4(geluTanhArg2(xv));
    const d = f32x4.add(s, f32x4.mul(f32x4.mul(xv, f32x4.mul(s, f32x4.sub(splat(1), s))), geluTanhArg2Slope(xv)));
    storeLanes(at(dx, i), f32x4.mul(loadLanes(at(dy, i), k), d), k);
  }
}
