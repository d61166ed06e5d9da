/**
 * The option keys of compile, fit, evaluate and predict, checked up front with `checkOptions` so a
 * misspelt or unsupported key (`batch_size`, `steps_per_epoch`) is an error naming the nearest valid one.
 */
import { describeValue } from '../core/checks.js';

/** Keys of `compile`. */
export const COMPILE_KEYS = ['optimizer', 'loss', 'metrics'] as const;
/** Keys of `fit`. */
export const FIT_KEYS = ['batchSize', 'epochs', 'validationData', 'validationSplit', 'shuffle', 'seed',
  'callbacks', 'verbose', 'sampleWeight', 'classWeight'] as const;
/** Keys of `evaluate`. */
export const EVALUATE_KEYS = ['batchSize', 'sampleWeight'] as const;
/** Keys of `predict`. */
export const PREDICT_KEYS = ['batchSize'] as const;

/** The metric names of `compile`: one name or a list of names. */
export function metricNames(metrics: unknown): string[] {
  if (metrics === undefined || metrics === null) return [];
  if (typeof metrics === 'string') return [metrics];
  if (Array.isArray(metrics) && metrics.every((m) => typeof m === 'string')) return metrics;
  throw new TypeError(`compile: metrics must be a name or a list of names, e.g. 'accuracy' or ['accuracy'], got ${describeValue(metrics)}`);
}
