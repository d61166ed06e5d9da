// The per-step gate kernels of SimpleRNN, LSTM and GRU (Keras gate order and layouts). Each step's
// pre-activations come from GEMMs (x·W + b for every step at once, then h·U per step); these
// kernels apply the gate activations, form the new state, and in backward turn the state's
// gradient into the pre-activations' gradient, in place over the gate rows they read.
// Rows are batch samples; `*Stride` arguments are row strides in floats, so a step reads and writes
// its slice of [batch, steps, k·units] buffers directly. A state pointer of 0 stands for zeros
// (the initial state); a gradient pointer of 0 for no gradient. `act`/`rec` are ACT_ codes of
// activation-lanes.ts with their alpha; derivatives are taken from the activation's output.
// Forward applies each activation to a whole gate block in one pass of the GEMM epilogue's loops
// (one specialised loop per activation), then combines the gates in a plain f32x4 loop.
import { ACT_ELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_RELU, ACT_RELU6, ACT_SELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH, SELU_ALPHA, SELU_SCALE } from './activation-lanes';
import { applyEpilogue } from './epilogue';
import { expm1_4, loadLanes, select4, splat, storeLanes } from './math';

/** Byte address of element j of row r of a matrix at `base` whose rows are `stride` floats apart. */
@inline function cell(base: usize, r: i32, stride: i32, j: i32): usize {
  return base + ((<usize>r * <usize>stride + <usize>j) << 2);
}

/** min(4, k) lanes at `base` (row r, column j), or zeros when base is 0 (the initial state). */
@inline function loadOrZero(base: usize, r: i32, stride: i32, j: i32, k: i32): v128 {
  return base != 0 ? loadLanes(cell(base, r, stride, j), k) : splat(0);
}

/** act applied in place to columns [from, from + cols) of `rows` rows `stride` floats apart. */
@inline function activateBlock(base: usize, rows: i32, stride: i32, from: i32, cols: i32, act: i32, alpha: f32): void {
  applyEpilogue(rows, cols, base + (<usize>from << 2), <usize>stride << 2, 0, act, alpha);
}

/** dst[r, 0..cols) = src[r, 0..cols) for strided rows. */
@inline function copyRows(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j += 4) {
      const k = cols - j;
      storeLanes(cell(dst, r, dstStride, j), loadLanes(cell(src, r, srcStride, j), k), k);
    }
  }
}

/**
 * f'(x) from y = f(x) for the activations a gate may use: relu 1 where y > 0, leakyRelu 1 or
 * alpha, elu 1 or y + alpha, selu scale or y + scale·alpha, sigmoid y(1 − y), tanh 1 − y², softplus
 * 1 − e^−y, relu6 1 inside (0, 6), hardSigmoid its slope inside (0, 1), linear 1.
 */
@inline function slopeFromOutput4(y: v128, act: i32, alpha: f32): v128 {
  const positive = f32x4.gt(y, splat(0));
  switch (act) {
    case ACT_RELU: return v128.and(splat(1), positive);
    case ACT_LEAKY_RELU: return select4(splat(1), splat(alpha), positive);
    case ACT_ELU: return select4(splat(1), f32x4.add(y, splat(alpha)), positive);
    case ACT_SELU: return select4(splat(SELU_SCALE), f32x4.add(y, splat(SELU_SCALE * SELU_ALPHA)), positive);
    case ACT_SIGMOID: return f32x4.mul(y, f32x4.sub(splat(1), y));
    case ACT_TANH: return f32x4.sub(splat(1), f32x4.mul(y, y));
    case ACT_SOFTPLUS: return softplusSlope4(y);
    case ACT_RELU6: return v128.and(splat(1), v128.and(positive, f32x4.lt(y, splat(6))));
    case ACT_HARD_SIGMOID: return v128.and(splat(alpha), v128.and(positive, f32x4.lt(y, splat(1))));
    default: return splat(1); // ACT_LINEAR
  }
}

/** softplus' from its output: 1 − e^−y (kept out of line: the inlined switch stays small). */
@noinline function softplusSlope4(y: v128): v128 {
  return f32x4.neg(expm1_4(f32x4.neg(y)));
}

// ---------- SimpleRNN: h = act(x·W + b + h_prev·U) ----------

/** h[r] = act(pre[r]) for `rows` rows of `units`. */
export function simpleRnnStepForward(pre: usize, preStride: i32, h: usize, hStride: i32, rows: i32, units: i32, act: i32, alpha: f32): void {
  copyRows(pre, preStride, h, hStride, rows, units);
  activateBlock(h, rows, hStride, 0, units, act, alpha);
}

