/**
 * The option keys of compile, fit, evaluate and predict, checked up front with `checkOptions` so a
 * misspelt or unsupported key (`batch_size`, `steps_per_epoch`) is an error naming the nearest valid one.
 */
import { checkBoolean, checkFiniteNumber, checkOptions, describeValue, isObject } from '../core/checks.js';
import { checkYieldEvery } from './yield.js';
import { isMetricLike, type MetricLike } from '../metrics/registry.js';

/** Keys of `compile`. */
export const COMPILE_KEYS = ['optimizer', 'loss', 'metrics', 'lossWeights'] as const;
/** Keys of `fit`. */
export const FIT_KEYS = ['batchSize', 'epochs', 'validationData', 'validationSplit', 'shuffle', 'seed',
  'callbacks', 'verbose', 'sampleWeight', 'classWeight', 'initialEpoch', 'stepsPerEpoch', 'validationSteps', 'yieldEvery'] as const;
/** Keys of `fit` given a dataset (Keras's names); the keys for arrays only are refused with a reason. */
export const FIT_ON_DATASET_KEYS = ['epochs', 'initialEpoch', 'stepsPerEpoch', 'validationData', 'validationSteps', 'validationBatchSize',
  'callbacks', 'verbose', 'classWeight', 'yieldEvery'] as const;
/** Keys of `fitDataset` (TF.js's names). */
export const FIT_DATASET_KEYS = ['batchesPerEpoch', 'epochs', 'initialEpoch', 'validationData', 'validationBatchSize', 'validationBatches',
  'callbacks', 'verbose', 'classWeight', 'yieldEvery'] as const;
/** Keys of `evaluateDataset`. */
export const EVALUATE_DATASET_KEYS = ['batches'] as const;
/** Keys of `evaluate`. */
export const EVALUATE_KEYS = ['batchSize', 'sampleWeight'] as const;
/** Keys of `predict`. */
export const PREDICT_KEYS = ['batchSize'] as const;

/** The metrics of `compile` for one output: one metric (a name, an nn.metrics object, a function) or a list of them. */
export function metricNames(metrics: unknown): MetricLike[] {
  if (metrics === undefined || metrics === null) return [];
  if (isMetricLike(metrics)) return [metrics];
  if (Array.isArray(metrics) && metrics.every(isMetricLike)) return metrics;
  throw new TypeError(`compile: metrics must be a metric or a list of them, e.g. 'accuracy' or ['accuracy', nn.metrics.auc()], got ${describeValue(metrics)}`);
}

/**
 * Checks fit's keys and the values no later check looks at (`shuffle`, `verbose`, `seed`,
 * `callbacks`), so `verbose: 2` or `shuffle: 'batch'` (Keras values) fail instead of acting as true.
 */
export function checkFitOptions(args: unknown, who: string): void {
  checkOptions(args, who, FIT_KEYS);
  const a = args as Record<string, unknown>;
  if (a.shuffle !== undefined) checkBoolean(a.shuffle, who, 'shuffle');
  if (a.verbose !== undefined && a.verbose !== 0 && a.verbose !== 1) {
    throw new RangeError(`${who}: verbose must be 0 (silent) or 1 (one line per epoch), got ${describeValue(a.verbose)}`);
  }
  if (a.seed !== undefined) checkFiniteNumber(a.seed, who, 'seed');
  if (a.yieldEvery !== undefined) checkYieldEvery(a.yieldEvery, who);
  if (a.callbacks !== undefined) {
    if (!Array.isArray(a.callbacks)) throw new TypeError(`${who}: callbacks must be a list of callback objects, got ${describeValue(a.callbacks)}`);
    a.callbacks.forEach((cb, i) => {
      if (!isObject(cb)) throw new TypeError(`${who}: callbacks[${i}] must be a callback object, got ${describeValue(cb)}`);
    });
  }
}
