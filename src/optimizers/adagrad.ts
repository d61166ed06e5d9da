/** Adagrad (Duchi et al.), Keras formulation: a running sum of squared gradients per weight. */
import { checkInRange } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link adagrad}; defaults as Keras. */
export interface AdagradArgs extends OptimizerArgs {
  /** Default 0.001. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Starting value of the accumulator, ≥ 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the accumulator under the root; default 1e-7. */
  epsilon?: number;
}

/** Keras `Adagrad`: acc += g²; w −= lr·g/√(acc + ε). Slot: acc, starting at initialAccumulatorValue. */
export class Adagrad extends Optimizer {
  readonly className: string = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly rule: UpdateRule;

  constructor(args: AdagradArgs = {}) {
    const who = 'adagrad';
    const initial = checkInRange(args?.initialAccumulatorValue ?? 0.1, who, 'initialAccumulatorValue', 0, Infinity);
    super(who, args, ['initialAccumulatorValue', 'epsilon'], 0.001, 1);
    this.initialAccumulatorValue = initial;
    this.epsilon = checkInRange(args.epsilon ?? 1e-7, who, 'epsilon', 0, Infinity);
    this.rule = { kind: 'adagrad', epsilon: this.epsilon };
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }
}

/** Adagrad (Keras `Adagrad`): learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7. */
export function adagrad(args: AdagradArgs = {}): Adagrad {
  return new Adagrad(args);
}