/**
 * dpre[r] = (dhNext[r] + dy[r])·act'(h[r]): the step's state gradient (from the next step, dhNext
 * [rows, units] packed, plus this step's output gradient dy, 0 for none) through its activation.
 */
export function simpleRnnStepBackward(h: usize, hStride: i32, dhNext: usize, dy: usize, dyStride: i32,
  dpre: usize, dpreStride: i32, rows: i32, units: i32, act: i32, alpha: f32): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const dh = f32x4.add(loadLanes(cell(dhNext, r, units, j), k), loadOrZero(dy, r, dyStride, j, k));
      const slope = slopeFromOutput4(loadLanes(cell(h, r, hStride, j), k), act, alpha);
      storeLanes(cell(dpre, r, dpreStride, j), f32x4.mul(dh, slope), k);
    }
  }
}

// ---------- LSTM: gates [i, f, g, o], c = f·c_prev + i·g, h = o·act(c) ----------

/**
 * gates[r] holds the step's pre-activations [i, f, g, o] (4·units) and gets the activations
 * rec(i), rec(f), act(g), rec(o) in place; writes c = f·cPrev + i·g, tc = act(c) (kept for
 * backward) and h = o·tc.
 */
export function lstmStepForward(gates: usize, gStride: i32, cPrev: usize, cPrevStride: i32, c: usize, cStride: i32, tc: usize, tcStride: i32,
  h: usize, hStride: i32, rows: i32, units: i32, act: i32, actAlpha: f32, rec: i32, recAlpha: f32): void {
  const u = units;
  activateBlock(gates, rows, gStride, 0, 2 * u, rec, recAlpha);
  activateBlock(gates, rows, gStride, 2 * u, u, act, actAlpha);
  activateBlock(gates, rows, gStride, 3 * u, u, rec, recAlpha);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const i = loadLanes(cell(gates, r, gStride, j), k);
      const f = loadLanes(cell(gates, r, gStride, u + j), k);
      const g = loadLanes(cell(gates, r, gStride, 2 * u + j), k);
      const cNew = f32x4.add(f32x4.mul(f, loadOrZero(cPrev, r, cPrevStride, j, k)), f32x4.mul(i, g));
      storeLanes(cell(c, r, cStride, j), cNew, k);
      storeLanes(cell(tc, r, tcStride, j), cNew, k);
    }
  }
  activateBlock(tc, rows, tcStride, 0, u, act, actAlpha);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const o = loadLanes(cell(gates, r, gStride, 3 * u + j), k);
      storeLanes(cell(h, r, hStride, j), f32x4.mul(o, loadLanes(cell(tc, r, tcStride, j), k)), k);
    }
  }
}

/**
 * Backward of one LSTM step, tc = act(c) as forward kept it. dh = dhNext + dy (dy: this step's output gradient, 0 for none);
 * dcNext [rows, units] packed holds the cell state's gradient from the next step and gets the one
 * for cPrev (dc·f). The activations in `gates` are replaced by the pre-activations' gradient.
 */
export function lstmStepBackward(gates: usize, gStride: i32, cPrev: usize, cPrevStride: i32, tc: usize, tcStride: i32,
  dhNext: usize, dy: usize, dyStride: i32, dcNext: usize, rows: i32, units: i32, act: i32, actAlpha: f32, rec: i32, recAlpha: f32): void {
  const u = units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const i = loadLanes(cell(gates, r, gStride, j), k);
      const f = loadLanes(cell(gates, r, gStride, u + j), k);
      const g = loadLanes(cell(gates, r, gStride, 2 * u + j), k);
      const o = loadLanes(cell(gates, r, gStride, 3 * u + j), k);
      const dh = f32x4.add(loadLanes(cell(dhNext, r, units, j), k), loadOrZero(dy, r, dyStride, j, k));
      const t = loadLanes(cell(tc, r, tcStride, j), k);
      const dc = f32x4.add(loadLanes(cell(dcNext, r, units, j), k), f32x4.mul(f32x4.mul(dh, o), slopeFromOutput4(t, act, actAlpha)));
      storeLanes(cell(gates, r, gStride, j), f32x4.mul(f32x4.mul(dc, g), slopeFromOutput4(i, rec, recAlpha)), k);
      storeLanes(cell(gates, r, gStride, u + j), f32x4.mul(f32x4.mul(dc, loadOrZero(cPrev, r, cPrevStride, j, k)), slopeFromOutput4(f, rec, recAlpha)), k);
      storeLanes(cell(gates, r, gStride, 2 * u + j), f32x4.mul(f32x4.mul(dc, i), slopeFromOutput4(g, act, actAlpha)), k);
      storeLanes(cell(gates, r, gStride, 3 * u + j), f32x4.mul(f32x4.mul(dh, t), slopeFromOutput4(o, rec, recAlpha)), k);
      storeLanes(cell(dcNext, r, units, j), f32x4.mul(dc, f), k);
    }
  }
}

