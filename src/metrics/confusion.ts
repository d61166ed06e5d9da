/**
 * Confusion-matrix metrics streamed over a pass as Keras computes them: precision and recall from
 * true/false positive counts summed over every batch, and AUC from per-threshold counts (Keras's
 * evenly spaced thresholds, 200 by default) summed over every batch, then integrated once. A label
 * counts as positive when it is not 0 (Keras casts labels to bool).
 */
import { checkBoolean, checkChoice, checkCount, checkInRange, checkOptions, checkPositiveInteger } from '../core/checks.js';
import { aucHistogram, countConfusion, type MetricArgs as Batch } from '../core/kernels/metrics.js';
import { getBackend } from '../core/wasm.js';
import { metricName, metricObject, type MetricArgs } from './accuracy.js';
import { checkLabelLayout, type Metric, type MetricObject, type MetricOutput } from './metric.js';

/** Options of {@link precision} and {@link recall}. */
export interface PrecisionRecallArgs extends MetricArgs {
  /** A prediction above it counts as positive; in [0, 1], default 0.5. */
  thresholds?: number;
  /** Only this column of each output row (a class index); default every value. */
  classId?: number;
}

/** Options of {@link auc} (Keras defaults). */
export interface AUCArgs extends MetricArgs {
  /** Evenly spaced thresholds in [0, 1], endpoints included; > 1, default 200. */
  numThresholds?: number;
  /** The ROC curve (recall over false-positive rate, default) or the precision-recall curve. */
  curve?: 'ROC' | 'PR';
  /** Riemann sum: 'interpolation' (default; Davis & Goadrich's for PR), 'minoring' or 'majoring'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Predictions are logits: a sigmoid is applied first; default false. */
  fromLogits?: boolean;
}

/** x / y, or 0 when y is 0 (Keras's divide_no_nan). */
const ratio = (x: number, y: number): number => (y === 0 ? 0 : x / y);

function confusionMetric(kind: 'precision' | 'recall', args: PrecisionRecallArgs): MetricObject {
  const who = `metrics.${kind}`;
  checkOptions(args, who, ['thresholds', 'classId', 'name']);
  const threshold = args.thresholds === undefined ? 0.5 : checkInRange(args.thresholds, who, 'thresholds', 0, 1, true);
  const classId = args.classId === undefined ? null : checkCount(args.classId, who, 'classId');
  const name = metricName(args.name, who, kind);
  const config = { thresholds: args.thresholds === undefined ? null : threshold, top_k: null, class_id: classId };
  return metricObject(name, kind === 'precision' ? 'Precision' : 'Recall', config, (output, toConfig) => {
    checkLabelLayout(name, output, false);
    if (classId !== null && classId >= output.cols) {
      throw new RangeError(`compile: metric '${name}' classId ${classId} is not a column of outputs with ${output.cols} values per row`);
    }
    const column = classId ?? -1;
    // state: [true positives, false positives (precision) or false negatives (recall)]
    return {
      name, stateSize: 2, scratchBytes: 16, toConfig,
      update(_k, state, b) {
        countConfusion(b, column, threshold);
        const counts = getBackend().arena.i32, at = b.out >>> 2; // [tp, fp, tn, fn]
        state[0] += counts[at];
        state[1] += counts[at + (kind === 'precision' ? 1 : 3)];
      },
      result: (state) => ratio(state[0], state[0] + state[1]),
    };
  });
}

/** Keras `Precision`: true positives / predicted positives over the whole pass (0 when nothing is predicted positive). */
export function precision(args: PrecisionRecallArgs = {}): MetricObject {
  return confusionMetric('precision', args);
}

/** Keras `Recall`: true positives / actual positives over the whole pass (0 when there is no positive label). */
export function recall(args: PrecisionRecallArgs = {}): MetricObject {
  return confusionMetric('recall', args);
}

