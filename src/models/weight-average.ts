/**
 * Where a model uses its optimizer's moving average of the weights (`useEma`): validation during
 * fit and saving see the average swapped in place of the weights (swapped back afterwards, so
 * training continues from its own weights), and the end of fit copies it over the weights for good
 * (Keras `finalize_variable_values`). Without `useEma` these run `work` on the weights as they are.
 */
import type { Param } from '../layers/layer.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/** Runs `work` with the averages in place of the weights, then puts the weights back. */
export function withAverageWeights<T>(optimizer: Optimizer | undefined, params: readonly Param[], work: () => T): T {
  const ema = optimizer?.ema;
  if (!ema) return work();
  ema.swap(params);
  try {
    return work();
  } finally {
    ema.swap(params);
  }
}

/** {@link withAverageWeights} for asynchronous work (validation yields to the event loop; training waits for it). */
export async function withAverageWeightsAsync<T>(optimizer: Optimizer, params: readonly Param[], work: () => Promise<T>): Promise<T> {
  const ema = optimizer.ema;
  if (!ema) return work();
  ema.swap(params);
  try {
    return await work();
  } finally {
    ema.swap(params);
  }
}
