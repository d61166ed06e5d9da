// Losses: each returns the f64 SUM of per-sample (or per-element) losses; the façade divides.
// `grad` may be 0 for "no gradient"; gradients are multiplied by gradScale. Gradients are
// written element by element after that element is read, so grad may alias an input.
// `terms` may be 0; otherwise each row's (or element's) loss is written there as f32, for
// per-sample weights (sample-weights.ts). The cross-entropies take Keras's label smoothing: dense
// labels enter as y·(1 − s) + s/K (categorical, K classes) or y·(1 − s) + s/2 (binary); at s = 0
// that is y exactly, so s = 0 computes what it did before smoothing existed. The fused ones on
// logits take `probs` = 0 when the activated values are not wanted (Keras from_logits).
import {
  addWide, at, countLanes, exp4, expShifted, fillTail, hsum, loadLanes,
  rowArgmax, rowMax, sigmoid4, splat, storeLanes, wideTotal,
} from './math';
import { log1pLanes, logLanes } from './loss-lanes';

// Keras' epsilon and the clip range for probabilities, both as f32 like Keras computes them.
const EPS: f32 = 1e-7;
const ONE_MINUS_EPS: f32 = <f32>1 - EPS;

/**
 * The softmax normalisation p·inv of the exponentials at p, kept at p when `keep`; if g ≠ 0,
 * g = gradScale·(p·inv·ySum − y'), y' the smoothed label (y·a + b), y = 0 meaning "no labels".
 * p may equal g (then keep is false): each lane is read before it is written.
 */
function finishSoftmaxRow(p: usize, y: usize, g: usize, cols: i32, inv: f32, ySum: f32, gradScale: f32,
  a: f32, b: f32, keep: bool): void {
  const iv = splat(inv), ys = splat(ySum), gs = splat(gradScale);
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    const pv = f32x4.mul(loadLanes(at(p, i), k), iv);
    if (keep) storeLanes(at(p, i), pv, k);
    if (g != 0) {
      const target = y != 0 ? smoothed(loadLanes(at(y, i), k), a, b, k) : splat(0);
      storeLanes(at(g, i), f32x4.mul(gs, f32x4.sub(f32x4.mul(pv, ys), target)), k);
    }
  }
}

/** y·a + b in the first k lanes, 0 beyond (padded lanes must add nothing). At a = 1, b = 0 it is y. */
@inline function smoothed(y: v128, a: f32, b: f32, k: i32): v128 {
  return fillTail(f32x4.add(f32x4.mul(y, splat(a)), splat(b)), k, 0);
}

/** Where a row's exponentials go: probs if kept, else the gradient, else nowhere (sum only). */
@inline function expTarget(probs: usize, grad: usize, o: i32): usize {
  return probs != 0 ? at(probs, o) : grad != 0 ? at(grad, o) : 0;
}

/**
 * Softmax + cross-entropy on logits with (possibly soft) label rows smoothed by `smoothing`.
 * probs may equal logits, or be 0 (not written). Row loss Σ_j y'_j·(max − z_j) + Σ_j y'_j · log Σ e^(z−max):
 * both terms ≥ 0 for labels ≥ 0, so nothing cancels.
 */
export function softmaxCrossEntropy(logits: usize, labels: usize, probs: usize, grad: usize,
  rows: i32, cols: i32, smoothing: f32, gradScale: f32, terms: usize): f64 {
  const a: f32 = <f32>1 - smoothing, b: f32 = smoothing / <f32>cols;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const z = at(logits, o), y = at(labels, o), p = expTarget(probs, grad, o);
    const max = rowMax(z, cols);
    const mv = splat(max);
    let yAcc = splat(0), lossAcc = splat(0);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const yv = smoothed(loadLanes(at(y, i), k), a, b, k);
      yAcc = f32x4.add(yAcc, yv);
      lossAcc = f32x4.add(lossAcc, f32x4.mul(yv, f32x4.sub(mv, loadLanes(at(z, i), k))));
    }
    const ySum = hsum(yAcc);
    const sum = expShifted(z, p, cols, max);
    const rowLoss = <f64>hsum(lossAcc) + <f64>ySum * <f64>logOne(sum);
    total += rowLoss;
    if (terms != 0) store<f32>(at(terms, r), <f32>rowLoss);
    if (p != 0) finishSoftmaxRow(p, y, grad != 0 ? at(grad, o) : 0, cols, <f32>1 / sum, ySum, gradScale, a, b, probs != 0);
  }
  return total;
}

/**
 * As softmaxCrossEntropy with one f32 class index per row (probs may be 0; no smoothing, as
 * Keras's sparse loss has none); an out-of-range label gives a NaN loss.
 */