/** Keras `AUC`: the area under the ROC (or PR) curve over the whole pass, from per-threshold counts. */
export function auc(args: AUCArgs = {}): MetricObject {
  const who = 'metrics.auc';
  checkOptions(args, who, ['numThresholds', 'curve', 'summationMethod', 'fromLogits', 'name']);
  const numThresholds = args.numThresholds === undefined ? 200 : checkPositiveInteger(args.numThresholds, who, 'numThresholds');
  if (numThresholds < 2) throw new RangeError(`${who}: numThresholds must be an integer > 1, got ${numThresholds}`);
  const curve = args.curve === undefined ? 'ROC' : checkChoice(args.curve, who, 'curve', ['ROC', 'PR'] as const);
  const summation = args.summationMethod === undefined ? 'interpolation'
    : checkChoice(args.summationMethod, who, 'summationMethod', ['interpolation', 'minoring', 'majoring'] as const);
  const fromLogits = args.fromLogits === undefined ? false : checkBoolean(args.fromLogits, who, 'fromLogits');
  const name = metricName(args.name, who, 'auc');
  const config = { num_thresholds: numThresholds, curve, summation_method: summation, multi_label: false, label_weights: null, from_logits: fromLogits };
  return metricObject(name, 'AUC', config, (output, toConfig): Metric => {
    checkLabelLayout(name, output, false);
    const t = numThresholds;
    // state: positives per bucket, then negatives per bucket (bucket b: the predictions above threshold b, not b + 1).
    return {
      name, stateSize: 2 * t, scratchBytes: 8 * t, toConfig,
      update(_k, state, b) {
        const outside = aucHistogram(b, t, fromLogits);
        if (outside > 0) refuseOutside(name, b);
        const counts = getBackend().arena.i32;
        const at = b.out >>> 2;
        for (let i = 0; i < 2 * t; i++) state[i] += counts[at + i];
      },
      result: (state) => aucOf(state, t, curve, summation),
    };
  });
}

/** Throws naming the first prediction outside [0, 1] (Keras clips them; a model outputting logits wants fromLogits). */
function refuseOutside(name: string, b: Batch): never {
  const f32 = getBackend().arena.f32;
  const from = b.predictions >>> 2;
  let i = 0;
  while (i < b.rows * b.cols - 1 && f32[from + i] >= 0 && f32[from + i] <= 1) i++;
  throw new RangeError(`metric '${name}': predictions must be probabilities in [0, 1], got ${f32[from + i]} at flat index ${i} of the batch ` +
    '(Keras clips them silently; for a model that outputs logits give fromLogits: true)');
}

/** Keras AUC.result from bucket counts: cumulative confusion counts per threshold, then the Riemann sum. */
export function aucOf(state: Float64Array, t: number, curve: 'ROC' | 'PR', summation: 'interpolation' | 'minoring' | 'majoring'): number {
  const tp = new Float64Array(t), fp = new Float64Array(t);
  for (let i = t - 1, p = 0, n = 0; i >= 0; i--) {
    p += state[i]; n += state[t + i];
    tp[i] = p; fp[i] = n;
  }
  const positives = tp[0], negatives = fp[0];
  if (curve === 'PR' && summation === 'interpolation') return interpolatedPrAuc(tp, fp, positives);
  const x = new Float64Array(t), y = new Float64Array(t);
  for (let i = 0; i < t; i++) {
    const rec = ratio(tp[i], positives);
    if (curve === 'ROC') { x[i] = ratio(fp[i], negatives); y[i] = rec; } else { x[i] = rec; y[i] = ratio(tp[i], tp[i] + fp[i]); }
  }
  let area = 0;
  for (let i = 0; i + 1 < t; i++) {
    const height = summation === 'interpolation' ? (y[i] + y[i + 1]) / 2 : summation === 'minoring' ? Math.min(y[i], y[i + 1]) : Math.max(y[i], y[i + 1]);
    area += (x[i] - x[i + 1]) * height;
  }
  return area;
}

/** Keras's interpolate_pr_auc (Davis & Goadrich): precision interpolated through true and predicted positives. */
function interpolatedPrAuc(tp: Float64Array, fp: Float64Array, positives: number): number {
  let area = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const pA = tp[i] + fp[i], pB = tp[i + 1] + fp[i + 1];
    const dtp = tp[i] - tp[i + 1], dp = pA - pB;
    const slope = ratio(dtp, Math.max(dp, 0));
    const intercept = tp[i + 1] - slope * pB;
    const pRatio = pA > 0 && pB > 0 ? ratio(pA, Math.max(pB, 0)) : 1;
    area += ratio(slope * (dtp + intercept * Math.log(pRatio)), Math.max(positives, 0));
  }
  return area;
}
