/**
 * The optimizer contract: slots (velocity, moments, accumulators) are planned in wasm memory
 * once per parameter, and a step is one fused kernel call per parameter. What every optimizer
 * shares (Keras 3 base optimizer) lives here: the learning rate as a number or a schedule,
 * gradient clipping (`clipNorm`, `clipValue`, `globalClipNorm`) and decoupled `weightDecay`.
 * The per-step scalars are worked out once per step in JS and handed to the kernel, which
 * applies them in the same pass as the update.
 */
import { checkInRange, checkOptions, describeValue } from '../core/checks.js';
import { applyUpdate, updateArgs, type UpdateArgs, type UpdateRule } from '../core/kernels/optim.js';
import { getBackend } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';
import { checkEmaArgs, EMA_KEYS, WeightAverage, type EmaArgs } from './ema.js';
import { SlotBook } from './slots.js';

/**
 * A learning rate as a function of the optimizer step (0, 1, 2, ...): what `nn.schedules.*`
 * return (Keras `LearningRateSchedule`). Called once per step.
 */
export type LearningRateFn = (step: number) => number;

/** Arguments every optimizer accepts, as the Keras 3 base optimizer (with its `useEma`, `emaMomentum`, `emaOverwriteFrequency`). */
export interface OptimizerArgs extends EmaArgs {
  /** A positive rate, or a schedule giving the rate for each step. Default: the optimizer's Keras default. */
  learningRate?: number | LearningRateFn;
  /** Rescales each parameter's gradient so its L2 norm is at most this (Keras `clipnorm`). */
  clipNorm?: number;
  /** Clamps each gradient element to [−clipValue, clipValue] (Keras `clipvalue`). */
  clipValue?: number;
  /** Rescales all gradients together so their joint L2 norm is at most this (Keras `global_clipnorm`). */
  globalClipNorm?: number;
  /** Decoupled weight decay (Keras 3): w −= lr·weightDecay·w before each update. */
  weightDecay?: number;
}

const BASE_KEYS = ['learningRate', 'clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay', ...EMA_KEYS];

/**
 * Base of every optimizer. A step: the rate for this step (number or schedule at `iterations`),
 * then per trainable parameter one kernel call that clips the gradient (clipNorm scale,
 * globalClipNorm scale or clipValue bound), decays the weights (w ← (1 − lr·weightDecay)·w)
 * and applies the optimizer's update, all in one pass. Nothing is allocated per step.
 */
export abstract class Optimizer {
  /** Keras class name, e.g. 'SGD'. */
  abstract readonly className: string;
  /** Steps taken so far; the schedule sees this before a step, bias corrections see it after (t ≥ 1). */
  iterations = 0;
  /** Per-parameter gradient norm bound, or null. */
  readonly clipNorm: number | null;
  /** Element-wise gradient bound, or null. */
  readonly clipValue: number | null;
  /** Joint gradient norm bound, or null. */
  readonly globalClipNorm: number | null;
  /** Decoupled weight decay factor, or null for none. */
  readonly weightDecay: number | null;
  /** The moving average of the weights (Keras `use_ema`), or null when not kept. */
  readonly ema: WeightAverage | null;
  private rate = 0;
  private readonly schedule: LearningRateFn | null;
  /** Slots per parameter, keyed by the Param (see slots.ts); freed by dispose() or, if forgotten, when collected. */
  private readonly slots: SlotBook;
  /** The operands of the update kernel, refilled per parameter (rate, clipping, decay, buffers). */
  private readonly current: UpdateArgs = updateArgs();
  /** The update rule with its hyper-parameters, run once per trainable parameter per step. */
  protected abstract readonly rule: UpdateRule;