// ---------- GRU, reset after (Keras 2/3 default): gates [z, r, h] ----------

/**
 * gates[r] holds x·W + b_input [z, r, h] and `inner` [rows, 3·units] packed holds hPrev·U + b_recurrent;
 * gates get z = rec(x_z + inner_z), r = rec(x_r + inner_r), hh = act(x_h + r·inner_h) in place,
 * innerH keeps inner_h for backward, and h = z·hPrev + (1 − z)·hh.
 */
export function gruStepForward(gates: usize, gStride: i32, inner: usize, hPrev: usize, hPrevStride: i32, innerH: usize, innerHStride: i32,
  h: usize, hStride: i32, rows: i32, units: i32, act: i32, actAlpha: f32, rec: i32, recAlpha: f32): void {
  const u = units, u2 = 2 * units, u3 = 3 * units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < u2; j += 4) {
      const k = u2 - j;
      storeLanes(cell(gates, r, gStride, j), f32x4.add(loadLanes(cell(gates, r, gStride, j), k), loadLanes(cell(inner, r, u3, j), k)), k);
    }
  }
  activateBlock(gates, rows, gStride, 0, u2, rec, recAlpha);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const ih = loadLanes(cell(inner, r, u3, u2 + j), k);
      const rg = loadLanes(cell(gates, r, gStride, u + j), k);
      storeLanes(cell(innerH, r, innerHStride, j), ih, k);
      storeLanes(cell(gates, r, gStride, u2 + j), f32x4.add(loadLanes(cell(gates, r, gStride, u2 + j), k), f32x4.mul(rg, ih)), k);
    }
  }
  activateBlock(gates, rows, gStride, u2, u, act, actAlpha);
  mixState(gates, gStride, hPrev, hPrevStride, h, hStride, rows, units);
}

/** h = z·hPrev + (1 − z)·hh from gates' z and hh parts (hh + z·(hPrev − hh), one rounding fewer). */
@inline function mixState(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, h: usize, hStride: i32, rows: i32, units: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const z = loadLanes(cell(gates, r, gStride, j), k);
      const hh = loadLanes(cell(gates, r, gStride, 2 * units + j), k);
      storeLanes(cell(h, r, hStride, j), f32x4.add(hh, f32x4.mul(z, f32x4.sub(loadOrZero(hPrev, r, hPrevStride, j, k), hh))), k);
    }
  }
}

/**
 * Backward of one reset-after GRU step, dh = dhNext + dy. Gates get the gradient of x·W + b_input
 * [dz, dr, dhh]; dInner [rows, 3·units] packed gets that of hPrev·U + b_recurrent [dz, dr, dhh·r];
 * dhNext gets dh·z, the direct part of hPrev's gradient (the caller adds dInner·Uᵀ).
 */
export function gruStepBackward(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, innerH: usize, innerHStride: i32,
  dhNext: usize, dy: usize, dyStride: i32, dInner: usize, rows: i32, units: i32, act: i32, actAlpha: f32, rec: i32, recAlpha: f32): void {
  const u = units, u3 = 3 * units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const z = loadLanes(cell(gates, r, gStride, j), k);
      const rg = loadLanes(cell(gates, r, gStride, u + j), k);
      const hh = loadLanes(cell(gates, r, gStride, 2 * u + j), k);
      const dh = f32x4.add(loadLanes(cell(dhNext, r, units, j), k), loadOrZero(dy, r, dyStride, j, k));
      const hp = loadOrZero(hPrev, r, hPrevStride, j, k);
      const dz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, hh)), slopeFromOutput4(z, rec, recAlpha));
      const dhh = f32x4.mul(f32x4.mul(dh, f32x4.sub(splat(1), z)), slopeFromOutput4(hh, act, actAlpha));
      const dr = f32x4.mul(f32x4.mul(dhh, loadLanes(cell(innerH, r, innerHStride, j), k)), slopeFromOutput4(rg, rec, recAlpha));
      storeLanes(cell(gates, r, gStride, j), dz, k);
      storeLanes(cell(gates, r, gStride, u + j), dr, k);
      storeLanes(cell(gates, r, gStride, 2 * u + j), dhh, k);
      storeLanes(cell(dInner, r, u3, j), dz, k);
      storeLanes(cell(dInner, r, u3, u + j), dr, k);
      storeLanes(cell(dInner, r, u3, 2 * u + j), f32x4.mul(dhh, rg), k);
      storeLanes(cell(dhNext, r, units, j), f32x4.mul(dh, z), k);
    }
  }
}

