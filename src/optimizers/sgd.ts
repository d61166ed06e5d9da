/** Stochastic gradient descent with optional (Nesterov) momentum, Keras formulation. */
import { checkBoolean, checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link sgd}; defaults as Keras. */
export interface SGDArgs extends OptimizerArgs {
  /** Default 0.01. */
  learningRate?: OptimizerArgs['learningRate'];
  /** In [0, 1]; default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
}

/**
 * Keras `SGD`: plain, w −= lr·g; with momentum v = momentum·v − lr·g and w += v, or with
 * Nesterov w += momentum·v − lr·g. Slot: the velocity v (only with momentum).
 */
export class SGD extends Optimizer {
  readonly className: string = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly rule: UpdateRule;

  constructor(args: SGDArgs = {}) {
    const momentum = checkInRange(args?.momentum ?? 0, 'sgd', 'momentum', 0, 1, true);
    super('sgd', args, ['momentum', 'nesterov'], 0.01, momentum > 0 ? 1 : 0);
    this.momentum = momentum;
    this.nesterov = checkBoolean(args.nesterov ?? false, 'sgd', 'nesterov');
    this.rule = momentum === 0 ? { kind: 'sgd' } : { kind: 'sgdMomentum', momentum, nesterov: this.nesterov };
  }

}

/** Stochastic gradient descent (tfjs `tf.train.sgd`, Keras `SGD`): learningRate 0.01, momentum 0, nesterov false. */
export function sgd(args: SGDArgs = {}): SGD {
  return new SGD(args);
}
