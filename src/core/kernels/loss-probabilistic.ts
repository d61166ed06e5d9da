/**
 * Probabilistic loss kernels with named operands (Keras kl_divergence, poisson), as those of
 * loss-regression.ts.
 */
import { getBackend } from '../wasm.js';
import type { LossArgs } from './loss.js';

/** Σ over rows of Σ y'·log(y'/p'), label and prediction clipped to [1e-7, 1]. */
export function kullbackLeiblerDivergence(a: LossArgs): number {
  return getBackend().kernels.kullbackLeiblerDivergence(a.output, a.labels, a.grad, a.rows, a.cols, a.gradScale, a.terms);
}

/** Σ pred − label·log(pred + 1e-7), element by element. */
export function poisson(a: LossArgs): number {
  return getBackend().kernels.poisson(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}
