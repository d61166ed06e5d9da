// Lane-wise activation formulas, shared by the activation kernels and the fused epilogue of
// GEMM and direct convolution. Not re-exported from index.ts: none of this is wasm ABI.
import { exp4, expm1_4, log1p4, select4, sigmoid4, splat } from './math';

export const SELU_ALPHA: f32 = 1.6732632423543772;
export const SELU_SCALE: f32 = 1.0507009873554805;
const TANH_SMALL: f32 = 0.625;

/** Activation codes of the fused epilogue; src/core/kernels/epilogue.ts mirrors them. */
export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_ELU = 3;
export const ACT_SELU = 4;
export const ACT_SIGMOID = 5;
export const ACT_TANH = 6;
export const ACT_SOFTPLUS = 7;
export const ACT_RELU6 = 8;
export const ACT_HARD_SIGMOID = 9;

@inline export function relu4(x: v128): v128 {
  return f32x4.max(x, splat(0));
}

/** min(max(x, 0), 6). */
@inline export function relu6_4(x: v128): v128 {
  return f32x4.min(f32x4.max(x, splat(0)), splat(6));
}

/**
 * clip(slope·(x + 0.5/slope), 0, 1): slope 0.2 is TF.js's and Keras 2's hardSigmoid, 1/6 Keras 3's
 * relu6(x + 3)/6. Shifting before scaling keeps the output exact near 0 for 1/6.
 */
@inline export function hardSigmoid4(x: v128, slope: v128, shift: v128): v128 {
  return f32x4.min(f32x4.max(f32x4.mul(f32x4.add(x, shift), slope), splat(0)), splat(1));
}

/** x·relu6(x + 3)/6 (Keras 3 hard_swish). */
@inline export function hardSwish4(x: v128): v128 {
  return f32x4.mul(f32x4.mul(x, relu6_4(f32x4.add(x, splat(3)))), splat(<f32>(1.0 / 6.0)));
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
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(exp4(f32x4.add(ax, ax)), splat(1))));
  const signedBig = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return select4(tanhSmall(x), signedBig, f32x4.lt(ax, splat(TANH_SMALL)));
}

/** x for x > 0, alpha·x otherwise. */
@inline export function leakyRelu4(x: v128, alpha: v128): v128 {
  return select4(x, f32x4.mul(x, alpha), f32x4.gt(x, splat(0)));
}

/** x for x > 0, alpha·(e^x − 1) otherwise (expm1 keeps small negative x accurate). */
@inline export function elu4(x: v128, alpha: v128): v128 {
  return select4(x, f32x4.mul(alpha, expm1_4(x)), f32x4.gt(x, splat(0)));
}

/** scale·elu(x, alpha) with the Keras SELU constants. */
@inline export function selu4(x: v128): v128 {
  return f32x4.mul(splat(SELU_SCALE), elu4(x, splat(SELU_ALPHA)));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no loss for very negative x. */
@inline export function softplus4(x: v128): v128 {
  return f32x4.add(relu4(x), log1p4(exp4(f32x4.neg(f32x4.abs(x)))));
}

/** The activation `act` (an ACT_ code) of four lanes; alpha is leakyRelu's slope, elu's scale or hardSigmoid's slope. */
@inline export function activate4(x: v128, act: i32, alpha: f32): v128 {
  switch (act) {
    case ACT_RELU: return relu4(x);
    case ACT_LEAKY_RELU: return leakyRelu4(x, splat(alpha));
    case ACT_ELU: return elu4(x, splat(alpha));
    case ACT_SELU: return selu4(x);
    case ACT_SIGMOID: return sigmoid4(x);
    case ACT_TANH: return tanh4(x);
    case ACT_SOFTPLUS: return softplus4(x);
    case ACT_RELU6: return relu6_4(x);
    case ACT_HARD_SIGMOID: return hardSigmoid4(x, splat(alpha), splat(<f32>0.5 / alpha));
    default: return x;
  }
}

/**
 * tanh(softplus(x)) = n/(n + 2) with n = e^x·(e^x + 2), rewritten in u = e^{−x} for x > 0 as
 * (1 + 2u)/(1 + 2u + 2u²) so neither side overflows.
 */
@inline export function tanhSoftplus4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const twoE = f32x4.add(e, e);
  const neg = f32x4.mul(e, f32x4.add(e, splat(2)));
  const pos = f32x4.add(splat(1), twoE);
  const num = select4(pos, neg, f32x4.gt(x, splat(0)));
  const den = f32x4.add(num, select4(f32x4.mul(twoE, e), splat(2), f32x4.gt(x, splat(0))));
  return f32x4.div(num, den);
}

/**
 * erfc(z) for z ≥ 0 with relative error below 1.2e-7 (Numerical Recipes' erfcc, a Chebyshev fit):
 * t·e^{−z² + P(t)}, t = 1/(1 + z/2). `minusZ2` is −z², passed in so callers form it from x.
 */
@inline function erfcPositive(z: v128, minusZ2: v128): v128 {
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(splat(0.5), z)));
  let p = splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), splat(-1.26551223));
  return f32x4.mul(t, exp4(f32x4.add(minusZ2, p)));
}

/** Φ(x) = erfc(−x/√2)/2: the small tail erfc(|x|/√2)/2 keeps relative accuracy for x < 0. */
@inline export function normalCdf4(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), splat(<f32>0.7071067811865476));
  const tail = f32x4.mul(splat(0.5), erfcPositive(z, f32x4.mul(splat(-0.5), f32x4.mul(x, x))));
  return select4(f32x4.sub(splat(1), tail), tail, f32x4.gt(x, splat(0)));
}

/** x·Φ(x) (Keras gelu, approximate=false). */
@inline export function gelu4(x: v128): v128 {
  return f32x4.mul(x, normalCdf4(x));
}

const GELU_TANH_SCALE: f32 = 0.7978845608028654; // √(2/π)
const GELU_TANH_CUBIC: f32 = 0.044715;

/**
 * Keras's gelu(approximate=true), TF.js's gelu_new: 0.5x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³),
 * computed as x·sigmoid(2u), the same value without 1 + tanh's cancellation for x < 0.
 */
@inline export function geluTanh4(x: v128): v128 {
  return f32x4.mul(x, sigmoid4(geluTanhArg2(x)));
}

/** 2u = 2√(2/π)·x·(1 + 0.044715x²). */
@inline export function geluTanhArg2(x: v128): v128 {
  const inner = f32x4.add(splat(1), f32x4.mul(splat(GELU_TANH_CUBIC), f32x4.mul(x, x)));
  return f32x4.mul(f32x4.mul(splat(2 * GELU_TANH_SCALE), x), inner);
}

/** d(2u)/dx = 2√(2/π)·(1 + 3·0.044715x²). */
@inline export function geluTanhArg2Slope(x: v128): v128 {
  return f32x4.mul(splat(2 * GELU_TANH_SCALE), f32x4.add(splat(1), f32x4.mul(splat(3 * GELU_TANH_CUBIC), f32x4.mul(x, x))));
}
