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

/** One convolution test case: input [n, h, w, inC], kernel [kh, kw, inC, outC], strides, dilations, padding. */
export interface ConvCase {
  n: number; h: number; w: number; inC: number; outC: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; padding: Padding;
}

/** Shorthand for a ConvCase, arguments in the order of the interface. */
export const convCase = (n: number, h: number, w: number, inC: number, outC: number, kh: number, kw: number,
  sh: number, sw: number, dh: number, dw: number, padding: Padding): ConvCase => ({ n, h, w, inC, outC, kh, kw, sh, sw, dh, dw, padding });

/** The case with the façade's derived sizes: output size, top/left padding, K = kh·kw·inC, M = n·outH·outW. */
export function convGeometry(c: ConvCase) {
  const y = axis(c.h, c.kh, c.sh, c.dh, c.padding, 0), x = axis(c.w, c.kw, c.sw, c.dw, c.padding, 1);
  return { ...c, outH: y.out, outW: x.out, padTop: y.pad, padLeft: x.pad, K: c.kh * c.kw * c.inC, M: c.n * y.out * x.out };
}
export type ConvGeometry = ReturnType<typeof convGeometry>;

/** The direct 7-loop convolution: visit(xi, wi, yi) for every product x[xi]·w[wi] that adds into y[yi]. */
export function eachConvProduct(g: ConvGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++)
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = tapAt(oy, ky, g.sh, g.dh, g.padTop, g.h), ix = tapAt(ox, kx, g.sw, g.dw, g.padLeft, g.w);
      if (iy < 0 || ix < 0) continue;
      for (let ci = 0; ci < g.inC; ci++) for (let co = 0; co < g.outC; co++) {
        visit(((b * g.h + iy) * g.w + ix) * g.inC + ci, ((ky * g.kw + kx) * g.inC + ci) * g.outC + co, ((b * g.outH + oy) * g.outW + ox) * g.outC + co);
      }
    }
}

/** Convolution forward in float64, plus an optional bias per output channel. */
export function convForwardRef(g: ConvGeometry, x: Float32Array, w: Float32Array, bias: Float32Array | null = null): Float64Array {
  const y = new Float64Array(g.M * g.outC);
  if (bias) for (let i = 0; i < y.length; i++) y[i] = bias[i % g.outC];
  eachConvProduct(g, (xi, wi, yi) => { y[yi] += x[xi] * w[wi]; });
  return y;
}
