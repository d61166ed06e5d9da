// Regression losses, Keras formulas element by element (cosine similarity row by row). Each returns
// the f64 sum of its terms, writes gradScale·∂term/∂pred where grad ≠ 0 (grad may alias pred: each
// lane is read before it is written) and each term where terms ≠ 0, as the kernels of loss.ts.
import { expm1Lanes, log1pLanes } from './loss-lanes';
import { addWide, at, fillTail, loadLanes, select4, splat, storeLanes, wideTotal } from './math';

// Keras's epsilon, as f32 like Keras computes it.
const EPS: f32 = 1e-7;
const LN2: f32 = 0.693147180559945309;
// Past |x| = 9, log cosh x = |x| − ln 2 + log1p(e^−2|x|) and the last term (< 1.6e-8) is below
// half an ulp of |x| − ln 2; tanh |x| rounds to within an ulp of 1.
const LOGCOSH_LINEAR: f32 = 9;

/** sign(d): ±1, and 0 at 0 (TF's gradient of |d|). */
@inline function sign4(d: v128): v128 {
  const one = v128.or(splat(1), v128.and(d, i32x4.splat(0x80000000)));
  return v128.and(one, v128.not(f32x4.eq(d, splat(0))));
}

/** Stores the term and the gradient of one block of lanes and returns the accumulator with the term added. */
@inline function finish(acc: v128, term: v128, g: v128, i: i32, k: i32, grad: usize, terms: usize): v128 {
  if (terms != 0) storeLanes(at(terms, i), term, k);
  if (grad != 0) storeLanes(at(grad, i), g, k);
  return addWide(acc, fillTail(term, k, 0));
}

/** Σ |p − y|; grad = gradScale·sign(p − y). */
export function meanAbsoluteError(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const d = f32x4.sub(loadLanes(at(pred, i), k), loadLanes(at(labels, i), k));
    acc = finish(acc, f32x4.abs(d), f32x4.mul(gs, sign4(d)), i, k, grad, terms);
  }
  return wideTotal(acc);
}

/** Σ 100·|y − p| / max(|y|, EPS); grad = gradScale·100·sign(p − y) / max(|y|, EPS). */
export function meanAbsolutePercentageError(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const y = loadLanes(at(labels, i), k);
    const d = f32x4.sub(loadLanes(at(pred, i), k), y);
    const scale = f32x4.div(splat(100), f32x4.max(f32x4.abs(y), splat(EPS)));
    acc = finish(acc, f32x4.mul(f32x4.abs(d), scale), f32x4.mul(gs, f32x4.mul(sign4(d), scale)), i, k, grad, terms);
  }
  return wideTotal(acc);
}

/**
 * Σ (log(p' + 1) − log(y' + 1))², p' = max(p, EPS), y' = max(y, EPS), the difference taken as
 * log1p((p' − y')/(1 + y')) so it keeps its relative accuracy when p ≈ y; grad = gradScale·2a/(1 + p')
 * where p ≥ EPS, 0 where the clip holds p.
 */
export function meanSquaredLogarithmicError(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs2 = splat(gradScale * 2), one = splat(1), eps = splat(EPS);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const raw = loadLanes(at(pred, i), k);
    const p = f32x4.max(raw, eps), y = f32x4.max(loadLanes(at(labels, i), k), eps);
    const yp1 = f32x4.add(y, one);
    const a = log1pLanes(f32x4.div(f32x4.sub(p, y), yp1));
    const g = v128.and(f32x4.div(f32x4.mul(gs2, a), f32x4.add(p, one)), f32x4.ge(raw, eps));
    acc = finish(acc, f32x4.mul(a, a), g, i, k, grad, terms);
  }
  return wideTotal(acc);
}

