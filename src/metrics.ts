/**
 * Metrics by name. 'accuracy' resolves by the loss as Keras does: sparse labels compare
 * class indices, binary cross-entropy (or a single output) thresholds at 0.5, otherwise argmax.
 * A loss name is a metric too (the loss without regularisation penalties, on the model's output),
 * as is 'crossentropy', which resolves to the compiled cross-entropy.
 */
import type { Kernels } from './core/wasm.js';
import { getLoss, type Loss } from './losses.js';

/** A metric: a sum over a batch of `rows × cols` outputs, later divided by its terms. */
export interface Metric {
  /** Key in logs and History ('accuracy', 'val_accuracy', ...): the name as given to compile. */
  readonly name: string;
  /** Matches (accuracy) or summed per-term values (loss metrics) in the batch. */
  count(k: Kernels, predictions: number, labels: number, rows: number, cols: number): number;
  /** What the sum is divided by. */
  terms(rows: number, cols: number): number;
}

/** A loss evaluated on the model's visible output (probabilities), reported under `name`. */
function lossMetric(name: string, metricLoss: Loss, compiled: Loss): Metric {
  const sparse = (l: Loss) => l.labelWidth(2) === 1;
  if (sparse(metricLoss) !== sparse(compiled)) {
    const want = sparse(metricLoss) ? 'one class index per sample' : 'one value per output';
    throw new Error(`compile: metric '${name}' needs ${want}, but the labels of loss '${compiled.name}' are not shaped that way`);
  }
  return {
    name,
    count: (k, p, y, rows, c) => metricLoss.compute(k, false, p, y, p, 0, rows, c, 0),
    terms: (rows, c) => metricLoss.terms(rows, c),
  };
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
    if (name === 'crossentropy') {
      if (loss.fusesWith === null) throw new Error(`compile: metric 'crossentropy' needs a cross-entropy loss, got '${loss.name}'`);
      return lossMetric(name, loss, loss);
    }
    let metricLoss: Loss;
    try {
      metricLoss = getLoss(name);
    } catch {
      throw new Error(`compile: unknown metric '${name}'; expected 'accuracy', 'crossentropy' or a loss name`);
    }
    return lossMetric(name, metricLoss, loss);
  });
}
