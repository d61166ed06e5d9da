/**
 * Keras layer configs (as tfjs-layers and Keras write them) → simdnn layers. Each parser reads
 * every option it understands, accepts the ones that cannot change the result, and names any
 * other: an LSTM, `data_format: 'channels_first'` or an unknown activation fail here, before
 * any wasm memory is touched. Each parsed layer also tells which weights, of which shapes, it
 * will need for given input shapes, so the manifest is checked before the layer is built.
 */
import type { ActivationName } from '../activations.js';
import type { Layer } from '../layers/layer.js';
import * as L from '../layers/index.js';
import { l1, l1l2, l2, type Regularizer } from '../regularizers.js';
import { ConfigReader, describeValue, isObject } from './validate.js';

/** A layer read from the topology, not yet created. */
export interface ParsedLayer {
  className: string;
  name: string;
  /** For an InputLayer, or a first layer carrying `batch_input_shape`: the per-sample shape. */
  inputShape: number[] | null;
  /** The weights (name → shape) the layer will own for these per-sample input shapes; throws on unsupported axes. */
  weightShapes(inputs: number[][]): [string, number[]][];
  /** Creates the layer (allocates nothing until it is built); `inputShape` for a Sequential's first layer. */
  create(inputShape?: number[]): Layer;
}

const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'leakyRelu'];

function activation(r: ConfigReader): ActivationName {
  const v = r.raw('activation') ?? 'linear';
  if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
    throw new Error(`${r.who}: activation ${describeValue(v)} is not supported; supported: ${ACTIVATIONS.join(', ')}`);
  }
  return v as ActivationName;
}

const INITIALIZERS: Record<string, string> = {
  Zeros: 'zeros', Ones: 'ones', GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeNormal: 'heNormal',
  HeUniform: 'heUniform', LeCunNormal: 'lecunNormal', LecunNormal: 'lecunNormal', LeCunUniform: 'lecunUniform', LecunUniform: 'lecunUniform',
};

/** VarianceScaling (scale, mode, distribution) → the named member of the family. */
function varianceScalingName(c: Record<string, unknown>): string | undefined {
  const dist = c.distribution === 'uniform' ? 'Uniform' : c.distribution === 'truncated_normal' || c.distribution === 'normal' ? 'Normal' : '';
  const family = c.scale === 1 && c.mode === 'fan_avg' ? 'glorot' : c.scale === 2 && c.mode === 'fan_in' ? 'he' : c.scale === 1 && c.mode === 'fan_in' ? 'lecun' : '';
  return family && dist ? family + dist : undefined;
}

/** A simdnn initializer name for a Keras initializer config, or undefined (the layer default; weights are loaded anyway). */
function initializer(r: ConfigReader, key: string): string | undefined {
  const v = r.raw(key);
  if (!isObject(v) || typeof v.class_name !== 'string') return undefined;
  if (v.class_name === 'VarianceScaling') return varianceScalingName(isObject(v.config) ? v.config : {});
  return Object.prototype.hasOwnProperty.call(INITIALIZERS, v.class_name) ? INITIALIZERS[v.class_name] : undefined;
}

