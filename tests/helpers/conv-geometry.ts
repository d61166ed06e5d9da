// Window geometry for the conv/pool kernel tests: turns tfjs-style padding into the kernels'
// top/left amounts and output size, as the façade does, plus finite-difference helpers.

/** 'valid', 'same', or explicit [[top, bottom], [left, right]]. */
export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

/** Output size and leading pad along one axis (tfjs rules: 'same' puts the odd cell at the end). */
export function axis(size: number, k: number, stride: number, dilation: number, padding: Padding, which: 0 | 1): { out: number; pad: number } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.ceil((size - eff + 1) / stride), pad: 0 };
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    return { out, pad: Math.floor(Math.max((out - 1) * stride + eff - size, 0) / 2) };
  }
  const [before, after] = padding[which];
  return { out: Math.floor((size + before + after - eff) / stride) + 1, pad: before };
}

/** Short label for a padding in test names. */
export function padLabel(p: Padding): string {
  return typeof p === 'string' ? p : `[[${p[0]}],[${p[1]}]]`;
}

/** Input coordinate of tap t of output o, or -1 when it falls in the padding. */
export function tapAt(o: number, t: number, stride: number, dilation: number, pad: number, size: number): number {
  const i = o * stride - pad + t * dilation;
  return i >= 0 && i < size ? i : -1;
}

/**
 * Central difference of f at values[index]: the perturbation actually applied is measured after
 * rounding to f32, so the quotient stays exact for functions that are linear around the point.
 */
export function centralDifference(values: Float32Array, index: number, h: number, f: (v: Float32Array) => number): number {
  const v0 = values[index];
  const plus = Math.fround(v0 + h), minus = Math.fround(v0 - h);
  values[index] = plus;
  const fp = f(values);
  values[index] = minus;
  const fm = f(values);
  values[index] = v0;
  return (fp - fm) / (plus - minus);
}

/** Σ g·y in float64: the scalar whose gradient with respect to y is g. */
export function dot(g: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * y[i];
  return s;
}

/** `count` distinct indices below n drawn with rng (all of them when n ≤ count). */
export function sampleIndices(n: number, count: number, rng: () => number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(rng() * n));
  return [...picked];
}
