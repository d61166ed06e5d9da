// Per-sample weights (Keras sample_weight / class_weight) on a loss already computed term by term:
// one call per batch, after the loss kernel wrote its terms and its unweighted gradient.
import { addWide, at, loadLanes, splat, storeLanes, wideTotal } from './math';

/**
 * Returns Σ_s w_s·(Σ of sample s's termsPerSample loss terms) in f64 and, when grad ≠ 0, scales
 * sample s's gradPerSample gradient values by w_s. A zero weight leaves its sample out: it adds
 * nothing to the sum and its gradient becomes exactly 0, even where its loss was not finite.
 */
export function weightSamples(terms: usize, weights: usize, grad: usize,
  samples: i32, termsPerSample: i32, gradPerSample: i32): f64 {
  let total: f64 = 0;
  for (let s = 0; s < samples; s++) {
    const w = load<f32>(at(weights, s));
    if (grad != 0) scaleBlock(at(grad, s * gradPerSample), gradPerSample, w);
    if (w == 0) continue;
    const t = at(terms, s * termsPerSample);
    let acc = f64x2.splat(0);
    for (let i = 0; i < termsPerSample; i += 4) acc = addWide(acc, loadLanes(at(t, i), termsPerSample - i));
    total += <f64>w * wideTotal(acc);
  }
  return total;
}

/** x[0..n) ← w·x, or exactly 0 when w is 0 (so 0·∞ leaves no NaN behind). */
function scaleBlock(x: usize, n: i32, w: f32): void {
  const wv = splat(w), zero = w == 0;
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(x, i), zero ? splat(0) : f32x4.mul(loadLanes(at(x, i), k), wv), k);
  }
}
