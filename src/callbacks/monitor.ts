/**
 * Shared pieces of the callbacks that watch a logged quantity (earlyStopping,
 * reduceLROnPlateau): argument checks, the direction of improvement, and reading the
 * monitored value with a clear error when no log has it.
 */
import type { Logs } from './callback.js';

/** Whether the monitored quantity should fall ('min'), rise ('max'), or be inferred from its name ('auto'). */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Metric names (without a `val_` prefix) that improve by rising. */
const RISING = /acc|auc|precision|recall|^f1|iou/i;

/** Throws unless `value` is a finite number (optionally ≥ 0, or > 0), naming `who` and `arg`. */
export function checkNumber(value: unknown, who: string, arg: string, bound: 'any' | 'nonNegative' | 'positive' = 'any'): number {
  const ok = typeof value === 'number' && Number.isFinite(value) &&
    (bound === 'any' || (bound === 'nonNegative' ? value >= 0 : value > 0));
  if (!ok) {
    const expected = bound === 'any' ? 'a finite number' : bound === 'nonNegative' ? 'a finite number ≥ 0' : 'a finite number > 0';
    throw new RangeError(`${who}: ${arg} must be ${expected}, got ${describe(value)}`);
  }
  return value as number;
}

/** Throws unless `value` is an integer ≥ 0, naming `who` and `arg`. */
export function checkCount(value: unknown, who: string, arg: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${who}: ${arg} must be an integer ≥ 0, got ${describe(value)}`);
  }
  return value;
}

/** Throws unless `value` is a non-empty string. */
export function checkName(value: unknown, who: string, arg: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${who}: ${arg} must be a non-empty string such as 'val_loss', got ${describe(value)}`);
  }
  return value;
}

/** 'min' or 'max' for `mode` and `monitor`: 'auto' means rising for accuracy-like names, else falling. */
export function resolveMode(mode: unknown, monitor: string, who: string): 'min' | 'max' {
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') {
    throw new RangeError(`${who}: mode must be 'auto', 'min' or 'max', got ${describe(mode)}`);
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

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value;
}
