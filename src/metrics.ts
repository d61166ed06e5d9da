/**
 * Metrics for `compile`, as Keras computes them: by name ('accuracy', 'auc', 'mae', any loss name),
 * as objects with options (`nn.metrics.auc({ numThresholds: 500 })`,
 * `nn.metrics.topKCategoricalAccuracy({ k: 3 })`), or as your own function
 * `(yTrue, yPred) => number` (averaged over batches weighted by their size). Precision, recall and
 * AUC are streamed: counts summed over the epoch, not per-batch values averaged. Metrics are not
 * weighted by sampleWeight (Keras `metrics`, not `weighted_metrics`).
 */
export {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy,
  type BinaryAccuracyArgs, type MetricArgs, type TopKCategoricalAccuracyArgs,
} from './metrics/accuracy.js';
export { auc, precision, recall, type AUCArgs, type PrecisionRecallArgs } from './metrics/confusion.js';
export { meanAbsoluteError, meanSquaredError, type MetricLike } from './metrics/registry.js';
export type { MetricFunction, NamedMetricFunction } from './metrics/custom.js';
export type { Metric, MetricObject, MetricOutput } from './metrics/metric.js';
