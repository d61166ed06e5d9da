/**
 * Reading and writing the pieces of Keras layer configs that several layers share (activation,
 * initializers, penalties, padding, factors, seeds), as Keras and tfjs-layers spell them. Each
 * reader names the layer and the key on a value simdnn cannot honour.
 */
import type { ActivationName } from '../activations.js';
import type { Initializer } from '../initializers.js';
import type { JSONObject, JSONValue } from '../io/types.js';
import { ConfigReader, describeValue, isObject } from '../io/validate.js';
import { l1, l1l2, l2, type Regularizer } from '../regularizers.js';
import type { Padding } from '../core/geometry.js';

export { ConfigReader };

const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'leakyRelu', 'relu6', 'hardSigmoid',
  'softsign', 'exponential', 'swish', 'mish', 'gelu'];

/** Names in files that differ from simdnn's: Keras 3's, and TF.js's gelu_new (the tanh approximation). */
const KERAS3_ACTIVATIONS: Record<string, ActivationName> = { leaky_relu: 'leakyReluKeras3', log_softmax: 'logSoftmax', hard_swish: 'hardSwish', hard_silu: 'hardSwish', silu: 'swish', gelu_new: 'geluApproximate' };

/** Keras 3 writes a layer's dtype as a DTypePolicy object; Keras 2 and tfjs as a string. */
export function isKeras3Config(r: ConfigReader): boolean {
  return isObject(r.raw('dtype'));
}

/**
 * Keras 3's float32 dtype object: a config whose meaning differs between Keras 3 and TF.js
 * carries it, so that it reads back as Keras 3's ({@link isKeras3Config}).
 */
export function keras3Dtype(): JSONObject {
  return { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
}

/**
 * The `activation` key ('linear' when absent). 'hard_sigmoid' means clip(0.2·x + 0.5, 0, 1) as
 * TF.js (which writes it so) and Keras 2 compute it, but relu6(x + 3)/6 in Keras 3: it is read as
 * Keras 3's from a config carrying Keras 3's dtype object, as TF.js's otherwise.
 */
export function readActivation(r: ConfigReader): ActivationName {
  const v = r.raw('activation') ?? 'linear';
  if (v === 'hard_sigmoid') return isKeras3Config(r) ? 'hardSigmoidKeras3' : 'hardSigmoid';
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(KERAS3_ACTIVATIONS, v)) return KERAS3_ACTIVATIONS[v];
  if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
    throw new Error(`${r.who}: activation ${describeValue(v)} is not supported; supported: ${[...ACTIVATIONS, 'hard_sigmoid', ...Object.keys(KERAS3_ACTIVATIONS)].join(', ')}`);
  }
  return v as ActivationName;
}

/** The activation as a config writes it: Keras 3's names for the activations only Keras 3 has. */
export function activationConfig(name: ActivationName): JSONObject {
  if (name === 'hardSwish') return { activation: 'hard_swish' };
  if (name === 'logSoftmax') return { activation: 'log_softmax' };
  if (name === 'leakyReluKeras3') return { activation: 'leaky_relu' }; // Keras 3's name; slope 0.2 there
  if (name === 'geluApproximate') return { activation: 'gelu_new' }; // TF.js's name of the tanh approximation
  // The dtype object marks the config as Keras 3's, so 'hard_sigmoid' reads back as its formula.
  if (name === 'hardSigmoidKeras3') return { activation: 'hard_sigmoid', dtype: keras3Dtype() };
  return { activation: name };
}

const INITIALIZERS: Record<string, string> = {
  Zeros: 'zeros', Ones: 'ones', GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeNormal: 'heNormal',
  HeUniform: 'heUniform', LeCunNormal: 'lecunNormal', LecunNormal: 'lecunNormal', LeCunUniform: 'lecunUniform', LecunUniform: 'lecunUniform',
};

/** Keras class names of simdnn's parameter-free initializers (tfjs spells LeCun with a capital C). */
const INITIALIZER_CLASS: Record<string, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal', heUniform: 'HeUniform',
  lecunNormal: 'LeCunNormal', lecunUniform: 'LeCunUniform', zeros: 'Zeros', ones: 'Ones',
};

/** VarianceScaling (scale, mode, distribution) → the named member of the family. */
function varianceScalingName(c: Record<string, unknown>): string | undefined {
  const dist = c.distribution === 'uniform' ? 'Uniform' : c.distribution === 'truncated_normal' || c.distribution === 'normal' ? 'Normal' : '';
  const family = c.scale === 1 && c.mode === 'fan_avg' ? 'glorot' : c.scale === 2 && c.mode === 'fan_in' ? 'he' : c.scale === 1 && c.mode === 'fan_in' ? 'lecun' : '';
  return family && dist ? family + dist : undefined;
}

/**
 * A simdnn initializer name for a Keras initializer config, or undefined (the layer default):
 * the initializer only matters before weights are loaded, so others are not refused.
 */
export function readInitializer(r: ConfigReader, key: string): string | undefined {
  const v = r.raw(key);
  if (!isObject(v) || typeof v.class_name !== 'string') return undefined;
  if (v.class_name === 'VarianceScaling') return varianceScalingName(isObject(v.config) ? v.config : {});
  return Object.prototype.hasOwnProperty.call(INITIALIZERS, v.class_name) ? INITIALIZERS[v.class_name] : undefined;
}

/** Keras config of an initializer; undefined (omitted: the default) for parameterised or custom ones. */
export function initializerConfig(init: Initializer | { name: string }): JSONObject | undefined {
  const cls = Object.prototype.hasOwnProperty.call(INITIALIZER_CLASS, init.name) ? INITIALIZER_CLASS[init.name] : undefined;
  if (!cls) return undefined;
  return { class_name: cls, config: cls === 'Zeros' || cls === 'Ones' ? {} : { seed: null } };
}

