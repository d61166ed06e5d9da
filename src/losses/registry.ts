/**
 * Losses by name, as compile and trainingConfig give them: the Keras camelCase names, Keras's
 * snake_case and short names ('mse', 'kld'), TF.js's names ('logcosh', 'cosineProximity') and Keras
 * class names ('Huber'); and losses saved as Keras objects with options.
 */
import { describeValue, isObject, nearestKey } from '../core/checks.js';
import { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy } from './crossentropy.js';
import { customLoss, isCustomLoss } from './custom.js';
import type { Loss, LossName } from './loss.js';
import { categoricalHinge, hinge, squaredHinge } from './margin.js';
import { kullbackLeiblerDivergence, poisson } from './probabilistic.js';
import {
  cosineSimilarity, huber, logCosh, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError,
} from './regression.js';

type Factory = (args?: Record<string, unknown>) => Loss;

const FACTORIES: Record<LossName, Factory> = {
  categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy,
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError,
  huber, logCosh, hinge, squaredHinge, categoricalHinge, kullbackLeiblerDivergence, poisson, cosineSimilarity,
};

/** The built-in losses, by their canonical (Keras camelCase) names. */
export const LOSS_NAMES = Object.keys(FACTORIES) as LossName[];

/** Keras class names, which Keras also accepts as strings and writes as `class_name`. */
const KERAS_CLASSES: Record<string, LossName> = {
  CategoricalCrossentropy: 'categoricalCrossentropy', SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  BinaryCrossentropy: 'binaryCrossentropy', MeanSquaredError: 'meanSquaredError', MeanAbsoluteError: 'meanAbsoluteError',
  MeanAbsolutePercentageError: 'meanAbsolutePercentageError', MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  Huber: 'huber', LogCosh: 'logCosh', Hinge: 'hinge', SquaredHinge: 'squaredHinge', CategoricalHinge: 'categoricalHinge',
  KLDivergence: 'kullbackLeiblerDivergence', Poisson: 'poisson', CosineSimilarity: 'cosineSimilarity',
};

/** Other spellings: Keras snake_case and short names, TF.js names. */
const ALIASES: Record<string, LossName> = {
  ...KERAS_CLASSES,
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy', bce: 'binaryCrossentropy', BCE: 'binaryCrossentropy',
  mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError', MSE: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError', mape: 'meanAbsolutePercentageError', MAPE: 'meanAbsolutePercentageError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError', msle: 'meanSquaredLogarithmicError', MSLE: 'meanSquaredLogarithmicError',
  log_cosh: 'logCosh', logcosh: 'logCosh', squared_hinge: 'squaredHinge', categorical_hinge: 'categoricalHinge',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence', kl_divergence: 'kullbackLeiblerDivergence',
  kld: 'kullbackLeiblerDivergence', KLD: 'kullbackLeiblerDivergence',
  cosine_similarity: 'cosineSimilarity', cosine_proximity: 'cosineSimilarity', cosineProximity: 'cosineSimilarity',
};

const has = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** Every name a custom loss may not take. */
const TAKEN = [...LOSS_NAMES, ...Object.keys(ALIASES)];

/** The canonical name for any accepted spelling, or undefined. */
export function canonicalLossName(name: string): LossName | undefined {
  if (has(FACTORIES, name)) return name as LossName;
  return has(ALIASES, name) ? ALIASES[name] : undefined;
}

/** A built-in loss by name with Keras's default options; throws naming the nearest known name. */
export function getLoss(name: string, who = 'compile'): Loss {
  const canonical = canonicalLossName(name);
  if (canonical === undefined) {
    const near = nearestKey(name, TAKEN);
    throw new Error(`${who}: unknown loss '${name}'; ${near ? `did you mean '${near}'? ` : ''}expected one of ${LOSS_NAMES.join(', ')} ` +
      '(or their snake_case names), a loss object from nn.losses, or a custom loss { name, loss, gradient }');
  }
  return FACTORIES[canonical]();
}

/** True for a built-in loss object (from nn.losses or getLoss). */
export function isLoss(value: unknown): value is Loss {
  return isObject(value) && typeof value.compute === 'function' && typeof value.toConfig === 'function';
}

/** True for what compile accepts as one output's loss. */
export function isLossSpec(value: unknown): boolean {
  return typeof value === 'string' || isLoss(value) || isCustomLoss(value);
}

/** One output's loss from compile's `loss`: a name, a loss object, or a custom loss bound to the output's shape. */
export function resolveLoss(spec: unknown, outputShape: readonly number[]): Loss {
  if (typeof spec === 'string') return getLoss(spec);
  if (isLoss(spec)) return spec;
  if (isCustomLoss(spec)) return customLoss(spec, outputShape, TAKEN);
  throw new TypeError(`compile: a loss must be a name such as 'meanSquaredError', a loss object from nn.losses, ` +
    `or a custom loss { name, loss, gradient }, got ${describeValue(spec)}`);
}

/** Keras's snake_case option names → this library's camelCase. */
const camelCase = (key: string): string => key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Reductions that are Keras's mean over the batch (Keras 2 wrote 'auto'). */
const MEAN_REDUCTIONS = ['sum_over_batch_size', 'auto', 'mean'];

/**
 * A loss as trainingConfig holds it: a name (TF.js writes snake_case), or Keras's
 * `{ class_name, config }` with options; throws naming what is not supported.
 */
export function lossFromConfig(value: unknown, who: string): Loss {
  if (typeof value === 'string') return getLoss(value, who);
  if (!isObject(value) || typeof value.class_name !== 'string') {
    throw new Error(`${who}: a loss must be a name or { class_name, config }, got ${describeValue(value)}`);
  }
  const canonical = has(KERAS_CLASSES, value.class_name) ? KERAS_CLASSES[value.class_name] : undefined;
  if (canonical === undefined) {
    throw new Error(`${who}: loss class '${value.class_name}' is not supported; supported: ${Object.keys(KERAS_CLASSES).join(', ')}`);
  }
  const config = value.config ?? {};
  if (!isObject(config)) throw new Error(`${who}: loss ${value.class_name} config must be an object, got ${describeValue(config)}`);
  const args: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(config)) {
    if (key === 'name' || (key === 'dtype' && (v === null || v === 'float32')) || (key === 'ignore_class' && v === null)) continue;
    if (key === 'reduction') {
      if (typeof v === 'string' && MEAN_REDUCTIONS.includes(v)) continue;
      throw new Error(`${who}: loss ${value.class_name} reduction ${describeValue(v)} is not supported; simdnn takes the mean over the batch ('sum_over_batch_size')`);
    }
    if (key === 'axis' && canonical !== 'cosineSimilarity') {
      if (v === -1) continue;
      throw new Error(`${who}: loss ${value.class_name} axis ${describeValue(v)} is not supported; simdnn reduces the last axis (-1)`);
    }
    args[camelCase(key)] = v;
  }
  try {
    return FACTORIES[canonical](args);
  } catch (e) {
    throw new Error(`${who}: loss ${value.class_name}: ${(e as Error).message}`);
  }
}
