/** Adadelta (Zeiler), Keras formulation: step sizes from running averages of squared gradients and updates. */
import { checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link adadelta}; defaults as Keras. */
export interface AdadeltaArgs extends OptimizerArgs {
  /** Default 0.001 (Keras; the paper's method corresponds to 1.0). */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of both running averages, in [0, 1); default 0.95. */
  rho?: number;
  /** Added under both roots; default 1e-7. */
  epsilon?: number;
}

/**
 * Keras `Adadelta`: E[g²] = ρ·E[g²] + (1−ρ)·g²; Δ = −√(E[Δ²] + ε)·g/√(E[g²] + ε);
 * E[Δ²] = ρ·E[Δ²] + (1−ρ)·Δ²; w += lr·Δ. Slots: E[g²], E[Δ²].
 */
export class Adadelta extends Optimizer {
  readonly className: string = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  protected readonly rule: UpdateRule;

  constructor(args: AdadeltaArgs = {}) {
    const who = 'adadelta';
    super(who, args, ['rho', 'epsilon'], 0.001, 2);
    this.rho = checkInRange(args.rho ?? 0.95, who, 'rho', 0, 1);
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'adadelta', rho: this.rho, epsilon: this.epsilon };
  }
}

/** Adadelta (Keras `Adadelta`): learningRate 0.001, rho 0.95, epsilon 1e-7. */
export function adadelta(args: AdadeltaArgs = {}): Adadelta {
  return new Adadelta(args);
}
