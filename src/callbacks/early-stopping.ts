/**
 * earlyStopping: ends `fit` when a monitored quantity has stopped improving, as Keras
 * `EarlyStopping` (and tfjs `tf.callbacks.earlyStopping`).
 */
import { checkCount, checkFiniteNumber } from '../core/checks.js';
import type { Tensor } from '../core/tensor.js';
import type { LayersModel } from '../models/model.js';
import type { Callback, Logs } from './callback.js';
import { checkName, monitorValue, resolveMode, type MonitorMode } from './monitor.js';

/** Arguments of {@link earlyStopping}; names and defaults as Keras. */
export interface EarlyStoppingArgs {
  /** Logged quantity to watch; default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement (its absolute value is used); default 0. */
  minDelta?: number;
  /** Epochs without improvement after which training stops; default 0. */
  patience?: number;
  /** 'min', 'max', or 'auto' (rising for accuracy-like names, else falling); default 'auto'. */
  mode?: MonitorMode;
  /** Training continues while the quantity has not beaten this value, for `patience` epochs at most. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends; default false. */
  restoreBestWeights?: boolean;
  /** Epochs (from 0) to wait before watching, e.g. a warm-up; default 0. */
  startFromEpoch?: number;
  /** 1 prints a line when stopping and when restoring weights; default 0. */
  verbose?: 0 | 1;
}

/** The model surface early stopping needs. */
type Stoppable = Pick<LayersModel, 'stopTraining' | 'getWeights' | 'setWeights'>;

/** Keras `EarlyStopping`: stops `fit` after `patience` epochs without improvement. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: 0 | 1;
  /** Epoch index (from 0) at which training was stopped; 0 when it ran to the end. */
  stoppedEpoch = 0;
  /** Epoch index (from 0) of the best monitored value seen. */
  bestEpoch = 0;
  /** Best monitored value seen, or undefined before the first watched epoch. */
  best: number | undefined = undefined;
  /** Epochs since the last improvement. */
  wait = 0;
  private model: Stoppable | null = null;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    const who = 'earlyStopping';
    if (args === null || typeof args !== 'object') throw new TypeError(`${who}: expected an arguments object, got ${String(args)}`);
    this.monitor = checkName(args.monitor ?? 'val_loss', who, 'monitor');
    this.minDelta = Math.abs(checkFiniteNumber(args.minDelta ?? 0, who, 'minDelta'));
    this.patience = checkCount(args.patience ?? 0, who, 'patience');
    this.mode = resolveMode(args.mode ?? 'auto', this.monitor, who);
    this.baseline = args.baseline === undefined ? undefined : checkFiniteNumber(args.baseline, who, 'baseline');
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = checkCount(args.startFromEpoch ?? 0, who, 'startFromEpoch');
    this.verbose = args.verbose ?? 0;
  }

  /** Receives the model being trained (called by `fit`). */
  setModel(model: LayersModel): void {
    this.model = model;
  }

  /** Resets the state so one callback can serve several `fit` calls. */
  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = undefined;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  /** Compares the monitored value with the best so far; sets `model.stopTraining` when patience runs out. */
  onEpochEnd(epoch: number, logs?: Logs): void {
    const current = monitorValue(logs, this.monitor, 'earlyStopping');
    if (epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    // Keras: when nothing was better yet, the current weights are the best.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // Only restart the count when the baseline is beaten too.
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  /** Restores the best weights when asked to. */
  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null && this.model) {
      if (this.verbose) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }

  private isImprovement(value: number, reference: number | undefined): boolean {
    if (reference === undefined) return true;
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  private requireModel(): Stoppable {
    if (!this.model) throw new Error('earlyStopping: no model; pass the callback to model.fit (which calls setModel)');
    return this.model;
  }
}

/**
 * Stops training when `monitor` has not improved by more than `minDelta` for `patience`
 * epochs (Keras `EarlyStopping`); optionally restores the best epoch's weights.
 * The monitored key must be in the epoch logs: a name no log has fails at the first epoch end.
 */
export function earlyStopping(args: EarlyStoppingArgs = {}): EarlyStopping {
  return new EarlyStopping(args);
}
