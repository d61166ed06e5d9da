/** Adam, AMSGrad and AdamW (Kingma & Ba; Loshchilov & Hutter) with Keras bias correction. */
import { checkBoolean, checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link adam} and {@link adamw}; defaults as Keras. */
export interface AdamArgs extends OptimizerArgs {
  /** Default 0.001. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to √v (Keras "epsilon hat"); default 1e-7. */
  epsilon?: number;
  /** Divide by the largest second moment seen so far (Reddi et al.); default false. */
  amsgrad?: boolean;
}

/**
 * Keras `Adam`: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², w −= αt·m/(√v + ε) with
 * αt = lr·√(1−β2^t)/(1−β1^t); with amsgrad v̂ = max(v̂, v) replaces v in the step.
 * Slots: m, v (and v̂ with amsgrad).
 */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  protected readonly rule: UpdateRule;

  constructor(args: AdamArgs = {}, who = 'adam') {
    const amsgrad = checkBoolean(args?.amsgrad ?? false, who, 'amsgrad');
    super(who, args, ['beta1', 'beta2', 'epsilon', 'amsgrad'], 0.001, amsgrad ? 3 : 2);
    this.amsgrad = amsgrad;
    this.beta1 = checkInRange(args.beta1 ?? 0.9, who, 'beta1', 0, 1);
    this.beta2 = checkInRange(args.beta2 ?? 0.999, who, 'beta2', 0, 1);
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'adam', beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad };
  }

}

/** Keras `AdamW`: Adam with decoupled weight decay, w −= lr·weightDecay·w before each step (default 0.004). */
export class AdamW extends Adam {
  override readonly className: string = 'AdamW';

  constructor(args: AdamArgs = {}) {
    super(args !== null && typeof args === 'object' ? { ...args, weightDecay: args.weightDecay ?? 0.004 } : args, 'adamw');
  }
}

/** Adam (tfjs `tf.train.adam`, Keras `Adam`): learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, amsgrad false. */
export function adam(args: AdamArgs = {}): Adam {
  return new Adam(args);
}

/** AdamW (Keras `AdamW`): Adam's defaults and weightDecay 0.004, decoupled from the gradient. */
export function adamw(args: AdamArgs = {}): AdamW {
  return new AdamW(args);
}