export function sparseSoftmaxCrossEntropy(logits: usize, labels: usize, probs: usize, grad: usize,
  rows: i32, cols: i32, gradScale: f32, terms: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const z = at(logits, o), p = expTarget(probs, grad, o), g = grad != 0 ? at(grad, o) : 0;
    const label = classIndex(load<f32>(at(labels, r)), cols);
    const max = rowMax(z, cols);
    const zLabel = label >= 0 ? load<f32>(at(z, label)) : <f32>NaN; // read before probs overwrite z
    const sum = expShifted(z, p, cols, max);
    const rowLoss = <f64>(max - zLabel) + <f64>logOne(sum);
    total += rowLoss;
    if (terms != 0) store<f32>(at(terms, r), <f32>rowLoss);
    if (p != 0) finishSoftmaxRow(p, 0, g, cols, <f32>1 / sum, 1, gradScale, 1, 0, probs != 0);
    if (g != 0 && label >= 0) store<f32>(at(g, label), load<f32>(at(g, label)) - gradScale);
  }
  return total;
}

/** Scalar log through the shared lane-wise log (as math.ts's logScalar, without another inlined copy). */
@inline function logOne(x: f32): f32 {
  return f32x4.extract_lane(logLanes(splat(x)), 0);
}

/** The class a f32 label names, or −1 if it is not an integer in [0, cols). */
@inline function classIndex(label: f32, cols: i32): i32 {
  const k = <i32>label;
  return <f32>k == label && k >= 0 && k < cols ? k : -1;
}

/** Σ of the cols values at x. */
function rowSum(x: usize, cols: i32): f32 {
  let acc = splat(0);
  for (let i = 0; i < cols; i += 4) acc = f32x4.add(acc, loadLanes(at(x, i), cols - i));
  return hsum(acc);
}

/** Lanes where clip(q, EPS, 1 − EPS) lets the gradient through (TF: zero only strictly outside). */
@inline function insideClip(q: v128): v128 {
  return v128.not(v128.or(f32x4.lt(q, splat(EPS)), f32x4.gt(q, splat(ONE_MINUS_EPS))));
}

@inline function clip(q: v128): v128 {
  return f32x4.min(f32x4.max(q, splat(EPS)), splat(ONE_MINUS_EPS));
}

/**
 * Keras categorical cross-entropy on probabilities: q = x / Σx, clipped to [EPS, 1 − EPS],
 * loss −Σ y' log q (y' the smoothed labels). With U = Σ y' over unclipped entries the exact
 * gradient with respect to x is dL/dx_i = ((unclipped_i ? −y'_i/q_i : 0) + U) / Σx.
 */
export function categoricalCrossentropy(probs: usize, labels: usize, grad: usize,
  rows: i32, cols: i32, smoothing: f32, gradScale: f32, terms: usize): f64 {
  const a: f32 = <f32>1 - smoothing, b: f32 = smoothing / <f32>cols;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const x = at(probs, o), y = at(labels, o);
    const inv = <f32>1 / rowSum(x, cols);
    const iv = splat(inv);
    let lossAcc = splat(0), uAcc = splat(0);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const q = f32x4.mul(loadLanes(at(x, i), k), iv), yv = smoothed(loadLanes(at(y, i), k), a, b, k);
      lossAcc = f32x4.sub(lossAcc, f32x4.mul(yv, logLanes(clip(q))));
      uAcc = f32x4.add(uAcc, v128.and(yv, insideClip(q)));
    }
    const rowLoss = hsum(lossAcc);
    total += <f64>rowLoss;
    if (terms != 0) store<f32>(at(terms, r), rowLoss);
    if (grad == 0) continue;
    const u = splat(hsum(uAcc)), scale = splat(gradScale * inv), g = at(grad, o);
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const q = f32x4.mul(loadLanes(at(x, i), k), iv);
      const own = v128.and(f32x4.div(f32x4.neg(smoothed(loadLanes(at(y, i), k), a, b, k)), q), insideClip(q));
      storeLanes(at(g, i), f32x4.mul(scale, f32x4.add(own, u)), k);
    }
  }
  return total;
}

/** As categoricalCrossentropy with one f32 class index per row (one-hot y). */
export function sparseCategoricalCrossentropy(probs: usize, labels: usize, grad: usize,
  rows: i32, cols: i32, gradScale: f32, terms: usize): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const x = at(probs, o);
    const label = classIndex(load<f32>(at(labels, r)), cols);
    const inv = <f32>1 / rowSum(x, cols);
    const q: f32 = label >= 0 ? load<f32>(at(x, label)) * inv : <f32>NaN;
    const inside = q >= EPS && q <= ONE_MINUS_EPS;
    const rowLoss = -logOne(min(max(q, EPS), ONE_MINUS_EPS));
    total += <f64>rowLoss;
    if (terms != 0) store<f32>(at(terms, r), rowLoss);
    if (grad == 0) continue;
    // Every entry gets U/Σx (U = 1 if the label's entry is unclipped); the label's adds −1/(q·Σx).
    const g = at(grad, o), scale = inside ? gradScale * inv : 0;
    fillFloats(g, cols, scale);
    if (label >= 0) store<f32>(at(g, label), scale - (inside ? scale / q : 0));
  }
  return total;
}