/** `{ kernel_initializer, bias_initializer }` for the named ones (others omitted: Keras then uses its default). */
export function initializersConfig(kernel: Initializer, bias: Initializer): JSONObject {
  const out: JSONObject = {};
  const k = initializerConfig(kernel), b = initializerConfig(bias);
  if (k) out.kernel_initializer = k;
  if (b) out.bias_initializer = b;
  return out;
}

/** An L1/L2/L1L2 weight penalty (Keras or tfjs spelling), or undefined when null. */
export function readRegularizer(r: ConfigReader, key: string): Regularizer | undefined {
  const v = r.raw(key);
  if (v === undefined || v === null) return undefined;
  const c = isObject(v) && isObject(v.config) ? v.config : undefined;
  const factor = (k: string): number => {
    const f = c?.[k] ?? 0;
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0) throw new Error(`${r.who}: ${key} ${k} must be a non-negative number, got ${describeValue(f)}`);
    return f;
  };
  const cls = isObject(v) ? v.class_name : undefined;
  if (!c || (cls !== 'L1L2' && cls !== 'L1' && cls !== 'L2')) {
    throw new Error(`${r.who}: ${key} ${describeValue(v)} is not supported; supported: L1, L2, L1L2`);
  }
  const a = cls === 'L2' ? 0 : factor('l1'), b = cls === 'L1' ? 0 : factor('l2');
  // tfjs writes every penalty as L1L2: a zero factor means the one-sided class.
  return a === 0 && b !== 0 ? l2({ l2: b }) : b === 0 && a !== 0 ? l1({ l1: a }) : l1l2({ l1: a, l2: b });
}

/** Kernel and bias penalties of Dense/Conv2D; constraints and activity penalties are refused. */
export function readPenalties(r: ConfigReader): { kernelRegularizer?: Regularizer; biasRegularizer?: Regularizer } {
  const out = { kernelRegularizer: readRegularizer(r, 'kernel_regularizer'), biasRegularizer: readRegularizer(r, 'bias_regularizer') };
  r.requireDefault('kernel_constraint');
  r.requireDefault('bias_constraint');
  r.requireDefault('activity_regularizer');
  return out;
}

/** Keras config of one penalty (tfjs knows the L1L2 class), null for none. */
export function regularizerConfig(p: Regularizer | null): JSONValue {
  return p ? { class_name: 'L1L2', config: { l1: p.l1, l2: p.l2 } } : null;
}

/** Keras config of Dense/Conv2D penalties; no constraints. */
export function penaltiesConfig(kernel: Regularizer | null, bias: Regularizer | null): JSONObject {
  const json = regularizerConfig;
  return { kernel_regularizer: json(kernel), bias_regularizer: json(bias), activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
}

/** Refuses penalties and constraints on the named weights (BatchNormalization's beta, gamma). */
export function readNoPenalties(r: ConfigReader, ...weights: string[]): void {
  for (const w of weights) { r.requireDefault(`${w}_regularizer`); r.requireDefault(`${w}_constraint`); }
  r.requireDefault('activity_regularizer');
}

/** 'valid', 'same' or explicit [[top, bottom], [left, right]]. */
export function readPadding(r: ConfigReader): Padding {
  const v = r.raw('padding') ?? 'valid';
  if (v === 'valid' || v === 'same') return v;
  const explicit = Array.isArray(v) && v.length === 2 &&
    v.every((p) => Array.isArray(p) && p.length === 2 && p.every((d) => Number.isSafeInteger(d) && d >= 0));
  if (!explicit) throw new Error(`${r.who}: padding ${describeValue(v)} is not supported; supported: 'valid', 'same', [[top, bottom], [left, right]]`);
  return v as Padding;
}

/** Accepts `data_format` only when channels_last (simdnn is NHWC throughout). */
export function readChannelsLast(r: ConfigReader): void {
  r.requireDefault('data_format', 'channels_last');
}

/** A string option that must be one of `allowed` (`fallback` when absent or null). */
export function readChoice<T extends string>(r: ConfigReader, key: string, allowed: readonly T[], fallback: T): T {
  const v = r.raw(key) ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`${r.who}: ${key} ${describeValue(v)} is not supported; supported: ${allowed.join(', ')}`);
  }
  return v as T;
}

/**
 * A Keras range factor as [lower, upper]: f means [−|f|, |f|] and a pair is sorted, as Keras
 * reads them; undefined when absent and `optional`.
 */
export function readFactor(r: ConfigReader, key: string, optional = false): [number, number] | undefined {
  const v = r.raw(key);
  if ((v === undefined || v === null) && optional) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return [-Math.abs(v), Math.abs(v)];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  }
  throw new Error(`${r.who}: config '${key}' must be a number or a [lower, upper] pair of numbers, got ${describeValue(v)}`);
}

/** The layer's seed (a finite number), or undefined for null/absent (a seed is drawn, as Keras does). */
export function readSeed(r: ConfigReader): number | undefined {
  return r.has('seed') ? r.number('seed') : (r.raw('seed'), undefined);
}

/** Only the last axis: -1, or its index `rank` for a per-sample rank (Keras writes [3] for NHWC). */
export function isLastAxis(axis: number | number[], rank: number): boolean {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  return a === -1 || a === rank;
}

/** Constructs a layer from options read out of a config, naming the layer in a constructor's error. */
export function construct<T>(r: ConfigReader, make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw new Error(`${r.who}: ${(e as Error).message}`);
  }
}