/** An L1/L2/L1L2 weight penalty (Keras or tfjs spelling), or undefined when null. */
function regularizer(r: ConfigReader, key: string): Regularizer | undefined {
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

function noRegularizers(r: ConfigReader, ...weights: string[]): void {
  for (const w of weights) { r.requireDefault(`${w}_regularizer`); r.requireDefault(`${w}_constraint`); }
  r.requireDefault('activity_regularizer');
}

/** Kernel and bias penalties of Dense/Conv2D; constraints and activity penalties are refused. */
function penalties(r: ConfigReader): { kernelRegularizer?: Regularizer; biasRegularizer?: Regularizer } {
  const out = { kernelRegularizer: regularizer(r, 'kernel_regularizer'), biasRegularizer: regularizer(r, 'bias_regularizer') };
  r.requireDefault('kernel_constraint');
  r.requireDefault('bias_constraint');
  r.requireDefault('activity_regularizer');
  return out;
}

function padding(r: ConfigReader): L.Padding {
  const v = r.raw('padding') ?? 'valid';
  if (v === 'valid' || v === 'same') return v;
  const explicit = Array.isArray(v) && v.length === 2 &&
    v.every((p) => Array.isArray(p) && p.length === 2 && p.every((d) => Number.isSafeInteger(d) && d >= 0));
  if (!explicit) throw new Error(`${r.who}: padding ${describeValue(v)} is not supported; supported: 'valid', 'same', [[top, bottom], [left, right]]`);
  return v as L.Padding;
}

/** The per-sample shape from batch_input_shape (tfjs, Keras 2) or batch_shape (Keras 3). */
function sampleShape(r: ConfigReader): number[] | null {
  const key = r.has('batch_input_shape') ? 'batch_input_shape' : r.has('batch_shape') ? 'batch_shape' : null;
  r.ignore('batch_input_shape', 'batch_shape', 'batch_size', 'input_shape');
  if (key === null) return null;
  const v = r.raw(key);
  if (!Array.isArray(v) || v.length < 2 || v.slice(1).some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new Error(`${r.who}: ${key} must be [batch, ...positive sizes] (variable sizes other than the batch are not supported), got ${describeValue(v)}`);
  }
  return v.slice(1) as number[];
}

function dtype(r: ConfigReader): void {
  const v = r.raw('dtype');
  const name = isObject(v) && isObject(v.config) ? v.config.name : v;
  if (name !== undefined && name !== null && name !== 'float32') throw new Error(`${r.who}: dtype ${describeValue(v)} is not supported; simdnn computes in float32`);
}

/** Checks that `axis` (config value) is the channels (last) axis for an input of per-sample rank `rank`. */
function lastAxis(r: ConfigReader, axis: unknown, rank: number): void {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (a !== -1 && a !== rank) throw new Error(`${r.who}: axis ${describeValue(axis)} is not supported; only the last axis (-1 or ${rank}) is`);
}

/** Keras `fill_mode` and `interpolation` values simdnn's augmentation layers implement. */
const FILL_MODES = ['reflect', 'constant', 'nearest', 'wrap'] as const;
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;
const FLIP_MODES = ['horizontal', 'vertical', 'horizontal_and_vertical'] as const;

/** A string option that must be one of `allowed` (`fallback` when absent or null). */
function choice<T extends string>(r: ConfigReader, key: string, allowed: readonly T[], fallback: T): T {
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
function factor(r: ConfigReader, key: string, optional = false): [number, number] | undefined {
  const v = r.raw(key);
  if ((v === undefined || v === null) && optional) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return [-Math.abs(v), Math.abs(v)];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  }
  throw new Error(`${r.who}: config '${key}' must be a number or a [lower, upper] pair of numbers, got ${describeValue(v)}`);
}

/** The layer's seed (a finite number), or undefined for null/absent (a seed is drawn, as Keras does). */
function seedOf(r: ConfigReader): number | undefined {
  return r.has('seed') ? r.number('seed') : (r.raw('seed'), undefined);
}

/** Options shared by the resampling layers (translation, rotation, zoom), Keras names and defaults. */
function affineOptions(r: ConfigReader): { fillMode: L.FillMode; interpolation: L.Interpolation; fillValue: number; seed?: number } {
  r.requireDefault('data_format', 'channels_last');
  // Keras 3 writes it only when set; it changes how bounding boxes in a dict input move, not images.
  r.ignore('bounding_box_format');
  return { fillMode: choice(r, 'fill_mode', FILL_MODES, 'reflect'), interpolation: choice(r, 'interpolation', INTERPOLATIONS, 'bilinear'), fillValue: r.number('fill_value', 0), seed: seedOf(r) };
}

/**
 * An augmentation layer: checked now by building it once with a fixed seed (a constructor
 * allocates nothing and draws no seed when given one), created later with the saved seed.
 */
function augmentation<A extends { seed?: number }>(r: ConfigReader, args: A, make: (args: A & { inputShape?: number[] }) => Layer): ReturnType<Parser> {
  try {
    make({ ...args, seed: args.seed ?? 0 });
  } catch (e) {
    throw new Error(`${r.who}: ${(e as Error).message}`);
  }
  return { weightShapes: () => [], create: (inputShape) => make({ ...args, inputShape }) };
}

type Parser = (r: ConfigReader, base: { name: string; trainable: boolean }) => Omit<ParsedLayer, 'className' | 'name' | 'inputShape'>;

const PARSERS: Record<string, Parser> = {
  Dense(r, base) {
    const units = r.positiveInt('units');
    const args = { ...base, units, activation: activation(r), useBias: r.bool('use_bias', true), kernelInitializer: initializer(r, 'kernel_initializer'), biasInitializer: initializer(r, 'bias_initializer'), ...penalties(r) };
    r.requireDefault('lora_rank');
    return {
      weightShapes: ([s]) => [['kernel', [s[s.length - 1], units]], ...(args.useBias ? [['bias', [units]] as [string, number[]]] : [])],
      create: (inputShape) => new L.Dense({ ...args, inputShape }),
    };
  },
  Conv2D(r, base) {
    const filters = r.positiveInt('filters');
    const kernelSize = r.pair('kernel_size');
    const args = {
      ...base, filters, kernelSize, strides: r.pair('strides', 1), padding: padding(r), dilationRate: r.pair('dilation_rate', 1),
      activation: activation(r), useBias: r.bool('use_bias', true), kernelInitializer: initializer(r, 'kernel_initializer'), biasInitializer: initializer(r, 'bias_initializer'),
      ...penalties(r),
    };
    r.requireDefault('data_format', 'channels_last');
    r.requireDefault('groups', 1);
    r.requireDefault('lora_rank');
    return {
      weightShapes: ([s]) => (s.length !== 3 ? [] : [['kernel', [...kernelSize, s[2], filters]], ...(args.useBias ? [['bias', [filters]] as [string, number[]]] : [])]),
      create: (inputShape) => new L.Conv2D({ ...args, inputShape }),
    };
  },
  MaxPooling2D: pooling(L.MaxPooling2D),
  AveragePooling2D: pooling(L.AveragePooling2D),
  GlobalAveragePooling2D(r, base) {
    r.requireDefault('data_format', 'channels_last');
    r.requireDefault('keepdims', false);
    return { weightShapes: () => [], create: (inputShape) => new L.GlobalAveragePooling2D({ ...base, inputShape }) };
  },
  Flatten(r, base) {
    r.requireDefault('data_format', 'channels_last');
    return { weightShapes: () => [], create: (inputShape) => new L.Flatten({ ...base, inputShape }) };
  },
  Reshape(r, base) {
    const targetShape = r.intList('target_shape', -1);
    return { weightShapes: () => [], create: (inputShape) => new L.Reshape({ ...base, targetShape, inputShape }) };
  },
  Dropout(r, base) {
    const rate = r.number('rate');
    const seed = r.has('seed') ? r.number('seed') : (r.raw('seed'), undefined);
    r.requireDefault('noise_shape');
    return { weightShapes: () => [], create: (inputShape) => new L.Dropout({ ...base, rate, seed, inputShape }) };
  },
  BatchNormalization(r, base) {
    const axis = r.raw('axis') ?? -1;
    const args = { ...base, momentum: r.number('momentum', 0.99), epsilon: r.number('epsilon', 1e-3), center: r.bool('center', true), scale: r.bool('scale', true) };
    noRegularizers(r, 'beta', 'gamma');
    r.requireDefault('renorm', false);
    r.requireDefault('virtual_batch_size');
    r.requireDefault('adjustment');
    r.requireDefault('synchronized', false);
    r.ignore('beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'fused', 'renorm_clipping', 'renorm_momentum');
    return {
      weightShapes: ([s]) => {
        lastAxis(r, axis, s.length);
        const c = [s[s.length - 1]];
        return [...(args.scale ? [['gamma', c]] : []), ...(args.center ? [['beta', c]] : []), ['moving_mean', c], ['moving_variance', c]] as [string, number[]][];
      },
      create: (inputShape) => new L.BatchNormalization({ ...args, inputShape }),
    };
  },
  GaussianNoise(r, base) {
    const args = { ...base, stddev: r.number('stddev'), seed: seedOf(r) };
    return augmentation(r, args, (a) => new L.GaussianNoise(a));
  },
  RandomFlip(r, base) {
    const args = { ...base, mode: choice(r, 'mode', FLIP_MODES, 'horizontal_and_vertical'), seed: seedOf(r) };
    r.requireDefault('data_format', 'channels_last');
    r.ignore('bounding_box_format');
    return augmentation(r, args, (a) => new L.RandomFlip(a));
  },
  RandomTranslation(r, base) {
    const args = { ...base, heightFactor: factor(r, 'height_factor')!, widthFactor: factor(r, 'width_factor')!, ...affineOptions(r) };
    return augmentation(r, args, (a) => new L.RandomTranslation(a));
  },
  RandomRotation(r, base) {
    const args = { ...base, factor: factor(r, 'factor')!, ...affineOptions(r) };
    return augmentation(r, args, (a) => new L.RandomRotation(a));
  },
  RandomZoom(r, base) {
    const args = { ...base, heightFactor: factor(r, 'height_factor')!, widthFactor: factor(r, 'width_factor', true), ...affineOptions(r) };
    return augmentation(r, args, (a) => new L.RandomZoom(a));
  },
  Activation(r, base) {
    const act = activation(r);
    return { weightShapes: () => [], create: (inputShape) => new L.Activation({ ...base, activation: act, inputShape }) };
  },
  Add(_r, base) {
    return { weightShapes: () => [], create: (inputShape) => new L.Add({ ...base, inputShape }) };
  },
  Concatenate(r, base) {
    const axis = r.raw('axis') ?? -1;
    return {
      weightShapes: (inputs) => { lastAxis(r, axis, inputs[0]?.length ?? 0); return []; },
      create: (inputShape) => new L.Concatenate({ ...base, inputShape }),
    };
  },
};

function pooling(Ctor: typeof L.MaxPooling2D | typeof L.AveragePooling2D): Parser {
  return (r, base) => {
    const poolSize = r.pair('pool_size', 2);
    const args = { ...base, poolSize, strides: r.pair('strides', poolSize), padding: padding(r) };
    r.requireDefault('data_format', 'channels_last');
    return { weightShapes: () => [], create: (inputShape) => new Ctor({ ...args, inputShape }) };
  };
}

/** Reads one entry of the topology's layer list ({ class_name, config, ... }); throws naming what is unsupported. */
export function parseLayer(entry: unknown, index: number): ParsedLayer {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`modelTopology: layer ${index} must be { class_name, config }, got ${describeValue(entry)}`);
  }
  const config = entry.config;
  const name = typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : undefined;
  if (name === undefined || name === '') throw new Error(`modelTopology: layer ${index} (${entry.class_name}) has no name, got ${describeValue(config.name)}`);
  const r = new ConfigReader(`layer '${name}' (${entry.class_name})`, config);
  r.ignore('name');
  const trainable = r.bool('trainable', true);
  dtype(r);
  const inputShape = sampleShape(r);
  if (entry.class_name === 'InputLayer') {
    r.requireDefault('sparse', false);
    r.requireDefault('ragged', false);
    r.finish();
    if (!inputShape) throw new Error(`${r.who}: needs batch_input_shape (or batch_shape)`);
    return { className: 'InputLayer', name, inputShape, weightShapes: () => [], create: () => { throw new Error(`${r.who}: an InputLayer is not a layer to create`); } };
  }
  const parser = Object.prototype.hasOwnProperty.call(PARSERS, entry.class_name) ? PARSERS[entry.class_name] : undefined;
  if (!parser) throw new Error(`${r.who}: layer class '${entry.class_name}' is not supported; supported: InputLayer, ${Object.keys(PARSERS).join(', ')}`);
  const parsed = parser(r, { name, trainable });
  r.finish();
  return { className: entry.class_name, name, inputShape, ...parsed };
}