  /**
   * @param who the factory name used in error messages, e.g. 'rmsprop'
   * @param args the arguments as given; keys other than the base ones and `ownKeys` are rejected
   * @param defaultRate the Keras default learning rate
   * @param slotCount float32 arrays of the parameter's size kept per parameter
   */
  protected constructor(protected readonly who: string, args: OptimizerArgs, private readonly ownKeys: readonly string[],
    defaultRate: number, protected readonly slotCount: number) {
    checkOptions(args, who, [...BASE_KEYS, ...ownKeys]);
    this.slots = new SlotBook(() => this.className, slotCount, (index) => this.initialSlotValue(index));
    const lr = args.learningRate ?? defaultRate;
    if (typeof lr === 'function') this.schedule = lr;
    else {
      checkLearningRate(lr, who);
      this.schedule = null;
      this.rate = lr;
    }
    this.clipNorm = optionalPositive(args.clipNorm, who, 'clipNorm');
    this.clipValue = optionalPositive(args.clipValue, who, 'clipValue');
    this.globalClipNorm = optionalPositive(args.globalClipNorm, who, 'globalClipNorm');
    const clips = (['clipNorm', 'clipValue', 'globalClipNorm'] as const).filter((key) => this[key] !== null);
    if (clips.length > 1) throw new Error(`${who}: only one of clipNorm, clipValue and globalClipNorm can be set, got ${clips.join(' and ')}`);
    this.weightDecay = args.weightDecay === undefined || args.weightDecay === null
      ? null : checkInRange(args.weightDecay, who, 'weightDecay', 0, Infinity);
    const ema = checkEmaArgs(args, who);
    this.ema = ema ? new WeightAverage(() => this.className, ema.momentum, ema.overwriteFrequency) : null;
  }

  /** Keras `use_ema`: whether a moving average of the weights is kept. */
  get useEma(): boolean {
    return this.ema !== null;
  }

  /** Keras `ema_momentum` (0.99 unless set with useEma). */
  get emaMomentum(): number {
    return this.ema?.momentum ?? 0.99;
  }

  /** Keras `ema_overwrite_frequency`: steps between overwrites of the weights by their average, or null. */
  get emaOverwriteFrequency(): number | null {
    return this.ema?.overwriteFrequency ?? null;
  }

  /**
   * The arguments that make this optimizer again (`SGD.fromConfig(sgd.getConfig())`): the learning
   * rate (or its schedule), the shared options that are set, the EMA options when `useEma`, and
   * the optimizer's own hyper-parameters.
   */
  getConfig(): Record<string, unknown> {
    const self = this as unknown as Record<string, unknown>;
    const config: Record<string, unknown> = { learningRate: this.schedule ?? this.rate };
    for (const key of ['clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay']) if (self[key] !== null) config[key] = self[key];
    if (this.ema) {
      Object.assign(config, { useEma: true, emaMomentum: this.ema.momentum });
      if (this.ema.overwriteFrequency !== null) config.emaOverwriteFrequency = this.ema.overwriteFrequency;
    }
    for (const key of this.ownKeys) config[key] = Array.isArray(self[key]) ? [...self[key] as unknown[]] : self[key];
    return config;
  }

  /** The optimizer a {@link getConfig} describes (unknown keys are refused naming the nearest valid one). */
  static fromConfig<T extends Optimizer>(this: new (args: OptimizerArgs) => T, config: Record<string, unknown>): T {
    return new this(config as OptimizerArgs);
  }

  /**
   * The learning rate of the next step. Callbacks such as `reduceLROnPlateau` set it; an
   * optimizer made with a schedule follows the schedule and refuses a number (as Keras).
   */
  get learningRate(): number {
    return this.schedule ? this.rateAt(this.iterations) : this.rate;
  }

  set learningRate(value: number) {
    if (this.schedule) {
      throw new TypeError(`${this.who}: the learning rate follows a schedule and cannot be set; ` +
        'make the optimizer with a number as learningRate to change it during training');
    }
    checkLearningRate(value, this.who);
    this.rate = value;
  }

  /** The schedule given as `learningRate`, or null when the rate is a number. */
  get learningRateSchedule(): LearningRateFn | null {
    return this.schedule;
  }

