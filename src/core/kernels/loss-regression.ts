/**
 * Regression loss kernels with named operands (Keras mean_absolute_error, ..., cosine_similarity):
 * each returns the f64 sum of a batch's terms, writes the gradient with respect to the prediction
 * (scaled by `gradScale`) where `grad` is not 0, and each term where `terms` is not 0. The
 * element-wise ones see rows·cols elements; cosine similarity has one term per row.
 */
import { getBackend } from '../wasm.js';
import type { LossArgs } from './loss.js';

/** Σ |pred − label|. */
export function meanAbsoluteError(a: LossArgs): number {
  return getBackend().kernels.meanAbsoluteError(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ 100·|label − pred| / max(|label|, 1e-7). */
export function meanAbsolutePercentageError(a: LossArgs): number {
  return getBackend().kernels.meanAbsolutePercentageError(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ (log(max(pred, 1e-7) + 1) − log(max(label, 1e-7) + 1))². */
export function meanSquaredLogarithmicError(a: LossArgs): number {
  return getBackend().kernels.meanSquaredLogarithmicError(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ Huber(pred − label) with the quadratic part up to |error| = `delta`. */
export function huber(a: LossArgs, delta: number): number {
  return getBackend().kernels.huber(a.output, a.labels, a.grad, a.rows * a.cols, delta, a.gradScale, a.terms);
}

/** Σ log cosh(pred − label). */
export function logCosh(a: LossArgs): number {
  return getBackend().kernels.logCosh(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ over rows of −cos(label row, pred row), each vector's norm floored at 1e-7. */
export function cosineSimilarity(a: LossArgs): number {
  return getBackend().kernels.cosineSimilarity(a.output, a.labels, a.grad, a.rows, a.cols, a.gradScale, a.terms);
}
