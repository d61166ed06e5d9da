/**
 * Rprop (Riedmiller & Braun 1993) in the iRprop− variant (Igel & Hüsken 2000), as PyTorch's
 * `torch.optim.Rprop`; Keras has none. Only the sign of the gradient is used, so it is meant for
 * full-batch training (batchSize = the number of samples): minibatch noise flips signs at random.
 */
import { describeValue } from '../core/checks.js';
import type { UpdateRule } from '../core/kernels/optim.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

/** Arguments of {@link rprop}; names and defaults as PyTorch. */
export interface RpropArgs extends OptimizerArgs {
  /** Each weight's first step size; later steps adapt on their own. Default 0.01. */
  learningRate?: OptimizerArgs['learningRate'];
  /** [etaMinus, etaPlus] with 0 < etaMinus < 1 < etaPlus: step factors on a sign flip / agreement. Default [0.5, 1.2]. */
  etas?: [number, number];
  /** [min, max] bounds of the step sizes, 0 < min ≤ max. Default [1e-6, 50]. */
  stepSizes?: [number, number];
}

/**
 * iRprop−. Per weight, with p = g·g_prev: the step size is multiplied by etaPlus where p > 0,
 * by etaMinus where p < 0, kept where p = 0, and clamped to stepSizes; where the sign flipped
 * the gradient is taken as 0 (the weight stays put this step and the next step does not grow);
 * w −= sign(g)·step; g_prev = g. Slots: g_prev (starting at 0), step sizes (starting at the
 * learning rate when the parameter is first seen). Later learning-rate changes have no effect
 * on the steps, only on `weightDecay`.
 */
export class Rprop extends Optimizer {
  readonly className: string = 'Rprop';
  readonly etas: readonly [number, number];
  readonly stepSizes: readonly [number, number];
  protected readonly rule: UpdateRule;

  constructor(args: RpropArgs = {}) {
    const who = 'rprop';
    super(who, args, ['etas', 'stepSizes'], 0.01, 2);
    const etas = args.etas ?? [0.5, 1.2];
    if (!isPair(etas) || !(etas[0] > 0 && etas[0] < 1 && etas[1] > 1 && Number.isFinite(etas[1]))) {
      throw new RangeError(`${who}: etas must be [etaMinus, etaPlus] with 0 < etaMinus < 1 < etaPlus, got ${describeValue(etas)}`);
    }
    const sizes = args.stepSizes ?? [1e-6, 50];
    if (!isPair(sizes) || !(sizes[0] > 0 && sizes[0] <= sizes[1] && Number.isFinite(sizes[1]))) {
      throw new RangeError(`${who}: stepSizes must be [min, max] with 0 < min ≤ max, got ${describeValue(sizes)}`);
    }
    this.etas = [etas[0], etas[1]];
    this.stepSizes = [sizes[0], sizes[1]];
    this.rule = { kind: 'rprop', etaMinus: etas[0], etaPlus: etas[1], stepMin: sizes[0], stepMax: sizes[1] };
  }

  protected override initialSlotValue(index: number): number {
    return index === 1 ? this.learningRate : 0;
  }
}

function isPair(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'number');
}

/**
 * Rprop (PyTorch `Rprop`, iRprop−): learningRate 0.01 (the first step size), etas [0.5, 1.2],
 * stepSizes [1e-6, 50]. Use with full batches.
 */
export function rprop(args: RpropArgs = {}): Rprop {
  return new Rprop(args);
}
