/** Optimizers by factory and by name. */
import { Adam, adam } from './adam.js';
import { Optimizer } from './optimizer.js';
import { SGD, sgd } from './sgd.js';

export { Optimizer, SGD, sgd, Adam, adam };

const BY_NAME: Record<string, () => Optimizer> = { sgd: () => sgd(), adam: () => adam() };

/** An optimizer by name (Keras defaults) or as given. */
export function getOptimizer(value: string | Optimizer): Optimizer {
  if (value instanceof Optimizer) return value;
  const make = typeof value === 'string' && Object.prototype.hasOwnProperty.call(BY_NAME, value.toLowerCase())
    ? BY_NAME[value.toLowerCase()] : undefined;
  if (!make) throw new Error(`compile: unknown optimizer '${String(value)}'; expected one of ${Object.keys(BY_NAME).join(', ')} or an optimizer object`);
  return make();
}
