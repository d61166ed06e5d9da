/**
 * The one module of argument checks: every public function checks its arguments with these, so
 * errors read the same everywhere ("who: arg must be ..., got ...") and an unknown option key
 * names the nearest valid one.
 */

/** True for a plain (non-null, non-array) object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for error messages: 'text', a number, JSON cut to 80 characters, or its type. */
export function describeValue(value: unknown, depth = 0): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  // Only the start of a list is shown, and nesting stops at 3 levels: a file may nest lists deeper than the stack.
  const text = Array.isArray(value)
    ? (depth >= 3 ? (value.length ? '[...]' : '[]') : `[${value.slice(0, 20).map((v) => describeValue(v, depth + 1)).join(', ')}${value.length > 20 ? ', ...' : ''}]`)
    : jsonOrUndefined(value);
  if (text === undefined) return typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** JSON text of a value, or undefined when it has none (cycles, symbols). */
function jsonOrUndefined(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Keys compared without case and underscores, so `kernel_size` finds `kernelSize`. */
const fold = (key: string): string => key.replace(/_/g, '').toLowerCase();

/** The valid key closest to `key`, or undefined when none is close (more than a third of it differs). */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = editDistance(fold(key), fold(candidate));
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return bestDistance <= Math.max(2, Math.floor(fold(key).length / 3)) ? best : undefined;
}

/**
 * Throws unless `options` is a plain object whose keys are all in `valid`; an unknown key names
 * the nearest valid one ("unknown option 'kernel_size'; did you mean 'kernelSize'?").
 */
export function checkOptions(options: unknown, who: string, valid: readonly string[]): void {
  if (!isObject(options)) throw new TypeError(`${who}: expected an options object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const near = nearestKey(key, valid);
    const hint = near ? `did you mean '${near}'?` : `valid options: ${valid.join(', ')}`;
    throw new TypeError(`${who}: unknown option '${key}'; ${hint}`);
  }
}

/** Returns `value` when it is an integer ≥ 1; otherwise throws naming `who` and `arg`. */
export function checkPositiveInteger(value: unknown, who: string, arg: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${who}: ${arg} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` when it is an integer ≥ 0; otherwise throws naming `who` and `arg`. */
export function checkCount(value: unknown, who: string, arg: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${who}: ${arg} must be an integer ≥ 0, got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` when it is a finite number (optionally ≥ 0, or > 0); otherwise throws. */
export function checkFiniteNumber(value: unknown, who: string, arg: string, bound: 'any' | 'nonNegative' | 'positive' = 'any'): number {
  const ok = typeof value === 'number' && Number.isFinite(value) &&
    (bound === 'any' || (bound === 'nonNegative' ? value >= 0 : value > 0));
  if (!ok) {
    const expected = bound === 'any' ? 'a finite number' : bound === 'nonNegative' ? 'a finite number ≥ 0' : 'a finite number > 0';
    throw new RangeError(`${who}: ${arg} must be ${expected}, got ${describeValue(value)}`);
  }
  return value as number;
}

/** Returns `value` when it is a number in [lo, hi) (or [lo, hi] when `closed`); otherwise throws. */
export function checkInRange(value: unknown, who: string, arg: string, lo: number, hi: number, closed = false): number {
  if (typeof value !== 'number' || !(value >= lo && (closed ? value <= hi : value < hi))) {
    throw new RangeError(`${who}: ${arg} must be a number in [${lo}, ${hi}${closed ? ']' : ')'}, got ${describeValue(value)}`);
  }
  return value;
}

/** Returns `value` when it is true or false; otherwise throws. */
export function checkBoolean(value: unknown, who: string, arg: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${who}: ${arg} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** Returns `value` when it is one of `choices`; otherwise throws listing them. */
export function checkChoice<T extends string>(value: unknown, who: string, arg: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(`${who}: ${arg} must be ${choices.map((c) => `'${c}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Throws unless a per-sample shape is a non-empty list of positive integers. */
export function checkShapeList(shape: unknown, who: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${who} must be a non-empty list of positive integers, got ${describeValue(shape)}`);
  }
  return shape as number[];
}
