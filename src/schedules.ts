/**
 * Learning-rate schedules, as Keras `keras.optimizers.schedules`: functions from the
 * optimizer step (0, 1, 2, ...) to a learning rate. Each checks its arguments once when made;
 * calling it allocates nothing.
 *
 *   const lr = nn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 });
 *   lr(2000); // 0.1 · 0.96²
 */
import { checkCount, checkFiniteNumber, checkOptions, describeValue } from './core/checks.js';


/** A learning rate as a function of the optimizer step (Keras `LearningRateSchedule`). */
export type LearningRateSchedule = (step: number) => number;

/** Arguments of {@link exponentialDecay}. */
export interface ExponentialDecayArgs {
  /** Rate at step 0; > 0. */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by `decayRate` once; > 0. */
  decaySteps: number;
  /** Factor per `decaySteps`; > 0. */
  decayRate: number;
  /** Decay in whole intervals (a staircase) rather than continuously; default false. */
  staircase?: boolean;
}

/** Arguments of {@link piecewiseConstant}. */
export interface PiecewiseConstantArgs {
  /** Increasing step boundaries. */
  boundaries: number[];
  /** One more value than boundaries: `values[i]` applies while `boundaries[i-1] < step ≤ boundaries[i]`. */
  values: number[];
}

/** Arguments of {@link cosineDecay}. */
export interface CosineDecayArgs {
  /** Rate at step 0; > 0, or ≥ 0 where a warm-up starts from it. */
  initialLearningRate: number;
  /** Steps of the cosine decay; > 0. */
  decaySteps: number;
  /** Floor as a fraction of the starting rate, in [0, 1]; default 0. */
  alpha?: number;
  /** Rate reached at the end of a linear warm-up; no warm-up when undefined. */
  warmupTarget?: number;
  /** Steps of the linear warm-up from `initialLearningRate` to `warmupTarget`; default 0. */
  warmupSteps?: number;
}

const EXPONENTIAL_DECAY_KEYS = ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'] as const;
const PIECEWISE_CONSTANT_KEYS = ['boundaries', 'values'] as const;
const COSINE_DECAY_KEYS = ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'] as const;

function checkStep(step: number, who: string): void {
  if (!(step >= 0)) throw new RangeError(`${who}: step must be a number ≥ 0, got ${describeValue(step)}`);
}

/**
 * `initialLearningRate · decayRate^(step / decaySteps)`, with the exponent floored when
 * `staircase` (Keras `ExponentialDecay`).
 */
export function exponentialDecay(args: ExponentialDecayArgs): LearningRateSchedule {
  const who = 'exponentialDecay';
  checkOptions(args, who, EXPONENTIAL_DECAY_KEYS);
  const initial = checkFiniteNumber(args.initialLearningRate, who, 'initialLearningRate', 'positive');
  const decaySteps = checkFiniteNumber(args.decaySteps, who, 'decaySteps', 'positive');
  const decayRate = checkFiniteNumber(args.decayRate, who, 'decayRate', 'positive');
  const staircase = args.staircase ?? false;
  return (step: number): number => {
    checkStep(step, who);
    const p = step / decaySteps;
    return initial * Math.pow(decayRate, staircase ? Math.floor(p) : p);
  };
}

/** `values[0]` up to and including `boundaries[0]`, then `values[1]` up to `boundaries[1]`, ... (Keras `PiecewiseConstantDecay`). */
export function piecewiseConstant(args: PiecewiseConstantArgs): LearningRateSchedule {
  const who = 'piecewiseConstant';
  checkOptions(args, who, PIECEWISE_CONSTANT_KEYS);
  const { boundaries, values } = args;
  if (!Array.isArray(boundaries)) throw new TypeError(`${who}: boundaries must be an array of steps, got ${describeValue(boundaries)}`);
  if (!Array.isArray(values)) throw new TypeError(`${who}: values must be an array of learning rates, got ${describeValue(values)}`);
  if (values.length !== boundaries.length + 1) {
    throw new RangeError(`${who}: values must have one more entry than boundaries (${boundaries.length + 1}), got ${values.length}`);
  }
  boundaries.forEach((b, i) => {
    checkFiniteNumber(b, who, `boundaries[${i}]`, 'nonNegative');
    if (i > 0 && b <= boundaries[i - 1]) throw new RangeError(`${who}: boundaries must increase, got ${boundaries[i - 1]} then ${b} at index ${i}`);
  });
  values.forEach((v, i) => checkFiniteNumber(v, who, `values[${i}]`, 'positive'));
  const bs = boundaries.slice();
  const vs = values.slice();
  return (step: number): number => {
    checkStep(step, who);
    let i = 0;
    while (i < bs.length && step > bs[i]) i++;
    return vs[i];
  };
}

/**
 * Cosine decay from `initialLearningRate` to `alpha · initialLearningRate` over `decaySteps`,
 * then flat; with `warmupTarget`, first a linear warm-up over `warmupSteps` and the decay starts
 * from `warmupTarget` (Keras `CosineDecay`).
 */
export function cosineDecay(args: CosineDecayArgs): LearningRateSchedule {
  const who = 'cosineDecay';
  checkOptions(args, who, COSINE_DECAY_KEYS);
  // A warm-up may start from 0 (a common Keras recipe); without one the rate must be > 0.
  const initial = checkFiniteNumber(args.initialLearningRate, who, 'initialLearningRate', args.warmupTarget === undefined ? 'positive' : 'nonNegative');
  const decaySteps = checkFiniteNumber(args.decaySteps, who, 'decaySteps', 'positive');
  const alpha = checkFiniteNumber(args.alpha ?? 0, who, 'alpha', 'nonNegative');
  if (alpha > 1) throw new RangeError(`${who}: alpha must be in [0, 1], got ${alpha}`);
  const target = args.warmupTarget === undefined ? undefined : checkFiniteNumber(args.warmupTarget, who, 'warmupTarget', 'positive');
  const warmupSteps = checkCount(args.warmupSteps ?? 0, who, 'warmupSteps');
  const decay = (step: number, from: number): number =>
    from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * step) / decaySteps)) + alpha);
  return (step: number): number => {
    checkStep(step, who);
    if (target === undefined) return decay(Math.min(step, decaySteps), initial);
    const s = Math.min(step, decaySteps + warmupSteps);
    if (s < warmupSteps) return initial + ((target - initial) * s) / warmupSteps;
    return decay(s - warmupSteps, target);
  };
}
