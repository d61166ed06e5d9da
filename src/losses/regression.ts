/**
 * Regression losses, Keras formulas (the mean over the last axis, then over the batch):
 * meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError,
 * huber, logCosh, and cosineSimilarity (one term per row).
 */
import { checkFiniteNumber, checkOptions } from '../core/checks.js';
import * as kernels from '../core/kernels/loss.js';
import * as regression from '../core/kernels/loss-regression.js';
import { checkRange, plainLoss, type Loss } from './loss.js';

/** Options of {@link huber} (Keras default delta 1). */
export interface HuberArgs {
  /** Where the loss turns from quadratic to linear in |prediction − label|; > 0, default 1. */
  delta?: number;
}

/** Options of {@link cosineSimilarity}: Keras's `axis`, which simdnn supports at −1 (the last axis, its default). */
export interface CosineSimilarityArgs {
  axis?: -1;
}

const noOptions = (args: object, who: string): void => checkOptions(args, who, []);

/** (prediction − label)², Keras `MeanSquaredError`. */
export function meanSquaredError(args: object = {}): Loss {
  noOptions(args, 'losses.meanSquaredError');
  return plainLoss({ name: 'meanSquaredError', className: 'MeanSquaredError', kerasName: 'mean_squared_error',
    saved: 'mean_squared_error', perRow: false, kernel: kernels.meanSquaredError });
}

/** |prediction − label|, Keras `MeanAbsoluteError`. */
export function meanAbsoluteError(args: object = {}): Loss {
  noOptions(args, 'losses.meanAbsoluteError');
  return plainLoss({ name: 'meanAbsoluteError', className: 'MeanAbsoluteError', kerasName: 'mean_absolute_error',
    saved: 'mean_absolute_error', perRow: false, kernel: regression.meanAbsoluteError });
}

/** 100·|label − prediction| / max(|label|, 1e-7), Keras `MeanAbsolutePercentageError`. */
export function meanAbsolutePercentageError(args: object = {}): Loss {
  noOptions(args, 'losses.meanAbsolutePercentageError');
  return plainLoss({ name: 'meanAbsolutePercentageError', className: 'MeanAbsolutePercentageError',
    kerasName: 'mean_absolute_percentage_error', saved: 'mean_absolute_percentage_error', perRow: false,
    kernel: regression.meanAbsolutePercentageError });
}

/**
 * (log(max(prediction, 1e-7) + 1) − log(label + 1))², Keras `MeanSquaredLogarithmicError`. Labels
 * must be ≥ 0: Keras replaces negative ones by 1e-7 without a word, simdnn refuses them.
 */
export function meanSquaredLogarithmicError(args: object = {}): Loss {
  noOptions(args, 'losses.meanSquaredLogarithmicError');
  return plainLoss({ name: 'meanSquaredLogarithmicError', className: 'MeanSquaredLogarithmicError',
    kerasName: 'mean_squared_logarithmic_error', saved: 'mean_squared_logarithmic_error', perRow: false,
    check: (y, who) => checkRange(y, 0, Infinity, who, 'meanSquaredLogarithmicError labels'),
    kernel: regression.meanSquaredLogarithmicError });
}

/** Keras `Huber`: e²/2 where |e| ≤ delta, delta·|e| − delta²/2 beyond, e = prediction − label. */
export function huber(args: HuberArgs = {}): Loss {
  const who = 'losses.huber';
  checkOptions(args, who, ['delta']);
  const delta = args.delta === undefined ? 1 : checkFiniteNumber(args.delta, who, 'delta', 'positive');
  if (Math.fround(delta) === 0 || !Number.isFinite(Math.fround(delta))) {
    throw new RangeError(`${who}: delta must be a positive float32 number, got ${delta}`);
  }
  return plainLoss({ name: 'huber', className: 'Huber', kerasName: 'huber_loss', saved: 'huber', perRow: false,
    kernel: (a) => regression.huber(a, delta), options: { delta }, defaults: { delta: 1 } });
}

/** log cosh(prediction − label), Keras `LogCosh` (saved as TF.js's 'logcosh'). */
export function logCosh(args: object = {}): Loss {
  noOptions(args, 'losses.logCosh');
  return plainLoss({ name: 'logCosh', className: 'LogCosh', kerasName: 'log_cosh', saved: 'logcosh', perRow: false,
    kernel: regression.logCosh });
}

/**
 * −cos(label row, prediction row), Keras `CosineSimilarity` over the last axis (each norm floored
 * at 1e-7); saved as TF.js's 'cosine_proximity', the same loss.
 */
export function cosineSimilarity(args: CosineSimilarityArgs = {}): Loss {
  const who = 'losses.cosineSimilarity';
  checkOptions(args, who, ['axis']);
  if (args.axis !== undefined && args.axis !== -1) {
    throw new RangeError(`${who}: axis must be -1 (the last axis), got ${String(args.axis)}`);
  }
  return plainLoss({ name: 'cosineSimilarity', className: 'CosineSimilarity', kerasName: 'cosine_similarity',
    saved: 'cosine_proximity', perRow: true, kernel: regression.cosineSimilarity });
}
