/**
 * Training hooks, as tfjs: any object with some of these methods. `logs` carry the
 * metrics by name ('loss', 'accuracy', 'val_loss', ...).
 */
import type { LayersModel } from '../models/model.js';

/** Metric values by name, as passed to callbacks. */
export type Logs = Record<string, number>;

/** What `fit` tells callbacks before training (tfjs `setParams`). */
export interface TrainingParams {
  /** Epochs asked for. */
  epochs: number;
  /** Training samples per epoch; 0 when fit is given a dataset (not known in advance). */
  samples: number;
  /** Samples per step; 0 for a dataset (its batches may differ). */
  batchSize: number;
  /** Steps (batches) per epoch; 0 for a dataset walked to its end each epoch (no batchesPerEpoch / stepsPerEpoch). */
  steps: number;
}

/** Hooks called by `fit`; each may return a promise, which `fit` awaits. */
export interface Callback {
  /** Called by `fit` before training with the model being trained (tfjs `setModel`). */
  setModel?(model: LayersModel): void;
  /** Called by `fit` before training with the run's sizes (tfjs `setParams`). */
  setParams?(params: TrainingParams): void;
  /** Before the first epoch. */
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  /** After the last epoch, or the epoch where `model.stopTraining` was set. */
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  /** Before each epoch (`epoch` counts from 0). */
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  /** After each epoch with its logs: loss, metrics, and `val_`-prefixed ones when validating. */
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  /** Before each step; logs carry `batch` and `size`. */
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** After each step; logs carry `batch`, `size` and the batch's mean `loss`. */
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** The record `fit` returns: one entry per epoch for every logged metric. */
export class History {
  /** Epoch indices, from 0. */
  readonly epoch: number[] = [];
  /** Per metric name ('loss', 'accuracy', 'val_loss', 'val_accuracy'), one value per epoch. */
  readonly history: Record<string, number[]> = {};

  constructor(readonly params: TrainingParams) {}

  /** Appends one epoch's logs. */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
