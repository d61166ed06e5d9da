/** Adam (Kingma & Ba) with Keras/TF bias correction folded into the step size. */
import type { Kernels } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';
import { Optimizer, checkInRange } from './optimizer.js';

/** Arguments of {@link adam}; defaults as Keras. */
export interface AdamArgs {
  /** Default 0.001. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamArgs = {}) {
    super(args.learningRate ?? 0.001, 2);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    checkInRange(this.beta1, 0, 1, 'adam: beta1');
    checkInRange(this.beta2, 0, 1, 'adam: beta2');
    checkInRange(this.epsilon, 0, Infinity, 'adam: epsilon');
  }

  protected update(k: Kernels, p: Param, slots: readonly number[]): void {
    k.adamUpdate(p.ptr, p.grad, slots[0], slots[1], p.size, this.learningRate, this.beta1, this.beta2, this.epsilon, this.iterations);
  }
}

/** Adam (tfjs `tf.train.adam`, Keras `Adam`). */
export function adam(args: AdamArgs = {}): Adam {
  return new Adam(args);
}
