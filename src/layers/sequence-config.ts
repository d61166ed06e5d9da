/**
 * Config readers the sequence layers share: Keras and tfjs write a 1-D size as a list of one
 * ([3]), older files as a number, and a 1-D padding as 'valid', 'same' or (Conv1D) 'causal'.
 */
import type { Padding1D } from '../core/window1d.js';
import { describeValue } from '../core/checks.js';
import { ConfigReader, readChoice } from './keras-config.js';

/** A positive integer written as n or [n]; `fallback` when absent. */
export function readSingle(r: ConfigReader, key: string, fallback?: number): number {
  const v = r.raw(key) ?? fallback;
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!Number.isSafeInteger(n) || (n as number) < 1) throw new Error(`${r.who}: config '${key}' must be a positive integer or a list of one, got ${describeValue(v)}`);
  return n as number;
}

/** The `padding` key among `allowed` ('valid' when absent). */
export function readPadding1D(r: ConfigReader, allowed: readonly Padding1D[]): Padding1D {
  return readChoice(r, 'padding', allowed, 'valid');
}
