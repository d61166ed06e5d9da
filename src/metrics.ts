/**
 * Metrics by name. 'accuracy' resolves by the loss as Keras does: sparse labels compare
 * class indices, binary cross-entropy (or a single output) thresholds at 0.5, otherwise argmax.
 */
import type { Kernels } from './core/wasm.js';
import type { Loss } from './losses.js';

/** A metric: counts correct predictions over `rows × cols` outputs. */
export interface Metric {
  /** Key in logs and History ('accuracy'). */
  readonly name: string;
  /** Number of matches in the batch. */
  count(k: Kernels, predictions: number, labels: number, rows: number, cols: number): number;
  /** What the count is divided by. */
  terms(rows: number, cols: number): number;
}

function accuracyFor(loss: Loss, cols: number): Metric {
  if (loss.name === 'sparseCategoricalCrossentropy') {
    return { name: 'accuracy', count: (k, p, y, rows, c) => k.countSparseMatches(p, y, rows, c), terms: (rows) => rows };
  }
  if (loss.name === 'binaryCrossentropy' || cols === 1) {
    return { name: 'accuracy', count: (k, p, y, rows, c) => k.countBinaryMatches(p, y, rows * c, 0.5), terms: (rows, c) => rows * c };
  }
  return { name: 'accuracy', count: (k, p, y, rows, c) => k.countArgmaxMatches(p, y, rows, c), terms: (rows) => rows };
}

/** Resolves metric names for a compiled loss and output width; throws on unknown names. */
export function getMetrics(names: readonly string[], loss: Loss, cols: number): Metric[] {
  return names.map((name) => {
    if (name === 'accuracy' || name === 'acc') return accuracyFor(loss, cols);
    throw new Error(`compile: unknown metric '${name}'; expected 'accuracy'`);
  });
}
