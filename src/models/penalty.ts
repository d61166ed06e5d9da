/** The weight penalties of a model's parameters, for the training and evaluation loops. */
import type { Kernels } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';

/** Σ over regularized trainable params of their penalty, in float64 (Keras 3: frozen weights add none). */
export function totalPenalty(k: Kernels, params: readonly Param[]): number {
  let sum = 0;
  for (let i = 0; i < params.length; i++) {
    const r = params[i].regularizer;
    if (!r || !params[i].trainable) continue;
    if (r.l1 !== 0) sum += r.l1 * k.sumAbs(params[i].ptr, params[i].size);
    if (r.l2 !== 0) sum += r.l2 * k.sumSquares(params[i].ptr, params[i].size);
  }
  return sum;
}

/** Adds each regularized param's penalty gradient to its gradient. */
export function addPenaltyGradients(k: Kernels, params: readonly Param[]): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p.regularizer && p.trainable) k.addRegularizerGradient(p.ptr, p.grad, p.size, p.regularizer.l1, p.regularizer.l2);
  }
}
