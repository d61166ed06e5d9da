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
  /**
   * In [0, 1): the gradient enters the velocity scaled by 1 − dampening (PyTorch's name); default 0.
   * With dampening = momentum the velocity is −lr times an exponential moving average of the
   * gradients, so w −= lr·EMA[g] (the EMA method). Needs momentum; not with nesterov (as PyTorch).
   */
  dampening?: number;
}

/**
 * Keras `SGD`: plain, w −= lr·g; with momentum v = momentum·v − lr·(1 − dampening)·g and w += v,
 * or with Nesterov w += momentum·v − lr·g. Slot: the velocity v (only with momentum).
 */
export class SGD extends Optimizer {
  readonly className: string = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly dampening: number;
  protected readonly rule: UpdateRule;

  constructor(args: SGDArgs = {}) {
    const momentum = checkInRange(args?.momentum ?? 0, 'sgd', 'momentum', 0, 1, true);
    super('sgd', args, ['momentum', 'nesterov', 'dampening'], 0.01, momentum > 0 ? 1 : 0);
    this.momentum = momentum;
    this.nesterov = checkBoolean(args.nesterov ?? false, 'sgd', 'nesterov');
    this.dampening = checkInRange(args.dampening ?? 0, 'sgd', 'dampening', 0, 1);
    if (this.dampening > 0 && momentum === 0) throw new RangeError(`sgd: dampening ${this.dampening} needs momentum > 0 (it scales the gradient entering the velocity), got momentum 0`);
    if (this.dampening > 0 && this.nesterov) throw new RangeError('sgd: nesterov needs dampening 0 (as PyTorch)');
    this.rule = momentum === 0 ? { kind: 'sgd' } : { kind: 'sgdMomentum', momentum, nesterov: this.nesterov, gradientFactor: 1 - this.dampening };
  }

}

/** Stochastic gradient descent (tfjs `tf.train.sgd`, Keras `SGD`): learningRate 0.01, momentum 0, nesterov false. */
export function sgd(args: SGDArgs = {}): SGD {
  return new SGD(args);
}
