/**
 * Reading untrusted JSON: type checks whose errors name where the value is, what was expected
 * and what was found, and a reader of one layer's config that refuses options it does not know.
 */

import { describeValue, isObject } from '../core/checks.js';

export { describeValue, isObject };

/** Reads one layer config; every key must be read, declared harmless, or be at its default. */
export class ConfigReader {
  private readonly seen = new Set<string>();

  constructor(
    /** How errors name the layer, e.g. "layer 'dense_1' (Dense)". */
    readonly who: string,
    private readonly config: Record<string, unknown>,
  ) {}

  /** Whether the key is present and not null. */
  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  /** The raw value, marking the key as understood. */
  raw(key: string): unknown {
    this.seen.add(key);
    return Object.prototype.hasOwnProperty.call(this.config, key) ? this.config[key] : undefined;
  }

  private fail(key: string, expected: string, value: unknown): never {
    throw new Error(`${this.who}: config '${key}' must be ${expected}, got ${describeValue(value)}`);
  }

  /** A number (finite), or `fallback` when absent. */
  number(key: string, fallback?: number): number {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number', v);
    return v;
  }

  /** A positive integer, or `fallback` when absent. */
  positiveInt(key: string, fallback?: number): number {
    const v = this.raw(key) ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) < 1) this.fail(key, 'a positive integer', v);
    return v as number;
  }

  /** A boolean, or `fallback` when absent. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** A string, or `fallback` when absent. */
  string(key: string, fallback?: string): string {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'string') this.fail(key, 'a string', v);
    return v;
  }

  /** A positive integer or a pair of them (Keras writes [h, w]); `fallback` when absent. */
  pair(key: string, fallback?: number | [number, number]): [number, number] {
    const v = this.raw(key) ?? fallback;
    const p = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      this.fail(key, 'a positive integer or a pair of them', v);
    }
    return [p[0], p[1]];
  }

  /** A list of integers (each ≥ `min`). */
  intList(key: string, min: number): number[] {
    const v = this.raw(key);
    if (!Array.isArray(v) || v.some((d) => !Number.isSafeInteger(d) || d < min)) this.fail(key, `a list of integers ≥ ${min}`, v);
    return [...v];
  }

  /** Accepts the key only when absent or equal to one of `allowed` (null means absent); names it otherwise. */
  requireDefault(key: string, ...allowed: unknown[]): void {
    const v = this.raw(key);
    if (v === undefined || v === null || allowed.some((a) => a === v)) return;
    const ok = allowed.length ? ` (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')})` : '';
    throw new Error(`${this.who}: option '${key}' = ${describeValue(v)} is not supported${ok}`);
  }

  /** Keys whose value does not change what the loaded layer computes (initialisers, names, ...). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  /** Throws naming the first option that was neither read nor declared harmless. */
  finish(): void {
    for (const key of Object.keys(this.config)) {
      if (!this.seen.has(key)) throw new Error(`${this.who}: option '${key}' (${describeValue(this.config[key])}) is not supported`);
    }
  }
}
