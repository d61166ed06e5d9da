/**
 * Accuracy metrics, Keras semantics: binaryAccuracy (label equals prediction > threshold),
 * categoricalAccuracy (argmax of prediction equals argmax of label, first maximum winning),
 * sparseCategoricalAccuracy (argmax equals the class index) and topKCategoricalAccuracy (the
 * labelled class is among the k largest predictions, ties counted in); and 'accuracy', which
 * picks one of them from the compiled loss as Keras does.
 */
import { checkFiniteNumber, checkOptions, checkPositiveInteger, describeValue } from '../core/checks.js';
import { countBinaryEqual, countTopKMatches } from '../core/kernels/metrics.js';
import { isCrossentropy } from '../losses/crossentropy.js';
import type { Loss } from '../losses/loss.js';
import { checkLabelLayout, meanMetric, type Metric, type MetricObject, type MetricOutput } from './metric.js';

/** Options every metric object takes. */
export interface MetricArgs {
  /** Key in logs and History; defaults to Keras's name for the metric ('binary_accuracy', 'auc', ...). */
  name?: string;
}

/** Options of {@link binaryAccuracy}. */
export interface BinaryAccuracyArgs extends MetricArgs {
  /** A prediction above it counts as 1; default 0.5. */
  threshold?: number;
}

/** Options of {@link topKCategoricalAccuracy}. */
export interface TopKCategoricalAccuracyArgs extends MetricArgs {
  /** How many of the largest predictions may hold the labelled class; default 5 (Keras). */
  k?: number;
}

/** The `name` option, or `fallback`; throws naming `who` unless a non-empty string. */
export function metricName(name: unknown, who: string, fallback: string): string {
  if (name === undefined) return fallback;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${who}: name must be a non-empty string, got ${describeValue(name)}`);
  return name;
}

/** A metric object whose saved form is Keras's `{ class_name, config }`. */
export function metricObject(name: string, className: string, config: Record<string, unknown>,
  make: (output: MetricOutput, toConfig: Metric['toConfig']) => Metric): MetricObject {
  const getConfig = () => ({ name, dtype: 'float32', ...config });
  return { name, className, getConfig, forOutput: (output) => make(output, () => ({ class_name: className, config: getConfig() })) };
}

/** Keras `BinaryAccuracy`: the fraction of outputs whose label equals (prediction > threshold ? 1 : 0). */
export function binaryAccuracy(args: BinaryAccuracyArgs = {}): MetricObject {
  const who = 'metrics.binaryAccuracy';
  checkOptions(args, who, ['threshold', 'name']);
  const threshold = args.threshold === undefined ? 0.5 : checkFiniteNumber(args.threshold, who, 'threshold');
  const name = metricName(args.name, who, 'binary_accuracy');
  return metricObject(name, 'BinaryAccuracy', { threshold }, (output, toConfig) => binaryAccuracyMetric(name, output, threshold, toConfig));
}

function binaryAccuracyMetric(name: string, output: MetricOutput, threshold: number, toConfig: Metric['toConfig']): Metric {
  checkLabelLayout(name, output, false, '; use sparseCategoricalAccuracy');
  return meanMetric(name, (_k, b) => countBinaryEqual(b, threshold), (rows, cols) => rows * cols, toConfig);
}

/** Keras `CategoricalAccuracy`: rows whose prediction's argmax is the label row's argmax (first maximum wins). */
export function categoricalAccuracy(args: MetricArgs = {}): MetricObject {
  const who = 'metrics.categoricalAccuracy';
  checkOptions(args, who, ['name']);
  const name = metricName(args.name, who, 'categorical_accuracy');
  return metricObject(name, 'CategoricalAccuracy', {}, (output, toConfig) => categoricalAccuracyMetric(name, output, toConfig));
}

function categoricalAccuracyMetric(name: string, output: MetricOutput, toConfig: Metric['toConfig']): Metric {
  checkLabelLayout(name, output, false, '; use sparseCategoricalAccuracy');
  return meanMetric(name, (k, b) => k.countArgmaxMatches(b.predictions, b.labels, b.rows, b.cols), (rows) => rows, toConfig);
}

/** Keras `SparseCategoricalAccuracy`: rows whose prediction's argmax is the class index given. */
export function sparseCategoricalAccuracy(args: MetricArgs = {}): MetricObject {
  const who = 'metrics.sparseCategoricalAccuracy';
  checkOptions(args, who, ['name']);
  const name = metricName(args.name, who, 'sparse_categorical_accuracy');
  return metricObject(name, 'SparseCategoricalAccuracy', {}, (output, toConfig) => sparseAccuracyMetric(name, output, toConfig));
}

function sparseAccuracyMetric(name: string, output: MetricOutput, toConfig: Metric['toConfig']): Metric {
  checkLabelLayout(name, output, true, '; use categoricalAccuracy');
  return meanMetric(name, (k, b) => k.countSparseMatches(b.predictions, b.labels, b.rows, b.cols), (rows) => rows, toConfig);
}

/** Keras `TopKCategoricalAccuracy`: rows whose labelled class is among the k largest predictions (ties counted in, as TF's in_top_k). */
export function topKCategoricalAccuracy(args: TopKCategoricalAccuracyArgs = {}): MetricObject {
  const who = 'metrics.topKCategoricalAccuracy';
  checkOptions(args, who, ['k', 'name']);
  const k = args.k === undefined ? 5 : checkPositiveInteger(args.k, who, 'k');
  const name = metricName(args.name, who, 'top_k_categorical_accuracy');
  return metricObject(name, 'TopKCategoricalAccuracy', { k }, (output, toConfig) => topKMetric(name, output, k, toConfig));
}

function topKMetric(name: string, output: MetricOutput, k: number, toConfig: Metric['toConfig']): Metric {
  checkLabelLayout(name, output, false);
  return meanMetric(name, (_k, b) => countTopKMatches(b, k), (rows) => rows, toConfig);
}

/**
 * 'accuracy' as Keras resolves it from the loss: sparse labels compare class indices; binary
 * cross-entropy (or a single output) thresholds at 0.5, or at 0 when the loss takes logits (the
 * same decision as sigmoid(z) > 0.5, where Keras would threshold logits at 0.5); otherwise argmax.
 */
export function accuracyFor(name: string, output: MetricOutput, toConfig: Metric['toConfig']): Metric {
  const loss: Loss = output.loss;
  if (loss.name === 'sparseCategoricalCrossentropy') return sparseAccuracyMetric(name, output, toConfig);
  if (loss.name === 'binaryCrossentropy' || output.cols === 1) {
    const threshold = loss.fromLogits && isCrossentropy(loss) ? 0 : 0.5;
    return binaryAccuracyMetric(name, output, threshold, toConfig);
  }
  return categoricalAccuracyMetric(name, output, toConfig);
}
