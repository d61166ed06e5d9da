/**
 * Metrics written as JS functions `(yTrue, yPred) => number`: each batch's value, weighted by the
 * batch's sample count, averaged over the pass (TF.js's averaging, and Keras's for a function that
 * returns per-sample values). The function sees host copies of the batch made as for custom losses.
 */
import { describeValue, isObject } from '../core/checks.js';
import type { Tensor } from '../core/tensor.js';
import { HostBatch } from '../losses/host-batch.js';
import type { Metric, MetricOutput } from './metric.js';

/**
 * A metric you write: receives one batch's labels (shaped as the compiled loss takes them) and
 * predictions ([N, ...outputShape]) as Tensors reused from batch to batch, and returns the
 * batch's value as one number.
 */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => number;

/** A metric function with an explicit log name. */
export interface NamedMetricFunction {
  name: string;
  metric: MetricFunction;
}

/** True for a metric function, or a `{ name, metric }` object holding one. */
export function isCustomMetric(value: unknown): value is MetricFunction | NamedMetricFunction {
  return typeof value === 'function' || (isObject(value) && typeof value.metric === 'function');
}

/** The log name and function of a custom metric; throws when it has no usable name. */
function unpack(spec: MetricFunction | NamedMetricFunction): { name: string; fn: MetricFunction } {
  const name = typeof spec === 'function' ? spec.name : spec.name;
  const fn = typeof spec === 'function' ? spec : spec.metric;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`compile: a metric function needs a name for its logs: give a named function or { name, metric }, got ${describeValue(name)}`);
  }
  return { name, fn };
}

/** The evaluation loop's view of a custom metric on one output. */
export function customMetric(spec: MetricFunction | NamedMetricFunction, output: MetricOutput): Metric {
  const { name, fn } = unpack(spec);
  const host = new HostBatch(output.shape, output.labelShape);
  return {
    name, stateSize: 2, scratchBytes: 0,
    update(_k, state, b) {
      const n = b.rows / output.rowsPerSample;
      const views = host.load(n, b.predictions, b.labels);
      const value: unknown = fn(views.yTrue, views.yPred);
      if (typeof value !== 'number') throw new TypeError(`metric '${name}' must return a number, got ${describeValue(value)}`);
      state[0] += value * n;
      state[1] += n;
    },
    result: (state) => state[0] / state[1],
    toConfig() {
      throw new Error(`save: metric '${name}' is a function, which trainingConfig cannot hold; save without includeOptimizer`);
    },
  };
}
