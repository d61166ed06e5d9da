/** Nadam (Dozat 2016): Adam with Nesterov momentum, in the Keras 3 formulation with its momentum schedule. */
import { checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link nadam}; defaults as Keras. */
export interface NadamArgs extends OptimizerArgs {
  /** Default 0.001. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to √v̂; default 1e-7. */
  epsilon?: number;
}

/** Dozat's momentum schedule μ_t = β1·(1 − ½·0.96^t), as Keras. */
export function nadamMomentum(beta1: number, t: number): number {
  return beta1 * (1 - 0.5 * Math.pow(0.96, t));
}

/**
 * Keras 3 `Nadam`. With μ_t = β1·(1 − ½·0.96^t) and Π_t = μ_1·…·μ_t at step t ≥ 1:
 * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * m̂ = μ_{t+1}·m/(1 − Π_t·μ_{t+1}) + (1 − μ_t)·g/(1 − Π_t); v̂ = v/(1 − β2^t);
 * w −= lr·m̂/(√v̂ + ε). Slots: m, v; Π_t is kept here (recomputed from `iterations` when restored).
 */
export class Nadam extends Optimizer {
  readonly className: string = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** The rule; its uProduct is Π_t, advanced by beginStep. */
  protected readonly rule: Extract<UpdateRule, { kind: 'nadam' }>;
  private uStep = 0;

  constructor(args: NadamArgs = {}) {
    const who = 'nadam';
    super(who, args, ['beta1', 'beta2', 'epsilon'], 0.001, 2);
    this.beta1 = checkInRange(args.beta1 ?? 0.9, who, 'beta1', 0, 1);
    this.beta2 = checkInRange(args.beta2 ?? 0.999, who, 'beta2', 0, 1);
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'nadam', beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, uProduct: 1 };
  }

  /** Π_t for this step, carried over from the last step or recomputed when `iterations` was set. */
  protected override beginStep(): void {
    const t = this.iterations;
    const rule = this.rule;
    if (this.uStep !== t - 1) {
      rule.uProduct = 1;
      for (let s = 1; s < t; s++) rule.uProduct *= nadamMomentum(this.beta1, s);
    }
    rule.uProduct *= nadamMomentum(this.beta1, t);
    this.uStep = t;
  }
}

/** Nadam (Keras `Nadam`): learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export function nadam(args: NadamArgs = {}): Nadam {
  return new Nadam(args);
}
