// Batch normalisation over the last (channel) axis of x viewed as [rows, c]: rows = N·H·W for
// NHWC feature maps, rows = N for dense [N, C]. Per-channel vectors are [c]; gamma/beta may be 0
// (no scale / no centre, as Keras scale=false / center=false), meaning γ = 1 / β = 0.
// Statistics are two-pass (mean, then centred squares) so a large mean does not cancel the variance.
import { addRun, at, scaleRun, zeroRun } from './nhwc';

/** Four per-channel values from [ch, ch+4), or `fallback` in each lane when the pointer is 0. */
@inline function vecOr(p: usize, ch: i32, fallback: f32): v128 {
  return p ? v128.load(at(p, ch)) : f32x4.splat(fallback);
}

/** The per-channel value at ch, or `fallback` when the pointer is 0. */
@inline function scalarOr(p: usize, ch: i32, fallback: f32): f32 {
  return p ? load<f32>(at(p, ch)) : fallback;
}

/**
 * Training forward: mean, variance (biased, as Keras) and invStd = 1/√(variance + ε) per channel
 * over the rows of x [rows, c]; xhat = (x − mean)·invStd (saved for backward); y = γ·xhat + β.
 * y may alias x; xhat must not alias y; the [c] outputs alias nothing.
 */
export function batchNormForwardTrain(
  x: usize, gamma: usize, beta: usize, y: usize, xhat: usize,
  mean: usize, variance: usize, invStd: usize, rows: i32, c: i32, epsilon: f32,
): void {
  const body = c & ~3;
  const invRows = <f32>1 / <f32>rows;
  zeroRun(mean, c);
  for (let r = 0; r < rows; r++) addRun(mean, at(x, r * c), c);
  scaleRun(mean, mean, invRows, c);
  zeroRun(variance, c);
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * c);
    let ch = 0;
    for (; ch < body; ch += 4) {
      const d = f32x4.sub(v128.load(at(row, ch)), v128.load(at(mean, ch)));
      v128.store(at(variance, ch), f32x4.add(v128.load(at(variance, ch)), f32x4.mul(d, d)));
    }
    for (; ch < c; ch++) {
      const d = load<f32>(at(row, ch)) - load<f32>(at(mean, ch));
      store<f32>(at(variance, ch), load<f32>(at(variance, ch)) + d * d);
    }
  }
  scaleRun(variance, variance, invRows, c);
  for (let ch = 0; ch < c; ch++) store<f32>(at(invStd, ch), <f32>1 / Mathf.sqrt(load<f32>(at(variance, ch)) + epsilon));
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    let ch = 0;
    for (; ch < body; ch += 4) {
      const h = f32x4.mul(f32x4.sub(v128.load(at(x, off + ch)), v128.load(at(mean, ch))), v128.load(at(invStd, ch)));
      v128.store(at(xhat, off + ch), h);
      v128.store(at(y, off + ch), f32x4.add(f32x4.mul(vecOr(gamma, ch, 1), h), vecOr(beta, ch, 0)));
    }
    for (; ch < c; ch++) {
      const h = (load<f32>(at(x, off + ch)) - load<f32>(at(mean, ch))) * load<f32>(at(invStd, ch));
      store<f32>(at(xhat, off + ch), h);
      store<f32>(at(y, off + ch), scalarOr(gamma, ch, 1) * h + scalarOr(beta, ch, 0));
    }
  }
}

/**
 * Training backward from dy [rows, c] and the forward's xhat and invStd: dbeta = Σ dy,
 * dgamma = Σ dy·xhat (both [c], always written, overwritten), and
 * dx (+)= γ·invStd·(dy − (dbeta + xhat·dgamma)/rows). dx may alias dy or xhat.
 */
