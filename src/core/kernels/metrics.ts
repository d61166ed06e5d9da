/**
 * Metric counters with named operands. Each counts over one batch; callers accumulate the counts
 * over an epoch (Keras's streamed metrics). Pointers are byte offsets into wasm memory.
 */
import { getBackend } from '../wasm.js';

/** Operands of one metric count, kept by the caller and refilled per batch. */
export interface MetricArgs {
  /** The model's visible output: `rows` rows of `cols` values. */
  predictions: number;
  /** The batch's labels, laid out as the compiled loss expects them. */
  labels: number;
  rows: number;
  cols: number;
  /** Where counters that are not a single number are written (i32s). */
  out: number;
}

/** A metric struct with every pointer 0. */
export function metricArgs(): MetricArgs {
  return { predictions: 0, labels: 0, rows: 0, cols: 0, out: 0 };
}

/** Elements whose label equals (prediction > threshold ? 1 : 0) exactly (Keras binary_accuracy). */
export function countBinaryEqual(a: MetricArgs, threshold: number): number {
  return getBackend().kernels.countBinaryEqual(a.predictions, a.labels, a.rows * a.cols, threshold);
}

/** Rows whose labelled class (first argmax of the label row) is among the `k` largest predictions, ties in. */
export function countTopKMatches(a: MetricArgs, k: number): number {
  return getBackend().kernels.countTopKMatches(a.predictions, a.labels, a.rows, a.cols, k);
}

/**
 * Writes i32 [tp, fp, tn, fn] at `out` for (prediction > threshold) against (label ≠ 0), over every
 * element, or over column `column` of each row when column ≥ 0.
 */
export function countConfusion(a: MetricArgs, column: number, threshold: number): void {
  getBackend().kernels.countConfusion(a.predictions, a.labels, a.rows, a.cols, column, threshold, a.out);
}

/**
 * Writes i32 per-bucket counts of positives, then of negatives, for Keras AUC's `thresholds`
 * evenly spaced thresholds at `out`; returns how many predictions lay outside [0, 1] or were NaN.
 */
export function aucHistogram(a: MetricArgs, thresholds: number, fromLogits: boolean): number {
  return getBackend().kernels.aucHistogram(a.predictions, a.labels, a.rows * a.cols, thresholds, fromLogits, a.out);
}
