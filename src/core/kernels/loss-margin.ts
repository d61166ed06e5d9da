/**
 * Margin loss kernels with named operands (Keras hinge, squared_hinge, categorical_hinge), as
 * those of loss-regression.ts. Hinge labels are −1 or 1; a 0 counts as −1 (Keras's 0/1 conversion).
 */
import { getBackend } from '../wasm.js';
import type { LossArgs } from './loss.js';

/** Σ max(1 − label·pred, 0), element by element. */
export function hinge(a: LossArgs): number {
  return getBackend().kernels.hinge(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ max(1 − label·pred, 0)², element by element. */
export function squaredHinge(a: LossArgs): number {
  return getBackend().kernels.squaredHinge(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Σ over rows of max(max_j (1 − y_j)·p_j − Σ y·p + 1, 0). */
export function categoricalHinge(a: LossArgs): number {
  return getBackend().kernels.categoricalHinge(a.output, a.labels, a.grad, a.rows, a.cols, a.gradScale, a.terms);
}
