// Probabilistic losses (Keras kl_divergence, poisson). Each returns the f64 sum of its terms,
// writes gradScale·∂term/∂pred where grad ≠ 0 (grad may alias pred) and each term where terms ≠ 0.
import { logLanes } from './loss-lanes';
import { addWide, at, fillTail, loadLanes, splat, storeLanes, wideTotal } from './math';

// Keras's epsilon, as f32 like Keras computes it.
const EPS: f32 = 1e-7;

/**
 * Keras KL divergence per row: Σ y'·(log y' − log p'), y' and p' clipped to [EPS, 1] (Keras writes
 * log(y'/p'); the difference of logs keeps each term's accuracy when y' ≈ p' ≈ 1). grad =
 * −gradScale·y'/p' where p lies in [EPS, 1], 0 where the clip holds it (TF's clip gradient).
 */
export function kullbackLeiblerDivergence(pred: usize, labels: usize, grad: usize, rows: i32, cols: i32, gradScale: f32, terms: usize): f64 {
  const eps = splat(EPS), one = splat(1), gs = splat(-gradScale);
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let acc = f64x2.splat(0);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const raw = loadLanes(at(pred, o + i), k);
      const p = f32x4.min(f32x4.max(raw, eps), one);
      const y = f32x4.min(f32x4.max(loadLanes(at(labels, o + i), k), eps), one);
      acc = addWide(acc, fillTail(f32x4.mul(y, f32x4.sub(logLanes(y), logLanes(p))), k, 0));
      if (grad != 0) {
        const inside = v128.and(f32x4.ge(raw, eps), f32x4.le(raw, one));
        storeLanes(at(grad, o + i), v128.and(f32x4.div(f32x4.mul(gs, y), p), inside), k);
      }
    }
    const rowLoss = wideTotal(acc);
    total += rowLoss;
    if (terms != 0) store<f32>(at(terms, r), <f32>rowLoss);
  }
  return total;
}

/**
 * Σ p − y·log(p + EPS); grad = gradScale·(1 − y/(p + EPS)). A prediction p ≤ −EPS has no
 * logarithm: its term is NaN, as in Keras (the caller says what to do about it).
 */
export function poisson(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale), eps = splat(EPS), one = splat(1);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const p = loadLanes(at(pred, i), k), y = loadLanes(at(labels, i), k);
    const shifted = f32x4.add(p, eps);
    const term = f32x4.sub(p, f32x4.mul(y, logLanes(shifted)));
    if (terms != 0) storeLanes(at(terms, i), term, k);
    if (grad != 0) storeLanes(at(grad, i), f32x4.mul(gs, f32x4.sub(one, f32x4.div(y, shifted))), k);
    acc = addWide(acc, fillTail(term, k, 0));
  }
  return wideTotal(acc);
}