/** n floats at x set to value. */
function fillFloats(x: usize, n: i32, value: f32): void {
  const v = splat(value);
  for (let i = 0; i < n; i += 4) storeLanes(at(x, i), v, n - i);
}

/**
 * Sigmoid + binary cross-entropy on logits, per element: max(z,0) − z·y' + log(1 + e^−|z|), y' the
 * smoothed label. probs = sigmoid(z) unless probs is 0; grad = gradScale·(p − y').
 */
export function sigmoidBinaryCrossentropy(logits: usize, labels: usize, probs: usize, grad: usize,
  n: i32, smoothing: f32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale), a = <f32>1 - smoothing, b = <f32>0.5 * smoothing;
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const z = loadLanes(at(logits, i), k), y = smoothed(loadLanes(at(labels, i), k), a, b, k);
    const softplusNegAbs = log1pLanes(exp4(f32x4.neg(f32x4.abs(z))));
    const loss = f32x4.add(f32x4.sub(f32x4.max(z, splat(0)), f32x4.mul(z, y)), softplusNegAbs);
    acc = addWide(acc, fillTail(loss, k, 0));
    if (terms != 0) storeLanes(at(terms, i), loss, k);
    const p = sigmoid4(z);
    if (grad != 0) storeLanes(at(grad, i), f32x4.mul(gs, f32x4.sub(p, y)), k);
    if (probs != 0) storeLanes(at(probs, i), p, k);
  }
  return wideTotal(acc);
}

/**
 * Binary cross-entropy on probabilities clipped to [EPS, 1 − EPS], per element, y' the smoothed
 * label: −(y' log p + (1−y') log(1−p)); grad = gradScale·(p − y')/(p(1 − p)) inside the clip, 0 outside.
 */
export function binaryCrossentropy(probs: usize, labels: usize, grad: usize, n: i32, smoothing: f32, gradScale: f32, terms: usize): f64 {
  const gs = splat(gradScale), one = splat(1), a = <f32>1 - smoothing, b = <f32>0.5 * smoothing;
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const p = loadLanes(at(probs, i), k), y = smoothed(loadLanes(at(labels, i), k), a, b, k);
    const c = clip(p), c1 = f32x4.sub(one, c);
    const logs = f32x4.add(f32x4.mul(y, logLanes(c)), f32x4.mul(f32x4.sub(one, y), logLanes(c1)));
    acc = addWide(acc, fillTail(f32x4.neg(logs), k, 0));
    if (terms != 0) storeLanes(at(terms, i), f32x4.neg(logs), k);
    if (grad == 0) continue;
    const d = f32x4.div(f32x4.sub(c, y), f32x4.mul(c, c1));
    storeLanes(at(grad, i), v128.and(f32x4.mul(gs, d), insideClip(p)), k);
  }
  return wideTotal(acc);
}

/** Σ (p − y)²; grad = gradScale·2(p − y). */
export function meanSquaredError(pred: usize, labels: usize, grad: usize, n: i32, gradScale: f32, terms: usize): f64 {
  const gs2 = splat(gradScale * 2);
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const d = f32x4.sub(loadLanes(at(pred, i), k), loadLanes(at(labels, i), k)); // padded lanes 0
    acc = addWide(acc, f32x4.mul(d, d));
    if (terms != 0) storeLanes(at(terms, i), f32x4.mul(d, d), k);
    if (grad != 0) storeLanes(at(grad, i), f32x4.mul(gs2, d), k);
  }
  return wideTotal(acc);
}

/** Rows whose argmax (first max wins) is the same in pred and labels. */
export function countArgmaxMatches(pred: usize, labels: usize, rows: i32, cols: i32): i32 {
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const a = rowArgmax(at(pred, r * cols), cols);
    if (a >= 0 && a == rowArgmax(at(labels, r * cols), cols)) count++;
  }
  return count;
}

/** Rows whose argmax of pred equals the f32 class index in labels. */
export function countSparseMatches(pred: usize, labels: usize, rows: i32, cols: i32): i32 {
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const a = rowArgmax(at(pred, r * cols), cols);
    if (a >= 0 && <f32>a == load<f32>(at(labels, r))) count++;
  }
  return count;
}

/** Elements where (pred > threshold) agrees with (label > 0.5). */
export function countBinaryMatches(pred: usize, labels: usize, n: i32, threshold: f32): i32 {
  const t = splat(threshold), half = splat(0.5);
  let count = 0;
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const differ = v128.xor(f32x4.gt(loadLanes(at(pred, i), k), t), f32x4.gt(loadLanes(at(labels, i), k), half));
    count += countLanes(v128.not(differ), k);
  }
  return count;
}
