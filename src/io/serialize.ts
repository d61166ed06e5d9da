/**
 * A simdnn model as tfjs-layers writes it: Keras JSON topology ('Sequential', or 'Model' with
 * an InputLayer and inbound_nodes), snake_case configs, and the weights named
 * '<layer>/<weight>', trainable ones first, as tfjs orders `model.weights`.
 */
import { getBackend } from '../core/wasm.js';
import type { Initializer } from '../initializers.js';
import type { Layer } from '../layers/layer.js';
import type { LayersModel } from '../models/model.js';
import type { JSONObject, JSONValue } from './types.js';
import type { NamedWeight } from './weights.js';

/** Written as `generatedBy` and `keras_version`. */
export const GENERATED_BY = 'simdnn 0.1.0';

const NONE = null;

/** Keras class names of simdnn's parameter-free initializers (tfjs spells LeCun with a capital C). */
const INITIALIZER_CLASS: Record<string, string> = {
  glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal', heUniform: 'HeUniform',
  lecunNormal: 'LeCunNormal', lecunUniform: 'LeCunUniform', zeros: 'Zeros', ones: 'Ones',
};

/** Keras config of an initializer; undefined (omitted: the default) for parameterised or custom ones. */
function initializerJSON(init: unknown): JSONObject | undefined {
  const name = (init as Initializer | undefined)?.name ?? '';
  const cls = Object.prototype.hasOwnProperty.call(INITIALIZER_CLASS, name) ? INITIALIZER_CLASS[name] : undefined;
  if (!cls) return undefined;
  return { class_name: cls, config: cls === 'Zeros' || cls === 'Ones' ? {} : { seed: NONE } };
}

/** Keras config of a weight's L1/L2 penalty (tfjs knows the L1L2 class), or null. */
function regularizerJSON(layer: Layer, weight: string): JSONValue {
  const r = layer.params.find((p) => p.name === weight)?.regularizer;
  return r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : NONE;
}

/** A private field of a layer that has no public getter (initialisers, dropout seed). */
function hidden(layer: Layer, field: string): unknown {
  return (layer as unknown as Record<string, unknown>)[field];
}

function padding(p: unknown): JSONValue {
  return typeof p === 'string' ? p : (p as JSONValue);
}

function initializers(layer: Layer, ...names: string[]): JSONObject {
  const out: JSONObject = {};
  for (const n of names) {
    const json = initializerJSON(hidden(layer, `${n}Initializer`));
    if (json) out[`${n === 'kernel' ? 'kernel' : 'bias'}_initializer`] = json;
  }
  return out;
}

function penalties(layer: Layer): JSONObject {
  return {
    kernel_regularizer: regularizerJSON(layer, 'kernel'), bias_regularizer: regularizerJSON(layer, 'bias'),
    activity_regularizer: NONE, kernel_constraint: NONE, bias_constraint: NONE,
  };
}

/**
 * Keras options of the resampling augmentation layers. Factors are written as the [lower, upper]
 * pairs the layer holds (Keras reads a pair as is); no data_format, which Keras 2 would refuse
 * and Keras 3 defaults to channels_last.
 */
function affine(l: Record<string, JSONValue>): JSONObject {
  return { fill_mode: l.fillMode, interpolation: l.interpolation, seed: l.seed, fill_value: l.fillValue };
}

/** A copy of a [lower, upper] range, or null (RandomZoom's width following the height). */
function pair(v: JSONValue): JSONValue {
  return Array.isArray(v) ? [...v] : NONE;
}