export function batchNormBackward(
  dy: usize, xhat: usize, gamma: usize, invStd: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, c: i32, accumulate: i32,
): void {
  const body = c & ~3;
  zeroRun(dbeta, c);
  zeroRun(dgamma, c);
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    addRun(dbeta, at(dy, off), c);
    let ch = 0;
    for (; ch < body; ch += 4) {
      const prod = f32x4.mul(v128.load(at(dy, off + ch)), v128.load(at(xhat, off + ch)));
      v128.store(at(dgamma, ch), f32x4.add(v128.load(at(dgamma, ch)), prod));
    }
    for (; ch < c; ch++) store<f32>(at(dgamma, ch), load<f32>(at(dgamma, ch)) + load<f32>(at(dy, off + ch)) * load<f32>(at(xhat, off + ch)));
  }
  const invRows = <f32>1 / <f32>rows;
  const vInvRows = f32x4.splat(invRows);
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    let ch = 0;
    for (; ch < body; ch += 4) {
      const k = f32x4.mul(vecOr(gamma, ch, 1), v128.load(at(invStd, ch)));
      const mix = f32x4.add(v128.load(at(dbeta, ch)), f32x4.mul(v128.load(at(xhat, off + ch)), v128.load(at(dgamma, ch))));
      let g = f32x4.mul(k, f32x4.sub(v128.load(at(dy, off + ch)), f32x4.mul(mix, vInvRows)));
      if (accumulate) g = f32x4.add(g, v128.load(at(dx, off + ch)));
      v128.store(at(dx, off + ch), g);
    }
    for (; ch < c; ch++) {
      const k = scalarOr(gamma, ch, 1) * load<f32>(at(invStd, ch));
      const mix = load<f32>(at(dbeta, ch)) + load<f32>(at(xhat, off + ch)) * load<f32>(at(dgamma, ch));
      let g = k * (load<f32>(at(dy, off + ch)) - mix * invRows);
      if (accumulate) g += load<f32>(at(dx, off + ch));
      store<f32>(at(dx, off + ch), g);
    }
  }
}

/**
 * Inference: y = γ·(x − movingMean)/√(movingVariance + ε) + β for x [rows, c]. scratch: 2·c floats
 * (the folded per-channel scale and shift). y may alias x.
 */
export function batchNormInference(
  x: usize, y: usize, movingMean: usize, movingVariance: usize, gamma: usize, beta: usize,
  scratch: usize, rows: i32, c: i32, epsilon: f32,
): void {
  const scale = scratch, shift = at(scratch, c);
  for (let ch = 0; ch < c; ch++) {
    const s = scalarOr(gamma, ch, 1) / Mathf.sqrt(load<f32>(at(movingVariance, ch)) + epsilon);
    store<f32>(at(scale, ch), s);
    store<f32>(at(shift, ch), scalarOr(beta, ch, 0) - load<f32>(at(movingMean, ch)) * s);
  }
  const body = c & ~3;
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    let ch = 0;
    for (; ch < body; ch += 4) {
      const v = f32x4.add(f32x4.mul(v128.load(at(x, off + ch)), v128.load(at(scale, ch))), v128.load(at(shift, ch)));
      v128.store(at(y, off + ch), v);
    }
    for (; ch < c; ch++) store<f32>(at(y, off + ch), load<f32>(at(x, off + ch)) * load<f32>(at(scale, ch)) + load<f32>(at(shift, ch)));
  }
}

/** moving = momentum·moving + (1 − momentum)·batch, for mean and variance [c] (Keras update). */
export function batchNormUpdateMoving(
  movingMean: usize, movingVariance: usize, batchMean: usize, batchVariance: usize, c: i32, momentum: f32,
): void {
  const keep = momentum, take = <f32>1 - momentum;
  for (let ch = 0; ch < c; ch++) {
    store<f32>(at(movingMean, ch), keep * load<f32>(at(movingMean, ch)) + take * load<f32>(at(batchMean, ch)));
    store<f32>(at(movingVariance, ch), keep * load<f32>(at(movingVariance, ch)) + take * load<f32>(at(batchVariance, ch)));
  }
}
