/** RMSprop (Hinton), Keras formulation: epsilon inside the square root, optional momentum and centering. */
import { checkBoolean, checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link rmsprop}; defaults as Keras. */
export interface RMSpropArgs extends OptimizerArgs {
  /** Default 0.001. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the moving averages, in [0, 1); default 0.9. */
  rho?: number;
  /** Momentum on the increments, in [0, 1]; default 0. */
  momentum?: number;
  /** Added to the mean square under the root; default 1e-7. */
  epsilon?: number;
  /** Divide by an estimate of the gradient's variance instead of its mean square; default false. */
  centered?: boolean;
}

/**
 * Keras `RMSprop`: v = ρ·v + (1−ρ)·g²; centered: a = ρ·a + (1−ρ)·g and d = v − a², else d = v;
 * inc = lr·g/√(d + ε); with momentum mom = μ·mom + inc and w −= mom, else w −= inc.
 * Slots: v, then mom (momentum > 0), then a (centered).
 */
export class RMSprop extends Optimizer {
  readonly className: string = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  protected readonly rule: UpdateRule;

  constructor(args: RMSpropArgs = {}) {
    const who = 'rmsprop';
    const momentum = checkInRange(args?.momentum ?? 0, who, 'momentum', 0, 1, true);
    const centered = checkBoolean(args?.centered ?? false, who, 'centered');
    super(who, args, ['rho', 'momentum', 'epsilon', 'centered'], 0.001, 1 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0));
    this.momentum = momentum;
    this.centered = centered;
    this.rho = checkInRange(args.rho ?? 0.9, who, 'rho', 0, 1);
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'rmsprop', rho: this.rho, momentum, epsilon: this.epsilon, centered };
  }
}

/** RMSprop (Keras `RMSprop`): learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7, centered false. */
export function rmsprop(args: RMSpropArgs = {}): RMSprop {
  return new RMSprop(args);
}
