/// <reference types="node" />
/**
 * tensorBoard: writes the epoch logs as TensorBoard scalars, as Keras `TensorBoard`:
 * training values to `<logDir>/train`, validation values to `<logDir>/validation`, tags
 * `epoch_loss`, `epoch_accuracy`, ... at step = epoch index. View with `tensorboard --logdir <logDir>`.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Callback, Logs } from '../callbacks/callback.js';
import { describeValue } from '../core/checks.js';
import { encodeEvent, frameRecord, type Scalar } from './event-file.js';

/** Arguments of {@link tensorBoard}. */
export interface TensorBoardArgs {
  /** Directory of the run; created when missing. Default 'logs' (Keras). */
  logDir?: string;
  /**
   * 'epoch' (default) writes scalars once per epoch; a number N also writes `batch_loss` every N
   * steps (step = steps taken in this fit), flushed at each epoch end.
   */
  updateFreq?: 'epoch' | number;
}

/** One event file: created with its file_version record, then appended to. */
export class EventFileWriter {
  /** Path of the file. */
  readonly path: string;
  private pending: Uint8Array[] = [];

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}`);
    let path = base;
    for (let n = 1; existsSync(path); n++) path = `${base}.${n}`;
    this.path = path;
    appendFileSync(path, frameRecord(encodeEvent(Date.now() / 1000, 0, { fileVersion: 'brain.Event:2' })));
  }

  /** Queues an Event holding `scalars` at `step`. */
  add(step: number, scalars: readonly Scalar[]): void {
    this.pending.push(frameRecord(encodeEvent(Date.now() / 1000, step, { scalars })));
  }

  /** Appends what is queued to the file. */
  flush(): void {
    if (this.pending.length === 0) return;
    const total = this.pending.reduce((s, r) => s + r.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const r of this.pending) {
      out.set(r, at);
      at += r.length;
    }
    this.pending = [];
    appendFileSync(this.path, out);
  }
}

/** Keras `TensorBoard` (scalars only): event files TensorBoard reads. */
export class TensorBoard implements Callback {
  readonly logDir: string;
  readonly updateFreq: 'epoch' | number;
  /** Writer of `<logDir>/train`, once training began. */
  train: EventFileWriter | null = null;
  /** Writer of `<logDir>/validation`, once validation logs appeared. */
  validation: EventFileWriter | null = null;
  /** Present only with a numeric `updateFreq`, so fit skips batch hooks otherwise. */
  readonly onBatchEnd?: (batch: number, logs?: Logs) => void;
  private steps = 0;
  private readonly batchScalar: Scalar[] = [{ tag: 'batch_loss', value: 0 }];

  constructor(args: TensorBoardArgs = {}) {
    const who = 'tensorBoard';
    if (args === null || typeof args !== 'object') throw new TypeError(`${who}: expected { logDir }, got ${describeValue(args)}`);
    const logDir = args.logDir ?? 'logs';
    if (typeof logDir !== 'string' || logDir.length === 0) throw new TypeError(`${who}: logDir must be a non-empty path, got ${describeValue(logDir)}`);
    const freq = args.updateFreq ?? 'epoch';
    if (freq !== 'epoch' && (typeof freq !== 'number' || !Number.isInteger(freq) || freq < 1)) {
      throw new RangeError(`${who}: updateFreq must be 'epoch' or an integer ≥ 1, got ${describeValue(freq)}`);
    }
    this.logDir = logDir;
    this.updateFreq = freq;
    if (typeof freq === 'number') {
      this.onBatchEnd = (_batch, logs) => {
        this.steps++;
        if (this.steps % freq !== 0 || logs?.loss === undefined) return;
        this.batchScalar[0].value = logs.loss;
        this.train?.add(this.steps, this.batchScalar);
      };
    }
  }

  /** Opens a new event file under `<logDir>/train`. */
  onTrainBegin(): void {
    this.train = new EventFileWriter(join(this.logDir, 'train'));
    this.validation = null;
    this.steps = 0;
  }

  /** Writes `epoch_<name>` scalars for the epoch's training and validation logs. */
  onEpochEnd(epoch: number, logs?: Logs): void {
    const train: Scalar[] = [];
    const validation: Scalar[] = [];
    for (const [key, value] of Object.entries(logs ?? {})) {
      if (key === 'batch' || key === 'size' || typeof value !== 'number') continue;
      if (key.startsWith('val_')) validation.push({ tag: `epoch_${key.slice(4)}`, value });
      else train.push({ tag: `epoch_${key}`, value });
    }
    this.train ??= new EventFileWriter(join(this.logDir, 'train'));
    if (train.length) this.train.add(epoch, train);
    this.train.flush();
    if (validation.length) {
      this.validation ??= new EventFileWriter(join(this.logDir, 'validation'));
      this.validation.add(epoch, validation);
      this.validation.flush();
    }
  }

  /** Writes anything still queued. */
  onTrainEnd(): void {
    this.train?.flush();
    this.validation?.flush();
  }
}

/** Writes TensorBoard event files with the epoch scalars of `fit` (Keras `TensorBoard`). */
export function tensorBoard(args: TensorBoardArgs = {}): TensorBoard {
  return new TensorBoard(args);
}
