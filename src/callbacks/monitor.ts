/**
 * Shared pieces of the callbacks that watch a logged quantity (earlyStopping,
 * reduceLROnPlateau): argument checks, the direction of improvement, and reading the
 * monitored value with a clear error when no log has it.
 */
import { describeValue } from '../core/checks.js';
import type { Logs } from './callback.js';

/** Whether the monitored quantity should fall ('min'), rise ('max'), or be inferred from its name ('auto'). */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Metric names (without a `val_` prefix) that improve by rising. */
const RISING = /acc|auc|precision|recall|^f1|iou/i;

/** Throws unless `value` is a non-empty string. */
export function checkName(value: unknown, who: string, arg: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${who}: ${arg} must be a non-empty string such as 'val_loss', got ${describeValue(value)}`);
  }
  return value;
}

/** 'min' or 'max' for `mode` and `monitor`: 'auto' means rising for accuracy-like names, else falling. */
export function resolveMode(mode: unknown, monitor: string, who: string): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new RangeError(`${who}: mode must be 'auto', 'min' or 'max', got ${describeValue(mode)}`);
  }
  if (mode !== 'auto') return mode;
  const base = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  return base.endsWith('loss') || !RISING.test(base) ? 'min' : 'max';
}

/**
 * The monitored value in `logs`; throws naming the key and the keys that are there when it is
 * missing (for example 'val_loss' without validation data).
 */
export function monitorValue(logs: Logs | undefined, monitor: string, who: string): number {
  const value = logs?.[monitor];
  if (typeof value !== 'number') {
    const available = logs ? Object.keys(logs) : [];
    const hint = monitor.startsWith('val_') ? ' (validation metrics need validationData or validationSplit in fit)' : '';
    throw new Error(`${who}: monitor '${monitor}' is in no log; the epoch logs have ${available.length ? available.map((k) => `'${k}'`).join(', ') : 'no keys'}${hint}`);
  }
  return value;
}

