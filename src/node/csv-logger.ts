/// <reference types="node" />
/**
 * csvLogger: one row per epoch (`epoch,<metrics...>`) in a CSV file, as Keras `CSVLogger`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Callback, Logs } from '../callbacks/callback.js';
import { describeValue } from '../core/checks.js';

/** Options of {@link csvLogger}. */
export interface CSVLoggerOptions {
  /** Column separator; default ','. */
  separator?: string;
  /** Add to an existing file instead of replacing it; default false. */
  append?: boolean;
}

/** Keras `CSVLogger`: a header `epoch,<sorted log keys>` then one row per epoch, written as it ends. */
export class CSVLogger implements Callback {
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private writeHeader = true;

  constructor(readonly path: string, options: CSVLoggerOptions = {}) {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`csvLogger: path must be a non-empty file path, got ${describeValue(path)}`);
    this.separator = options.separator ?? ',';
    if (typeof this.separator !== 'string' || this.separator.length === 0 || /[\n\r"]/.test(this.separator)) {
      throw new RangeError(`csvLogger: separator must be a non-empty string without quotes or newlines, got ${describeValue(this.separator)}`);
    }
    this.append = options.append ?? false;
  }

  /** Starts the file (or, with `append`, continues it; its header is kept). */
  onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.keys = null;
    if (this.append && existsSync(this.path) && readFileSync(this.path, 'utf8').length > 0) {
      this.writeHeader = false;
    } else {
      this.writeHeader = true;
      writeFileSync(this.path, '');
    }
  }

  /** Appends the epoch's row; the columns are fixed by the first epoch's logs. */
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.keys ??= Object.keys(logs).filter((k) => k !== 'batch' && k !== 'size').sort();
    let text = '';
    if (this.writeHeader) {
      text += ['epoch', ...this.keys].map((k) => this.quote(k)).join(this.separator) + '\n';
      this.writeHeader = false;
    }
    text += [String(epoch), ...this.keys.map((k) => (k in logs ? String(logs[k]) : 'NA'))].join(this.separator) + '\n';
    appendFileSync(this.path, text);
  }

  private quote(field: string): string {
    return field.includes(this.separator) || /["\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
  }
}

/** Streams the epoch logs to a CSV file at `path` (Keras `CSVLogger`). */
export function csvLogger(path: string, options: CSVLoggerOptions = {}): CSVLogger {
  return new CSVLogger(path, options);
}
