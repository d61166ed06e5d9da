/**
 * Metrics by name, as compile and trainingConfig give them. A name is reported under itself (Keras:
 * `metrics: ['mae']` logs 'mae'); an object from nn.metrics under its `name`. Names: 'accuracy'
 * (resolved from the loss), 'crossentropy' (the compiled cross-entropy), the metric names in Keras
 * camelCase, snake_case or class-name spelling, and any loss name (the loss on the output,
 * without regularisation penalties).
 */
import { describeValue, isObject, nearestKey } from '../core/checks.js';
import { isCrossentropy, unsmoothed } from '../losses/crossentropy.js';
import type { Loss } from '../losses/loss.js';
import { canonicalLossName, getLoss, LOSS_NAMES } from '../losses/registry.js';
import {
  accuracyFor, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy,
} from './accuracy.js';
import { auc, precision, recall } from './confusion.js';
import { customMetric, isCustomMetric, type MetricFunction, type NamedMetricFunction } from './custom.js';
import { checkLabelLayout, meanMetric, sparseLabels, type Metric, type MetricObject, type MetricOutput } from './metric.js';

/** What compile takes as one metric: a name, an object from nn.metrics, or your own function. */
export type MetricLike = string | MetricObject | MetricFunction | NamedMetricFunction;

/** `nn.metrics.meanAbsoluteError()` and `meanSquaredError()`: the loss of the same name as a metric object. */
function lossMetricObject(lossName: 'meanAbsoluteError' | 'meanSquaredError', className: string, kerasName: string) {
  return (args: { name?: string } = {}): MetricObject => {
    const who = `metrics.${lossName}`;
    if (!isObject(args)) throw new TypeError(`${who}: expected an options object, got ${describeValue(args)}`);
    for (const key of Object.keys(args)) if (key !== 'name') throw new TypeError(`${who}: unknown option '${key}'; valid options: name`);
    const name = args.name === undefined ? kerasName : args.name;
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${who}: name must be a non-empty string, got ${describeValue(name)}`);
    const getConfig = () => ({ name, dtype: 'float32' });
    return {
      name, className, getConfig,
      forOutput: (output) => lossMetric(name, getLoss(lossName), output, () => ({ class_name: className, config: getConfig() })),
    };
  };
}

/** Keras `MeanAbsoluteError` metric: mean |prediction − label|. */
export const meanAbsoluteError = lossMetricObject('meanAbsoluteError', 'MeanAbsoluteError', 'mean_absolute_error');
/** Keras `MeanSquaredError` metric: mean (prediction − label)². */
export const meanSquaredError = lossMetricObject('meanSquaredError', 'MeanSquaredError', 'mean_squared_error');

type MetricFactory = (args?: Record<string, unknown>) => MetricObject;

/** The metric objects by canonical name. */
const FACTORIES: Record<string, MetricFactory> = {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, topKCategoricalAccuracy,
  precision, recall, auc, meanAbsoluteError, meanSquaredError,
};

/** Keras class names → canonical names (also what trainingConfig's `class_name` holds). */
const KERAS_CLASSES: Record<string, string> = {
  BinaryAccuracy: 'binaryAccuracy', CategoricalAccuracy: 'categoricalAccuracy', SparseCategoricalAccuracy: 'sparseCategoricalAccuracy',
  TopKCategoricalAccuracy: 'topKCategoricalAccuracy', Precision: 'precision', Recall: 'recall', AUC: 'auc',
  MeanAbsoluteError: 'meanAbsoluteError', MeanSquaredError: 'meanSquaredError',
};

/** Other spellings of the metric objects' names (the loss names 'mae', 'mse' resolve as losses, to the same values). */
const ALIASES: Record<string, string> = {
  ...KERAS_CLASSES,
  binary_accuracy: 'binaryAccuracy', categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy', top_k_categorical_accuracy: 'topKCategoricalAccuracy',
};

/** The metric names compile accepts besides loss names, canonical spelling: for the README check and errors. */
export const METRIC_NAMES = ['accuracy', 'crossentropy', ...Object.keys(FACTORIES)];

const has = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** A loss evaluated on the model's visible output (probabilities), reported under `name`. */
function lossMetric(name: string, metricLoss: Loss, output: MetricOutput, toConfig: Metric['toConfig']): Metric {
  checkLabelLayout(name, output, sparseLabels(metricLoss));
  return meanMetric(name, (k, b) => metricLoss.compute(k, false, b.predictions, b.labels, b.predictions, 0, b.rows, b.cols, 0),
    (rows, cols) => metricLoss.terms(rows, cols), toConfig);
}

/**
 * TF.js's snake_case of a metric name, as it writes them in trainingConfig (binaryAccuracy →
 * binary_accuracy); {@link tfjsCamelCase} reads them back.
 */
export function tfjsSnakeCase(name: string): string {
  const lower = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return lower.startsWith('_') ? `private${lower}` : lower;
}

/** TF.js's camelCase of a saved name (binary_accuracy → binaryAccuracy). */
export function tfjsCamelCase(name: string): string {
  if (name.length <= 1 || !name.includes('_')) return name;
  return name.replace(/[_]+(\w|$)/g, (_, c: string) => c.toUpperCase());
}

/** A metric given by name, reported under that name. */
function namedMetric(name: string, output: MetricOutput): Metric {
  const toConfig = () => tfjsSnakeCase(name);
  if (name === 'accuracy' || name === 'acc') return accuracyFor(name, output, toConfig);
  if (name === 'crossentropy') {
    if (!isCrossentropy(output.loss)) throw new Error(`compile: metric 'crossentropy' needs a cross-entropy loss, got '${output.loss.name}'`);
    return lossMetric(name, unsmoothed(output.loss), output, toConfig);
  }
  const canonical = has(FACTORIES, name) ? name : has(ALIASES, name) ? ALIASES[name] : undefined;
  if (canonical !== undefined) {
    const made = FACTORIES[canonical]({ name }).forOutput(output);
    return { ...made, toConfig };
  }
  if (canonicalLossName(name) !== undefined) return lossMetric(name, getLoss(name), output, toConfig);
  const near = nearestKey(name, [...METRIC_NAMES, ...Object.keys(ALIASES), ...LOSS_NAMES]);
  throw new Error(`compile: unknown metric '${name}'; ${near ? `did you mean '${near}'? ` : ''}expected 'accuracy', 'crossentropy', ` +
    `a metric name (${Object.keys(FACTORIES).join(', ')}), a loss name, an object from nn.metrics or a function`);
}

/** True for what compile accepts as one metric. */
export function isMetricLike(value: unknown): value is MetricLike {
  return typeof value === 'string' || isMetricObject(value) || isCustomMetric(value);
}

/** True for an object from nn.metrics. */
function isMetricObject(value: unknown): value is MetricObject {
  return isObject(value) && typeof value.forOutput === 'function' && typeof value.getConfig === 'function';
}

/** One output's metrics; throws on an unknown name, labels a metric cannot read, or two metrics with one log name. */
export function resolveMetrics(list: readonly MetricLike[], output: MetricOutput, outputName: string): Metric[] {
  const metrics = list.map((m): Metric => {
    if (typeof m === 'string') return namedMetric(m, output);
    if (isMetricObject(m)) return m.forOutput(output);
    if (isCustomMetric(m)) return customMetric(m, output);
    throw new TypeError(`compile: a metric must be a name, an object from nn.metrics or a function (yTrue, yPred) => number, got ${describeValue(m)}`);
  });
  const seen = new Set<string>();
  for (const m of metrics) {
    if (seen.has(m.name)) {
      throw new Error(`compile: two metrics of output '${outputName}' are named '${m.name}'; their logs would collide: give one another name ({ name })`);
    }
    seen.add(m.name);
  }
  return metrics;
}

/**
 * A metric as trainingConfig holds it: a name (TF.js writes snake_case and reads it back in
 * camelCase, as here) or Keras's `{ class_name, config }`; throws naming what is not supported.
 */
export function metricFromConfig(value: unknown, who: string): MetricLike {
  if (typeof value === 'string') return tfjsCamelCase(value);
  if (!isObject(value) || typeof value.class_name !== 'string') {
    throw new Error(`${who}: a metric must be a name or { class_name, config }, got ${describeValue(value)}`);
  }
  const canonical = has(KERAS_CLASSES, value.class_name) ? KERAS_CLASSES[value.class_name] : undefined;
  if (canonical === undefined) {
    throw new Error(`${who}: metric class '${value.class_name}' is not supported; supported: ${Object.keys(KERAS_CLASSES).join(', ')}`);
  }
  const config = value.config ?? {};
  if (!isObject(config)) throw new Error(`${who}: metric ${value.class_name} config must be an object, got ${describeValue(config)}`);
  const args: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(config)) {
    // Keras writes these at their defaults; anything else is an option simdnn does not have.
    const atDefault = (key === 'dtype' && (v === null || v === 'float32')) || (v === null && ['thresholds', 'top_k', 'class_id', 'label_weights', 'num_labels'].includes(key)) ||
      (key === 'multi_label' && v === false);
    if (atDefault) continue;
    args[tfjsCamelCase(key)] = v;
  }
  try {
    return FACTORIES[canonical](args);
  } catch (e) {
    throw new Error(`${who}: metric ${value.class_name}: ${(e as Error).message}`);
  }
}
