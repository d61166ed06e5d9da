/**
 * Training hooks, as tfjs: any object with some of these methods. `logs` carry the
 * metrics by name ('loss', 'accuracy', 'val_loss', ...).
 */
import type { LayersModel } from '../models/model.js';

export type Logs = Record<string, number>;

/** Hooks called by `fit`; each may return a promise, which `fit` awaits. */
export interface Callback {
  /** Called by `fit` before training with the model being trained (tfjs `setModel`). */
  setModel?(model: LayersModel): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** The record `fit` returns: one entry per epoch for every logged metric. */
export class History {
  /** Epoch indices, from 0. */
  readonly epoch: number[] = [];
  /** Per metric name ('loss', 'accuracy', 'val_loss', 'val_accuracy'), one value per epoch. */
  readonly history: Record<string, number[]> = {};

  constructor(readonly params: { epochs: number; samples: number; batchSize: number; steps: number }) {}

  /** Appends one epoch's logs. */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
