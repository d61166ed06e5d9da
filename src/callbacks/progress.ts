/**
 * A Keras-style progress bar, writing to any text sink (the Node entry binds it to the
 * standard output). On a terminal one line per epoch is redrawn in place:
 *
 *   Epoch 2/5
 *   120/469 [======>.......................] - ETA: 2s - loss: 0.3120
 *
 * and finished as `469/469 [==============================] - 3s 6ms/step - loss: ... - val_loss: ...`.
 * Elsewhere (a pipe, a file, CI logs) only the finished line of each epoch is written.
 */
import type { Callback, Logs, TrainingParams } from './callback.js';

/** Where a {@link ProgressBar} writes. */
export interface ProgressOutput {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
  /** True for a terminal: the line is redrawn with '\r'; otherwise only whole lines are written. */
  isTTY?: boolean;
  /** Terminal width in characters, used to keep the line from wrapping. */
  columns?: number;
}

/** Arguments of the progress bar. */
export interface ProgressBarArgs {
  /** Characters between the brackets; default 30 (Keras). */
  width?: number;
  /** Least time between two redraws on a terminal, in ms; default 50 (Keras). */
  interval?: number;
}

const SKIPPED = new Set(['batch', 'size']);

function formatSeconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s)}s`;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** Keras-style progress reporting for `fit` (tfjs-node's verbose output). */
export class ProgressBar implements Callback {
  readonly width: number;
  readonly interval: number;
  private epochs = 0;
  private steps = 0;
  private epoch = 0;
  private seen = 0;
  private started = 0;
  private lastDraw = 0;
  /** Running sums of batch log values, weighted by batch size, for the keys seen this epoch. */
  private readonly keys: string[] = [];
  private readonly sums: number[] = [];
  private samples = 0;

  constructor(private readonly output: ProgressOutput, args: ProgressBarArgs = {}) {
    if (!output || typeof output.write !== 'function') throw new TypeError('progressBar: output must have a write(text) method');
    this.width = args.width ?? 30;
    this.interval = args.interval ?? 50;
    if (!Number.isInteger(this.width) || this.width < 1) throw new RangeError(`progressBar: width must be an integer ≥ 1, got ${this.width}`);
    if (!Number.isFinite(this.interval) || this.interval < 0) throw new RangeError(`progressBar: interval must be a finite number ≥ 0, got ${this.interval}`);
  }

  /** Receives epochs and steps per epoch (called by `fit`). */
  setParams(params: TrainingParams): void {
    this.epochs = params.epochs;
    this.steps = params.steps;
  }

  /** Writes the epoch header and starts the clock. */
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.seen = 0;
    this.samples = 0;
    this.sums.fill(0);
    this.started = performance.now();
    this.lastDraw = 0;
    this.output.write(`Epoch ${epoch + 1}${this.epochs ? `/${this.epochs}` : ''}\n`);
  }

  /** Accumulates the batch's logs; redraws the line on a terminal at most every `interval` ms. */
  onBatchEnd(batch: number, logs?: Logs): void {
    this.seen = batch + 1;
    if (logs) {
      const n = logs.size ?? 1;
      this.samples += n;
      for (const key in logs) {
        if (SKIPPED.has(key)) continue;
        let i = this.keys.indexOf(key);
        if (i < 0) {
          i = this.keys.push(key) - 1;
          this.sums.push(0);
        }
        this.sums[i] += logs[key] * n;
      }
    }
    if (!this.output.isTTY) return;
    const now = performance.now();
    if (now - this.lastDraw < this.interval && this.seen !== this.steps) return;
    this.lastDraw = now;
    this.draw(now, null);
  }

  /** Writes the finished line with the epoch's logs (validation included). */
  onEpochEnd(_epoch: number, logs?: Logs): void {
    this.draw(performance.now(), logs ?? {});
    this.output.write('\n');
  }

  /** The current line; `final` holds the epoch logs once the epoch is over. */
  private draw(now: number, final: Logs | null): void {
    const seconds = (now - this.started) / 1000;
    const steps = this.steps || this.seen;
    const done = final ? steps : this.seen;
    let line = `${String(done).padStart(String(steps).length)}/${this.steps || '?'}`;
    if (this.steps) {
      // Keras: (filled - 1) '=' then '>' while running ('=' when done), dots for the rest.
      const filled = Math.floor((this.width * Math.min(done, this.steps)) / this.steps);
      const bar = filled > 0 ? '='.repeat(filled - 1) + (done < this.steps ? '>' : '=') : '';
      line += ` [${bar}${'.'.repeat(this.width - filled)}]`;
    }
    if (final) {
      const perStep = done ? (seconds * 1000) / done : 0;
      line += ` - ${formatSeconds(seconds)} ${perStep >= 1 ? `${Math.round(perStep)}ms` : `${Math.round(perStep * 1000)}us`}/step`;
      for (const key in final) if (!SKIPPED.has(key)) line += ` - ${key}: ${formatValue(final[key])}`;
    } else {
      if (this.steps && done) line += ` - ETA: ${formatSeconds((seconds / done) * (this.steps - done))}`;
      for (let i = 0; i < this.keys.length; i++) {
        if (this.samples) line += ` - ${this.keys[i]}: ${formatValue(this.sums[i] / this.samples)}`;
      }
    }
    if (!this.output.isTTY) {
      this.output.write(line);
      return;
    }
    const columns = this.output.columns ?? 0;
    if (columns > 1 && line.length >= columns) line = line.slice(0, columns - 1);
    // Return to the line start and clear it before redrawing (shorter lines leave no residue).
    this.output.write(`\r\x1b[2K${line}`);
  }
}