/** The class-specific part of a layer's Keras config. */
function classConfig(layer: Layer): JSONObject {
  const l = layer as unknown as Record<string, JSONValue>;
  switch (layer.className) {
    case 'Dense':
      return { units: l.units, activation: layer.activationName, use_bias: l.useBias, ...initializers(layer, 'kernel', 'bias'), ...penalties(layer) };
    case 'Conv2D':
      return {
        filters: l.filters, kernel_size: l.kernelSize, strides: l.strides, padding: padding(l.padding), data_format: 'channels_last',
        dilation_rate: l.dilationRate, activation: layer.activationName, use_bias: l.useBias, ...initializers(layer, 'kernel', 'bias'), ...penalties(layer),
      };
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { pool_size: l.poolSize, padding: padding(l.padding), strides: l.strides, data_format: 'channels_last' };
    case 'GlobalAveragePooling2D':
      return { data_format: 'channels_last' };
    case 'Flatten':
    case 'Add':
      return {};
    case 'Reshape':
      return { target_shape: l.targetShape };
    case 'Dropout':
      return { rate: l.rate, noise_shape: NONE, seed: (hidden(layer, 'seed') as number | undefined) ?? NONE };
    case 'BatchNormalization':
      return {
        axis: -1, momentum: l.momentum, epsilon: l.epsilon, center: l.center, scale: l.scale,
        beta_initializer: initializerJSON({ name: 'zeros' })!, gamma_initializer: initializerJSON({ name: 'ones' })!,
        moving_mean_initializer: initializerJSON({ name: 'zeros' })!, moving_variance_initializer: initializerJSON({ name: 'ones' })!,
        beta_regularizer: NONE, gamma_regularizer: NONE, beta_constraint: NONE, gamma_constraint: NONE,
      };
    case 'Activation':
      return { activation: layer.activationName };
    case 'Concatenate':
      return { axis: -1 };
    case 'GaussianNoise':
      return { stddev: l.stddev, seed: l.seed };
    case 'RandomFlip':
      return { mode: l.mode, seed: l.seed };
    case 'RandomTranslation':
      return { height_factor: pair(l.heightFactor), width_factor: pair(l.widthFactor), ...affine(l) };
    case 'RandomRotation':
      return { factor: pair(l.factor), ...affine(l) };
    case 'RandomZoom':
      return { height_factor: pair(l.heightFactor), width_factor: pair(l.widthFactor), ...affine(l) };
    default:
      throw new Error(`save: layer '${layer.name}' of class ${layer.className} cannot be saved; supported: Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Dropout, BatchNormalization, Activation, Add, Concatenate, GaussianNoise, RandomFlip, RandomTranslation, RandomRotation, RandomZoom`);
  }
}

/** A layer's full Keras config, `batch_input_shape`/`dtype` added for the first layer of a Sequential. */
function layerConfig(layer: Layer, inputShape?: readonly number[]): JSONObject {
  const config: JSONObject = { ...classConfig(layer), name: layer.name, trainable: layer.trainable };
  if (inputShape) {
    config.batch_input_shape = [null, ...inputShape];
    config.dtype = 'float32';
  }
  return config;
}

/** True for a Sequential model (it has `add`); checked by shape so io does not import the model classes. */
export function isSequential(model: LayersModel): boolean {
  return typeof (model as unknown as { add?: unknown }).add === 'function';
}

/** The Keras JSON topology of `model`, as tfjs-layers writes it. */
export function modelTopology(model: LayersModel): JSONObject {
  const nodes = model.graph();
  const wrap = (config: JSONObject, className: string): JSONObject => ({
    class_name: className, config, keras_version: GENERATED_BY, backend: 'simdnn',
  });
  if (isSequential(model)) {
    const layers = nodes.slice(1).map((n, i) => ({ class_name: n.layer!.className, config: layerConfig(n.layer!, i === 0 ? nodes[0].shape : undefined) }));
    return wrap({ name: model.name, layers }, 'Sequential');
  }
  const names = new Set(nodes.slice(1).map((n) => n.layer!.name));
  let inputName = (hidden(model as unknown as Layer, 'modelInput') as { name?: string } | undefined)?.name ?? 'input_1';
  while (names.has(inputName)) inputName += '_input';
  const nodeName = (i: number): string => (i === 0 ? inputName : nodes[i].layer!.name);
  const layers: JSONObject[] = [{
    name: inputName, class_name: 'InputLayer',
    config: { batch_input_shape: [null, ...nodes[0].shape], dtype: 'float32', sparse: false, name: inputName }, inbound_nodes: [],
  }];
  for (const node of nodes.slice(1)) {
    const layer = node.layer!;
    layers.push({
      name: layer.name, class_name: layer.className, config: layerConfig(layer),
      inbound_nodes: [node.inputs.map((i) => [nodeName(i), 0, 0, {}])],
    });
  }
  const config: JSONObject = {
    name: model.name, layers, input_layers: [[inputName, 0, 0]], output_layers: [[nodeName(nodes.length - 1), 0, 0]],
  };
  return wrap(config, 'Model');
}

/** The model's weights, '<layer>/<weight>', trainable first then the others (BN moving statistics). */
export function modelWeights(model: LayersModel): NamedWeight[] {
  const { arena } = getBackend();
  const all = model.layers.flatMap((layer) => layer.params.map((p) => ({ layer, p })));
  const trainable = all.filter(({ layer, p }) => p.trainable && layer.trainable);
  const frozen = all.filter(({ layer, p }) => !(p.trainable && layer.trainable));
  return [...trainable, ...frozen].map(({ layer, p }) => ({
    name: `${layer.name}/${p.name}`, shape: [...p.shape], dtype: 'float32',
    values: arena.f32.slice(p.ptr >>> 2, (p.ptr >>> 2) + p.size),
  }));
}
