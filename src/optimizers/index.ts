/** Optimizers by factory and by name. */
import { Adadelta, adadelta } from './adadelta.js';
import { Adagrad, adagrad } from './adagrad.js';
import { Adam, AdamW, adam, adamw } from './adam.js';
import { Adamax, adamax } from './adamax.js';
import { Nadam, nadam } from './nadam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop, rmsprop } from './rmsprop.js';
import { Rprop, rprop } from './rprop.js';
import { SGD, sgd } from './sgd.js';

export { Optimizer, SGD, sgd, RMSprop, rmsprop, Adam, adam, AdamW, adamw, Adagrad, adagrad };
export { Adadelta, adadelta, Adamax, adamax, Nadam, nadam, Rprop, rprop };
export type { LearningRateFn, OptimizerArgs } from './optimizer.js';
export type { SGDArgs } from './sgd.js';
export type { RMSpropArgs } from './rmsprop.js';
export type { AdamArgs } from './adam.js';
export type { AdagradArgs } from './adagrad.js';
export type { AdadeltaArgs } from './adadelta.js';
export type { AdamaxArgs } from './adamax.js';
export type { NadamArgs } from './nadam.js';
export type { RpropArgs } from './rprop.js';

const BY_NAME: Record<string, () => Optimizer> = {
  sgd, rmsprop, adam, adamw, adagrad, adadelta, adamax, nadam, rprop,
};

/** The optimizer names {@link getOptimizer} knows. */
export const OPTIMIZER_NAMES: readonly string[] = Object.freeze(Object.keys(BY_NAME));

/** An optimizer by name (Keras defaults; case does not matter) or as given. */
export function getOptimizer(value: string | Optimizer): Optimizer {
  if (value instanceof Optimizer) return value;
  const make = typeof value === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, value.toLowerCase())
    ? BY_NAME[value.toLowerCase()] : undefined;
  if (!make) {
    throw new Error(`compile: unknown optimizer '${String(value)}'; expected one of ${OPTIMIZER_NAMES.join(', ')} or an optimizer object`);
  }
  return make();
}
