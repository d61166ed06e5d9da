// Margin losses (Keras hinge, squared_hinge, categorical_hinge). Each returns the f64 sum of its
// terms, writes gradScale·∂term/∂pred where grad ≠ 0 (grad may alias pred) and each term where
// terms ≠ 0. Hinge labels are −1 or 1; a label 0 counts as −1, which is Keras's conversion of
// 0/1 labels (2y − 1) whenever a batch holds only 0s and 1s (the caller refuses −1 and 0 together).
import { addWide, at, fillTail, hmax, loadLanes, select4, splat, storeLanes, wideTotal } from './math';

/** The hinge label: 0 read as −1. */
@inline function hingeLabel(y: v128): v128 {
  return select4(splat(-1), y, f32x4.eq(y, splat(0)));
}

/** Σ max(1 − y·p, 0); grad = −gradScale·y where the margin is violated, else 0. */
export function hinge(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(-gradScale);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const y = hingeLabel(loadLanes(at(labels, i), k));
    const m = f32x4.max(f32x4.sub(splat(1), f32x4.mul(y, loadLanes(at(pred, i), k))), splat(0));
    if (terms != 0) storeLanes(at(terms, i), m, k);
    if (grad != 0) storeLanes(at(grad, i), v128.and(f32x4.mul(gs, y), f32x4.gt(m, splat(0))), k);
    acc = addWide(acc, fillTail(m, k, 0));
  }
  return wideTotal(acc);
}

/** Σ max(1 − y·p, 0)²; grad = −2·gradScale·y·max(1 − y·p, 0). */
export function squaredHinge(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(-2 * gradScale);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const y = hingeLabel(loadLanes(at(labels, i), k));
    const m = f32x4.max(f32x4.sub(splat(1), f32x4.mul(y, loadLanes(at(pred, i), k))), splat(0));
    const term = f32x4.mul(m, m);
    if (terms != 0) storeLanes(at(terms, i), term, k);
    if (grad != 0) storeLanes(at(grad, i), f32x4.mul(gs, f32x4.mul(y, m)), k);
    acc = addWide(acc, fillTail(term, k, 0));
  }
  return wideTotal(acc);
}

/**
 * Keras categorical hinge per row: max(neg − pos + 1, 0) with pos = Σ y·p and neg = max_j (1 − y_j)·p_j.
 * Where the row's loss is positive, grad_j = gradScale·(−y_j + (j = first argmax of neg ? 1 − y_j : 0)).
 */
export function categoricalHinge(pred: usize, labels: usize, grad: usize, rows: i32, cols: i32, gradScale: f32, terms: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const p = at(pred, o), y = at(labels, o);
    let posAcc = f64x2.splat(0), negMax = splat(-Infinity);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const pv = loadLanes(at(p, i), k), yv = loadLanes(at(y, i), k);
      posAcc = addWide(posAcc, f32x4.mul(yv, pv));
      negMax = f32x4.max(negMax, fillTail(f32x4.mul(f32x4.sub(splat(1), yv), pv), k, -Infinity));
    }
    const neg = hmax(negMax);
    const rowLoss = Math.max(<f64>neg - wideTotal(posAcc) + 1, 0);
    total += rowLoss;
    if (terms != 0) store<f32>(at(terms, r), <f32>rowLoss);
    if (grad == 0) continue;
    const active = rowLoss > 0;
    const gs = splat(active ? -gradScale : 0), g = at(grad, o);
    let first = -1;
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const yv = loadLanes(at(y, i), k);
      if (first < 0) { // before the store below: grad may alias pred
        const hit = i32x4.bitmask(f32x4.eq(f32x4.mul(f32x4.sub(splat(1), yv), loadLanes(at(p, i), k)), splat(neg)));
        const bits = k < 4 ? hit & ((1 << k) - 1) : hit;
        if (bits != 0) first = i + ctz(bits);
      }
      storeLanes(at(g, i), f32x4.mul(gs, yv), k);
    }
    if (active && first >= 0) store<f32>(at(g, first), load<f32>(at(g, first)) + gradScale * (<f32>1 - load<f32>(at(y, first))));
  }
  return total;
}
