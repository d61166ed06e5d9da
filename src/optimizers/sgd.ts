/** Stochastic gradient descent with optional (Nesterov) momentum, Keras formulation. */
import type { Kernels } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';
import { Optimizer, checkInRange } from './optimizer.js';

/** Arguments of {@link sgd}; defaults as Keras. */
export interface SGDArgs {
  /** Default 0.01. */
  learningRate?: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    const momentum = args.momentum ?? 0;
    checkInRange(momentum, 0, 1, 'sgd: momentum');
    super(args.learningRate ?? 0.01, momentum > 0 ? 1 : 0);
    this.momentum = momentum;
    this.nesterov = args.nesterov ?? false;
  }

  protected update(k: Kernels, p: Param, slots: readonly number[]): void {
    if (this.momentum === 0) k.sgdUpdate(p.ptr, p.grad, p.size, this.learningRate);
    else k.sgdMomentumUpdate(p.ptr, p.grad, slots[0], p.size, this.learningRate, this.momentum, this.nesterov ? 1 : 0);
  }
}

/** Stochastic gradient descent (tfjs `tf.train.sgd`, Keras `SGD`). */
export function sgd(args: SGDArgs = {}): SGD {
  return new SGD(args);
}