  /** Reserves slots for parameters not seen before, filled with their starting values. */
  prepare(params: readonly Param[]): void {
    for (const p of params) {
      this.slots.of(p);
      if (this.ema && p.trainable) this.ema.prepare(p);
    }
  }

  /**
   * Byte offsets of `param`'s slots in the order the optimizer documents (SGD velocity; Adam
   * first and second moments, ...), reserved on first use. Used to save and restore optimizer state.
   * Throws if the slots were reserved for a different size than `param` has now.
   */
  slotsOf(param: Param): readonly number[] {
    return this.slots.of(param);
  }

  /** Bytes of the slots reserved so far for `params` (reserving nothing): what `summary()` reports. */
  slotBytes(params: readonly Param[]): number {
    return params.reduce((sum, p) => sum + this.slots.bytesOf(p) + (this.ema?.bytesOf(p) ?? 0), 0);
  }

  /**
   * Frees the slots of `params`, whose weights are being freed (a model's `dispose()` calls it for
   * the weights no other live model holds). The optimizer stays usable.
   */
  releaseSlotsOf(params: Iterable<Param>): void {
    const list = [...params];
    this.slots.forget(list);
    this.ema?.forget(list);
  }

  /** Applies one update to every trainable parameter from its gradient. */
  step(params: readonly Param[]): void {
    const lr = this.schedule ? this.rateAt(this.iterations) : this.rate;
    this.iterations++;
    const k = getBackend().kernels;
    const u = this.current;
    u.learningRate = lr;
    u.step = this.iterations;
    u.keep = this.weightDecay === null ? 1 : 1 - lr * this.weightDecay;
    u.gradClip = this.clipValue ?? Infinity;
    u.gradScale = 1;
    if (this.globalClipNorm !== null) {
      let sq = 0;
      for (let i = 0; i < params.length; i++) if (params[i].trainable) sq += k.sumSquares(params[i].grad, params[i].size);
      u.gradScale = clipScale(Math.sqrt(sq), this.globalClipNorm);
    }
    this.beginStep();
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (!p.trainable) continue;
      if (this.clipNorm !== null) u.gradScale = clipScale(Math.sqrt(k.sumSquares(p.grad, p.size)), this.clipNorm);
      u.param = p.ptr; u.grad = p.grad; u.size = p.size;
      u.slots = this.slots.of(p);
      applyUpdate(this.rule, u);
    }
    this.ema?.update(params, this.iterations);
  }

  /**
   * Keras `finalize_variable_values`: with useEma, overwrites each trainable weight with its moving
   * average (fit and fitDataset call it when training ends); otherwise does nothing.
   */
  finalizeVariableValues(params: readonly Param[]): void {
    this.ema?.overwrite(params);
  }

  /** Frees the slots; the optimizer stays usable and starts them afresh. */
  dispose(): void {
    this.slots.clear();
    this.ema?.clear();
  }

  /** Starting value of slot `index` (0 unless the optimizer says otherwise, e.g. Adagrad's accumulator). */
  protected initialSlotValue(_index: number): number {
    return 0;
  }

  /** Once per step, after `iterations` has advanced and before the first `update`. */
  protected beginStep(): void {}

  private rateAt(step: number): number {
    const lr = this.schedule!(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new RangeError(`${this.who}: the learning-rate schedule must give a finite rate ≥ 0, got ${describeValue(lr)} at step ${step}`);
    }
    return lr;
  }
}

/** Keras clip_by_norm: c / max(norm, c); NaN when the norm is not finite, so the damage shows. */
function clipScale(norm: number, c: number): number {
  return Number.isFinite(norm) ? c / Math.max(norm, c) : Number.NaN;
}

/** Throws unless `value` is a finite, positive learning rate. */
export function checkLearningRate(value: unknown, who: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${who}: learningRate must be a positive finite number, got ${describeValue(value)} (or pass a schedule: (step) => rate)`);
  }
}

function optionalPositive(value: unknown, who: string, name: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${who}: ${name} must be a positive finite number, got ${describeValue(value)}`);
  }
  return value;
}
