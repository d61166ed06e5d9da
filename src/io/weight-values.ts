/**
 * Load-time checks of weight values: a saved model holds finite numbers only, a layer's weights
 * are float32, and a variance (BatchNormalization's, an optimizer's second moments) is never negative. Without these a corrupt file
 * loads silently and predicts NaN.
 */
import type { NamedWeight } from './weights.js';

/** Throws naming the first weight that holds NaN or ±Infinity, and where. */
export function checkFiniteWeights(weights: readonly NamedWeight[]): void {
  for (const w of weights) {
    const i = w.values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new Error(`weight '${w.name}' (shape [${w.shape.join(', ')}]) holds ${w.values[i]} at index ${i}: a saved model holds finite values only; the file is corrupt`);
    }
  }
}

/** Weights whose values must be ≥ 0, by layer class. */
const NON_NEGATIVE: Record<string, readonly string[]> = { BatchNormalization: ['moving_variance'] };

/** Optimizer slots (by name suffix) that hold squares, maxima of magnitudes or step sizes: never negative. */
const NON_NEGATIVE_SLOTS = new Set(['v', 'vhat', 'rms', 'accumulator', 'accum_grad', 'accum_var', 'nadam_v', 'rprop_step']);

/** Throws when an optimizer slot that is never negative holds a negative value (training would turn NaN). */
export function checkOptimizerSlot(name: string, suffix: string, values: Float32Array): void {
  if (!NON_NEGATIVE_SLOTS.has(suffix)) return;
  const i = values.findIndex((v) => v < 0);
  if (i >= 0) throw new Error(`optimizer state: weight '${name}' holds ${values[i]} at index ${i}, but '${suffix}' is never negative; the file is corrupt`);
}

/**
 * Checks a weight the manifest gives a layer: stored as float32 (int32 is only the optimizer's
 * iteration count), and non-negative where the layer needs it (variances).
 */
export function checkLayerWeight(layer: { name: string; className: string }, weight: string, w: NamedWeight): void {
  const who = `weight '${w.name}' of layer '${layer.name}' (${layer.className})`;
  if (w.dtype !== 'float32') throw new Error(`${who}: dtype is '${w.dtype}' but layer weights are 'float32'`);
  if (NON_NEGATIVE[layer.className]?.includes(weight)) {
    const i = w.values.findIndex((v) => v < 0);
    if (i >= 0) throw new Error(`${who}: ${weight} holds ${w.values[i]} at index ${i}: a variance is never negative; the file is corrupt`);
  }
}
