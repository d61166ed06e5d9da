// Metric counters over one batch (Keras accuracy and confusion metrics). Each counts; the caller
// accumulates the counts over an epoch and forms the ratio, so streamed metrics (precision,
// recall, AUC) are exact over the epoch rather than averaged per batch.
import { at, countLanes, loadLanes, rowArgmax, sigmoid4, splat } from './math';

/** Elements where the label equals (pred > threshold ? 1 : 0) exactly (Keras binary_accuracy). */
export function countBinaryEqual(pred: usize, labels: usize, n: i32, threshold: f32): i32 {
  const t = splat(threshold), one = splat(1);
  let count = 0;
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const decided = v128.and(f32x4.gt(loadLanes(at(pred, i), k), t), one);
    count += countLanes(f32x4.eq(loadLanes(at(labels, i), k), decided), k);
  }
  return count;
}

/**
 * Rows whose labelled class (the first argmax of the label row) is among the k largest
 * predictions, ties straddling the k-th place counted in (TF's in_top_k): fewer than k predictions
 * exceed the labelled one. A row with a NaN prediction does not count.
 */
export function countTopKMatches(pred: usize, labels: usize, rows: i32, cols: i32, k: i32): i32 {
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const p = at(pred, r * cols);
    const target = rowArgmax(at(labels, r * cols), cols);
    if (target < 0 || rowArgmax(p, cols) < 0) continue;
    const v = splat(load<f32>(at(p, target)));
    let above = 0;
    for (let i = 0; i < cols; i += 4) above += countLanes(f32x4.gt(loadLanes(at(p, i), cols - i), v), cols - i);
    if (above < k) count++;
  }
  return count;
}

/**
 * The confusion counts of (pred > threshold) against (label ≠ 0) over `rows` rows of `cols`
 * values, or only column `column` of each row when column ≥ 0 (Keras class_id). Writes i32
 * [true positives, false positives, true negatives, false negatives] at out.
 */
export function countConfusion(pred: usize, labels: usize, rows: i32, cols: i32, column: i32, threshold: f32, out: usize): void {
  const t = splat(threshold), zero = splat(0);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  if (column >= 0) {
    for (let r = 0; r < rows; r++) {
      const positive = load<f32>(at(pred, r * cols + column)) > threshold;
      const actual = load<f32>(at(labels, r * cols + column)) != 0;
      if (positive) { if (actual) tp++; else fp++; } else if (actual) fn++; else tn++;
    }
  } else {
    const n = rows * cols;
    for (let i = 0; i < n; i += 4) {
      const k = n - i;
      const positive = f32x4.gt(loadLanes(at(pred, i), k), t);
      const actual = f32x4.ne(loadLanes(at(labels, i), k), zero);
      tp += countLanes(v128.and(positive, actual), k);
      fp += countLanes(v128.andnot(positive, actual), k);
      fn += countLanes(v128.andnot(actual, positive), k);
      tn += countLanes(v128.not(v128.or(positive, actual)), k);
    }
  }
  store<i32>(out, tp);
  store<i32>(out, fp, 4);
  store<i32>(out, tn, 8);
  store<i32>(out, fn, 12);
}

/**
 * Keras AUC's bucketing for `thresholds` evenly spaced thresholds: each of the n predictions
 * (after a sigmoid when fromLogits) goes to bucket max(ceil(p·(thresholds − 1)) − 1, 0), i.e.
 * the last threshold it exceeds, computed in f32 as Keras does. Writes i32 counts at out:
 * positives (label ≠ 0) per bucket, then negatives per bucket. Returns how many predictions lay
 * outside [0, 1] or were NaN (Keras clips them; the caller refuses them).
 */
export function aucHistogram(pred: usize, labels: usize, n: i32, thresholds: i32, fromLogits: bool, out: usize): i32 {
  memory.fill(out, 0, <usize>thresholds << 3);
  const negatives = out + (<usize>thresholds << 2);
  const scale = splat(<f32>(thresholds - 1));
  let outside = 0;
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    let p = loadLanes(at(pred, i), k);
    if (fromLogits) p = sigmoid4(p);
    // NaN fails both comparisons, so it counts as outside too.
    const inside = v128.and(f32x4.ge(p, splat(0)), f32x4.le(p, splat(1)));
    outside += min(k, 4) - countLanes(inside, k);
    const clipped = f32x4.min(f32x4.max(p, splat(0)), splat(1));
    const bucket = i32x4.max_s(i32x4.sub(i32x4.trunc_sat_f32x4_s(f32x4.ceil(f32x4.mul(clipped, scale))), i32x4.splat(1)), i32x4.splat(0));
    const y = loadLanes(at(labels, i), k);
    count(out, negatives, i32x4.extract_lane(bucket, 0), f32x4.extract_lane(y, 0));
    if (k > 1) count(out, negatives, i32x4.extract_lane(bucket, 1), f32x4.extract_lane(y, 1));
    if (k > 2) count(out, negatives, i32x4.extract_lane(bucket, 2), f32x4.extract_lane(y, 2));
    if (k > 3) count(out, negatives, i32x4.extract_lane(bucket, 3), f32x4.extract_lane(y, 3));
  }
  return outside;
}

/** One prediction into its bucket of the positives' or the negatives' histogram. */
@inline function count(positives: usize, negatives: usize, bucket: i32, label: f32): void {
  const slot = (label != 0 ? positives : negatives) + (<usize>bucket << 2);
  store<i32>(slot, load<i32>(slot) + 1);
}
