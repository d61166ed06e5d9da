/** Adamax (Kingma & Ba, section 7.1), Keras formulation: Adam with an infinity-norm second moment. */
import { checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link adamax}; defaults as Keras. */
export interface AdamaxArgs extends OptimizerArgs {
  /** Default 0.001. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the infinity norm, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to the norm; default 1e-7. */
  epsilon?: number;
}

/**
 * Keras `Adamax`: m = β1·m + (1−β1)·g; u = max(β2·u, |g|); w −= lr/(1−β1^t)·m/(u + ε).
 * Slots: m, u.
 */
export class Adamax extends Optimizer {
  readonly className: string = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly rule: UpdateRule;

  constructor(args: AdamaxArgs = {}) {
    const who = 'adamax';
    super(who, args, ['beta1', 'beta2', 'epsilon'], 0.001, 2);
    this.beta1 = checkInRange(args.beta1 ?? 0.9, who, 'beta1', 0, 1);
    this.beta2 = checkInRange(args.beta2 ?? 0.999, who, 'beta2', 0, 1);
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'adamax', beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Adamax (Keras `Adamax`): learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export function adamax(args: AdamaxArgs = {}): Adamax {
  return new Adamax(args);
}
