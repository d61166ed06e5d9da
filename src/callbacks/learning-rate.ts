/**
 * Callbacks that change the compiled optimizer's learning rate between epochs:
 * learningRateScheduler and reduceLROnPlateau, as Keras.
 */
import { checkCount, checkFiniteNumber, describeValue } from '../core/checks.js';
import type { LayersModel } from '../models/model.js';
import type { Callback, Logs } from './callback.js';
import { checkName, monitorValue, resolveMode, type MonitorMode } from './monitor.js';

/** The model surface these callbacks need: an optimizer whose learningRate can be set. */
type WithOptimizer = Pick<LayersModel, 'optimizer'>;

function requireModel(model: WithOptimizer | null, who: string): WithOptimizer {
  if (!model) throw new Error(`${who}: no model; pass the callback to model.fit (which calls setModel)`);
  return model;
}

/** A schedule for {@link learningRateScheduler}: the epoch (from 0) and the current rate to the new rate. */
export type EpochSchedule = (epoch: number, learningRate: number) => number;

/** Keras `LearningRateScheduler`: sets the learning rate from `schedule(epoch, lr)` before each epoch. */
export class LearningRateScheduler implements Callback {
  private model: WithOptimizer | null = null;

  constructor(readonly schedule: EpochSchedule, readonly verbose: 0 | 1 = 0) {
    if (typeof schedule !== 'function') {
      throw new TypeError(`learningRateScheduler: schedule must be a function (epoch, lr) => lr, got ${describeValue(schedule)}`);
    }
  }

  /** Receives the model being trained (called by `fit`). */
  setModel(model: LayersModel): void {
    this.model = model;
  }

  /** Asks the schedule for this epoch's rate and sets it on the optimizer. */
  onEpochBegin(epoch: number): void {
    const optimizer = requireModel(this.model, 'learningRateScheduler').optimizer;
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw new RangeError(`learningRateScheduler: the schedule must return a positive finite learning rate, got ${describeValue(lr)} at epoch ${epoch}`);
    }
    optimizer.learningRate = lr;
    if (this.verbose) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
}

/** Sets the learning rate before each epoch to `schedule(epoch, currentRate)` (Keras `LearningRateScheduler`). */
export function learningRateScheduler(schedule: EpochSchedule, verbose: 0 | 1 = 0): LearningRateScheduler {
  return new LearningRateScheduler(schedule, verbose);
}

/** Arguments of {@link reduceLROnPlateau}; names and defaults as Keras. */
export interface ReduceLROnPlateauArgs {
  /** Logged quantity to watch; default 'val_loss'. */
  monitor?: string;
  /** Factor the rate is multiplied by, in (0, 1); default 0.1. */
  factor?: number;
  /** Epochs without improvement before the rate is reduced; default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement; default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again; default 0. */
  cooldown?: number;
  /** Lower bound of the rate; default 0. */
  minLr?: number;
  /** 'min', 'max', or 'auto' (rising for accuracy-like names, else falling); default 'auto'. */
  mode?: MonitorMode;
  /** 1 prints a line at each reduction; default 0. */
  verbose?: 0 | 1;
}

/** Keras `ReduceLROnPlateau`: multiplies the learning rate by `factor` when the monitored quantity stalls. */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly mode: 'min' | 'max';
  readonly verbose: 0 | 1;
  /** Best monitored value so far. */
  best = Infinity;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  private model: WithOptimizer | null = null;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    const who = 'reduceLROnPlateau';
    if (args === null || typeof args !== 'object') throw new TypeError(`${who}: expected an arguments object, got ${String(args)}`);
    this.monitor = checkName(args.monitor ?? 'val_loss', who, 'monitor');
    this.factor = checkFiniteNumber(args.factor ?? 0.1, who, 'factor', 'positive');
    if (this.factor >= 1) throw new RangeError(`${who}: factor must be in (0, 1) so the rate falls, got ${this.factor}`);
    this.patience = checkCount(args.patience ?? 10, who, 'patience');
    this.minDelta = checkFiniteNumber(args.minDelta ?? 1e-4, who, 'minDelta', 'nonNegative');
    this.cooldown = checkCount(args.cooldown ?? 0, who, 'cooldown');
    this.minLr = checkFiniteNumber(args.minLr ?? 0, who, 'minLr', 'nonNegative');
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor, who);
    this.verbose = args.verbose ?? 0;
    this.reset();
  }

  /** Receives the model being trained (called by `fit`). */
  setModel(model: LayersModel): void {
    this.model = model;
  }

  /** Resets the counters (each `fit` starts afresh). */
  onTrainBegin(): void {
    this.reset();
  }

  /** Counts epochs without improvement and reduces the rate when patience runs out. */
  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = monitorValue(logs, this.monitor, 'reduceLROnPlateau');
    const optimizer = requireModel(this.model, 'reduceLROnPlateau').optimizer;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = optimizer.learningRate;
        if (old > Math.fround(this.minLr)) {
          const lr = Math.max(old * this.factor, this.minLr);
          optimizer.learningRate = lr;
          if (this.verbose) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }

  private reset(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }
}

/**
 * Multiplies the optimizer's learning rate by `factor` (not below `minLr`) once `monitor` has
 * not improved by more than `minDelta` for `patience` epochs (Keras `ReduceLROnPlateau`).
 */
export function reduceLROnPlateau(args: ReduceLROnPlateauArgs = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(args);
}
