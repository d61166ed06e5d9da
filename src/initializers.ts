/**
 * Weight initialisers with Keras names and defaults, drawing from the library's seedable generator.
 * The variance-scaling family (glorot / he / lecun) shares one implementation, as in Keras.
 */
import type { Random } from './core/random.js';

/** Fills `values` for a weight of the given shape. */
export interface Initializer {
  readonly name: string;
  fill(values: Float32Array, shape: readonly number[], random: Random): void;
}

/** fanIn / fanOut as Keras computes them: dense [in, out]; conv [kh, kw, in, out] times the receptive field. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** A standard normal draw truncated to [-2, 2], as Keras's truncated normal. */
function truncated(random: Random): number {
  let v: number;
  do v = random.normal(); while (Math.abs(v) > 2);
  return v;
}

/** Stddev of a standard normal truncated to [-2, 2]: Keras divides by it so the variance is exact. */
const TRUNCATED_STDDEV = 0.87962566103423978;

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

function checkFinite(value: number, who: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${who} must be a finite number, got ${value}`);
}

/** Keras VarianceScaling: scale / fan as the variance, drawn truncated-normal or uniform. */
function varianceScaling(name: string, scale: number, mode: FanMode, distribution: 'truncatedNormal' | 'uniform'): Initializer {
  return {
    name,
    fill(values, shape, random) {
      const { fanIn, fanOut } = fans(shape);
      const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const variance = scale / Math.max(1, fan);
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        for (let i = 0; i < values.length; i++) values[i] = random.uniform(-limit, limit);
      } else {
        const std = Math.sqrt(variance) / TRUNCATED_STDDEV;
        for (let i = 0; i < values.length; i++) values[i] = truncated(random) * std;
      }
    },
  };
}

/** Uniform in ±sqrt(6 / (fanIn + fanOut)): the default kernel initializer. */
export const glorotUniform = (): Initializer => varianceScaling('glorotUniform', 1, 'fanAvg', 'uniform');
/** Truncated normal with variance 2 / (fanIn + fanOut). */
export const glorotNormal = (): Initializer => varianceScaling('glorotNormal', 1, 'fanAvg', 'truncatedNormal');
/** Truncated normal with variance 2 / fanIn (for ReLU networks). */
export const heNormal = (): Initializer => varianceScaling('heNormal', 2, 'fanIn', 'truncatedNormal');
/** Uniform in ±sqrt(6 / fanIn). */
export const heUniform = (): Initializer => varianceScaling('heUniform', 2, 'fanIn', 'uniform');
/** Truncated normal with variance 1 / fanIn (for SELU networks). */
export const lecunNormal = (): Initializer => varianceScaling('lecunNormal', 1, 'fanIn', 'truncatedNormal');
/** Uniform in ±sqrt(3 / fanIn). */
export const lecunUniform = (): Initializer => varianceScaling('lecunUniform', 1, 'fanIn', 'uniform');

/** Normal draws; Keras defaults mean 0, stddev 0.05. */
export function randomNormal(args: { mean?: number; stddev?: number } = {}): Initializer {
  const mean = args.mean ?? 0, stddev = args.stddev ?? 0.05;
  checkFinite(mean, 'randomNormal: mean');
  checkFinite(stddev, 'randomNormal: stddev');
  return { name: 'randomNormal', fill: (values, _s, random) => { for (let i = 0; i < values.length; i++) values[i] = mean + stddev * random.normal(); } };
}

/** Uniform draws; Keras defaults minval -0.05, maxval 0.05. */
export function randomUniform(args: { minval?: number; maxval?: number } = {}): Initializer {
  const lo = args.minval ?? -0.05, hi = args.maxval ?? 0.05;
  checkFinite(lo, 'randomUniform: minval');
  checkFinite(hi, 'randomUniform: maxval');
  if (!(hi > lo)) throw new RangeError(`randomUniform: maxval must exceed minval, got [${lo}, ${hi}]`);
  return { name: 'randomUniform', fill: (values, _s, random) => { for (let i = 0; i < values.length; i++) values[i] = random.uniform(lo, hi); } };
}

/** Normal draws cut at two standard deviations; Keras defaults mean 0, stddev 0.05. */
export function truncatedNormal(args: { mean?: number; stddev?: number } = {}): Initializer {
  const mean = args.mean ?? 0, stddev = args.stddev ?? 0.05;
  checkFinite(mean, 'truncatedNormal: mean');
  checkFinite(stddev, 'truncatedNormal: stddev');
  return { name: 'truncatedNormal', fill: (values, _s, random) => { for (let i = 0; i < values.length; i++) values[i] = mean + stddev * truncated(random); } };
}

/** All zeros. */
export const zeros = (): Initializer => constant({ value: 0 });
/** All ones. */
export const ones = (): Initializer => constant({ value: 1 });

/** Every value equal to `value`. */
export function constant(args: { value: number }): Initializer {
  checkFinite(args?.value, 'constant: value');
  return { name: args.value === 0 ? 'zeros' : args.value === 1 ? 'ones' : 'constant', fill: (values) => values.fill(args.value) };
}

/**
 * A (semi-)orthogonal matrix times `gain` (Keras default 1): Gram–Schmidt on a normal draw,
 * over the weight flattened to [rows = all but the last axis, cols = last axis].
 */
export function orthogonal(args: { gain?: number } = {}): Initializer {
  const gain = args.gain ?? 1;
  checkFinite(gain, 'orthogonal: gain');
  return {
    name: 'orthogonal',
    fill(values, shape, random) {
      const cols = shape[shape.length - 1] ?? 1;
      const rows = values.length / cols;
      // Orthonormalise the shorter side's vectors in float64, then transpose back if needed.
      const [n, m] = rows < cols ? [rows, cols] : [cols, rows];
      const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => random.normal()));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          let dot = 0;
          for (let t = 0; t < m; t++) dot += q[i][t] * q[j][t];
          for (let t = 0; t < m; t++) q[i][t] -= dot * q[j][t];
        }
        let norm = 0;
        for (let t = 0; t < m; t++) norm += q[i][t] * q[i][t];
        norm = Math.sqrt(norm) || 1;
        for (let t = 0; t < m; t++) q[i][t] /= norm;
      }
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) values[r * cols + c] = gain * (rows < cols ? q[r][c] : q[c][r]);
      }
    },
  };
}

const BY_NAME: Record<string, () => Initializer> = {
  glorotUniform, glorotNormal, heNormal, heUniform, lecunNormal, lecunUniform,
  randomNormal: () => randomNormal(), randomUniform: () => randomUniform(), truncatedNormal: () => truncatedNormal(),
  zeros, ones, orthogonal: () => orthogonal(),
};

/** An initializer by name or as given; `who` names the layer argument for the error. */
export function getInitializer(value: string | Initializer | undefined, fallback: string, who: string): Initializer {
  if (value !== undefined && typeof value !== 'string') {
    if (typeof (value as Initializer).fill !== 'function') throw new TypeError(`${who}: expected an initializer name or object, got ${typeof value}`);
    return value;
  }
  const name = value ?? fallback;
  const make = Object.prototype.hasOwnProperty.call(BY_NAME, name) ? BY_NAME[name] : undefined;
  if (!make) throw new Error(`${who}: unknown initializer '${name}'; expected one of ${Object.keys(BY_NAME).join(', ')}`);
  return make();
}