// ---------- GRU, reset before (TF.js, Keras reset_after=False): hh = act(x_h + (r·hPrev)·U_h) ----------

/**
 * First half of a reset-before GRU step: gates[r] [z, r] (pre-activations, hPrev·U_zr added) get
 * z = rec(·), r = rec(·) in place, and rh [rows, units] packed gets r·hPrev for the U_h product.
 */
export function gruResetGatesForward(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, rh: usize,
  rows: i32, units: i32, rec: i32, recAlpha: f32): void {
  activateBlock(gates, rows, gStride, 0, 2 * units, rec, recAlpha);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      storeLanes(cell(rh, r, units, j), f32x4.mul(loadLanes(cell(gates, r, gStride, units + j), k), loadOrZero(hPrev, r, hPrevStride, j, k)), k);
    }
  }
}

/** Second half: gates' h part (x_h + b_h + rh·U_h) gets hh = act(·) in place; h = z·hPrev + (1 − z)·hh. */
export function gruResetOutputForward(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, h: usize, hStride: i32,
  rows: i32, units: i32, act: i32, actAlpha: f32): void {
  activateBlock(gates, rows, gStride, 2 * units, units, act, actAlpha);
  mixState(gates, gStride, hPrev, hPrevStride, h, hStride, rows, units);
}

/**
 * First half of a reset-before GRU step's backward, dh = dhNext + dy: gates' z part gets dz, its h
 * part dhh (the gradient of x_h + rh·U_h); dhNext gets dh·z. The r part is left for the second half.
 */
export function gruResetOutputBackward(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, dhNext: usize, dy: usize, dyStride: i32,
  rows: i32, units: i32, act: i32, actAlpha: f32, rec: i32, recAlpha: f32): void {
  const u = units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const z = loadLanes(cell(gates, r, gStride, j), k);
      const hh = loadLanes(cell(gates, r, gStride, 2 * u + j), k);
      const dh = f32x4.add(loadLanes(cell(dhNext, r, units, j), k), loadOrZero(dy, r, dyStride, j, k));
      const hp = loadOrZero(hPrev, r, hPrevStride, j, k);
      storeLanes(cell(gates, r, gStride, j), f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, hh)), slopeFromOutput4(z, rec, recAlpha)), k);
      storeLanes(cell(gates, r, gStride, 2 * u + j), f32x4.mul(f32x4.mul(dh, f32x4.sub(splat(1), z)), slopeFromOutput4(hh, act, actAlpha)), k);
      storeLanes(cell(dhNext, r, units, j), f32x4.mul(dh, z), k);
    }
  }
}

/**
 * Second half. rh [rows, units] packed holds dRh = dhh·U_hᵀ (the gradient of r·hPrev) on entry and
 * r·hPrev on return (for U_h's gradient); gates' r part gets dr = dRh·hPrev·rec'(r), dhNext adds dRh·r.
 */
export function gruResetGatesBackward(gates: usize, gStride: i32, hPrev: usize, hPrevStride: i32, rh: usize, dhNext: usize,
  rows: i32, units: i32, rec: i32, recAlpha: f32): void {
  const u = units;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j += 4) {
      const k = units - j;
      const rg = loadLanes(cell(gates, r, gStride, u + j), k);
      const hp = loadOrZero(hPrev, r, hPrevStride, j, k);
      const d = loadLanes(cell(rh, r, units, j), k);
      storeLanes(cell(gates, r, gStride, u + j), f32x4.mul(f32x4.mul(d, hp), slopeFromOutput4(rg, rec, recAlpha)), k);
      storeLanes(cell(dhNext, r, units, j), f32x4.add(loadLanes(cell(dhNext, r, units, j), k), f32x4.mul(d, rg)), k);
      storeLanes(cell(rh, r, units, j), f32x4.mul(rg, hp), k);
    }
  }
}