/** Σ Huber(p − y): e²/2 where |e| ≤ delta, else delta·|e| − delta²/2; grad = gradScale·clip(e, −delta, delta). */
export function huber(pred: usize, labels: usize, grad: usize, n: i32, delta: f32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale), dv = splat(delta), half = splat(0.5), halfDelta2 = splat(<f32>0.5 * delta * delta);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const e = f32x4.sub(loadLanes(at(pred, i), k), loadLanes(at(labels, i), k));
    const ae = f32x4.abs(e);
    const term = select4(f32x4.mul(half, f32x4.mul(e, e)), f32x4.sub(f32x4.mul(dv, ae), halfDelta2), f32x4.le(ae, dv));
    const g = f32x4.mul(gs, f32x4.min(f32x4.max(e, f32x4.neg(dv)), dv));
    acc = finish(acc, term, g, i, k, grad, terms);
  }
  return wideTotal(acc);
}

/**
 * Σ log cosh(p − y) to a few ulps everywhere: with u = e^|x| − 1, cosh x − 1 = u²/(2(1 + u)) has
 * no cancellation, so log cosh x = log1p(u²/(2(1 + u))) (Keras's x + softplus(−2x) − log 2 loses
 * the relative accuracy of small terms); past |x| = 9 it is |x| − ln 2. grad = gradScale·tanh x,
 * with tanh |x| = u(u + 2)/(u(u + 2) + 2) from the same u.
 */
export function logCosh(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale), one = splat(1), two = splat(2), limit = splat(LOGCOSH_LINEAR);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const x = f32x4.sub(loadLanes(at(pred, i), k), loadLanes(at(labels, i), k));
    const ax = f32x4.abs(x);
    const u = expm1Lanes(f32x4.min(ax, limit));
    const near = log1pLanes(f32x4.div(f32x4.mul(u, u), f32x4.mul(two, f32x4.add(one, u))));
    const term = select4(near, f32x4.sub(ax, splat(LN2)), f32x4.le(ax, limit));
    const w = f32x4.mul(u, f32x4.add(u, two));
    const tanh = v128.or(f32x4.div(w, f32x4.add(w, two)), v128.and(x, i32x4.splat(0x80000000)));
    acc = finish(acc, term, f32x4.mul(gs, tanh), i, k, grad, terms);
  }
  return wideTotal(acc);
}

/** Σ over the cols values at a and b of a·b, in f64. */
function dot(a: usize, b: usize, cols: i32): f64 {
  let acc = f64x2.splat(0);
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    acc = addWide(acc, f32x4.mul(loadLanes(at(a, i), k), loadLanes(at(b, i), k)));
  }
  return wideTotal(acc);
}

/**
 * Keras cosine similarity loss per row: −Σ ŷ·p̂ with x̂ = x / max(‖x‖, EPS). Sums in f64. With
 * c = ŷ·p̂ the gradient is −(ŷ − c·p̂)/‖p‖ while ‖p‖ > EPS, and −ŷ/EPS where the floor holds ‖p‖.
 */
export function cosineSimilarity(pred: usize, labels: usize, grad: usize, rows: i32, cols: i32, gradScale: f32, terms: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const p = at(pred, o), y = at(labels, o);
    const pNorm = Math.sqrt(dot(p, p, cols)), yNorm = Math.sqrt(dot(y, y, cols));
    const pn = Math.max(pNorm, <f64>EPS), yn = Math.max(yNorm, <f64>EPS);
    const c = dot(y, p, cols) / (pn * yn);
    total -= c;
    if (terms != 0) store<f32>(at(terms, r), <f32>-c);
    if (grad == 0) continue;
    // g = −y/(‖y‖·‖p‖) + c·p/‖p‖², the second part only while the floor does not hold ‖p‖.
    const gy = splat(<f32>(-<f64>gradScale / (yn * pn)));
    const gp = splat(pNorm > <f64>EPS ? <f32>(<f64>gradScale * c / (pn * pn)) : 0);
    const g = at(grad, o);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const v = f32x4.add(f32x4.mul(gy, loadLanes(at(y, i), k)), f32x4.mul(gp, loadLanes(at(p, i), k)));
      storeLanes(at(g, i), v, k);
    }
  }
  return total;
}
