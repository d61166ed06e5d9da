/**
 * The layer class registry (tfjs `tf.serialization`): Keras class name → class. Saving writes
 * `layer.getConfig()` under the layer's class name; loading finds the class here and calls its
 * static `fromConfig`. The built-in layers are registered below; a user's own Layer subclass
 * saves and loads like them once registered.
 */
import { describeValue } from '../core/checks.js';
import { ConfigReader } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs } from './layer.js';
import { Activation } from './activation.js';
import { Conv2D } from './conv2d.js';
import { DepthwiseConv2D } from './depthwise-conv2d.js';
import { SeparableConv2D } from './separable-conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Concatenate } from './concatenate.js';
import { Add, Average, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { GaussianNoise } from './noise.js';
import { BatchNormalization } from './normalization.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from './pooling.js';
import { RandomFlip, RandomRotation, RandomTranslation, RandomZoom } from './preprocessing.js';
import { Flatten, Reshape } from './reshape.js';
import { Rescaling } from './rescaling.js';
import { ELU, LeakyReLU } from './advanced-activations.js';
import { GlobalMaxPooling2D } from './global-max-pooling.js';
import { Cropping2D, ZeroPadding2D } from './padding.js';
import { Permute } from './permute.js';
import { UpSampling2D } from './upsampling.js';
import { RepeatVector } from './repeat-vector.js';
import { Conv2DTranspose } from './conv2d-transpose.js';
import { LayerNormalization } from './layer-normalization.js';
import { Embedding } from './embedding.js';
import { Conv1D } from './conv1d.js';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './pooling1d.js';
import { SimpleRNN } from './simple-rnn.js';
import { LSTM } from './lstm.js';
import { GRU } from './gru.js';
import { Bidirectional } from './bidirectional.js';

/**
 * ConfigReader: what a class's `fromConfig` reads its keys with. LAYER_OPTION_KEYS: the options
 * every layer takes, to start a class's `static optionKeys` (a class that declares its own
 * optionKeys has its constructor refuse any other key, naming the nearest).
 */
export { ConfigReader, LAYER_OPTION_KEYS };

/**
 * What `registerClass` takes: a Layer subclass with a static `className` (its Keras class name)
 * and a static `fromConfig(config, args)`. `config` reads the class's own keys of the saved
 * config (`config.number('factor')`, `config.raw('mode')`, ...); a key left unread is refused
 * after it returns. `args` holds what every layer takes (name, trainable, and inputShape for a
 * Sequential's first layer): pass them to the constructor.
 */
export interface SerializableLayerClass {
  readonly className: string;
  fromConfig(config: ConfigReader, args: LayerArgs): Layer;
  readonly prototype: Layer;
}

const registry = new Map<string, SerializableLayerClass>();

/**
 * Registers a Layer subclass for saving and loading under its static `className`. Registering
 * the same class again does nothing; another class under a taken name is refused.
 */
export function registerClass(cls: SerializableLayerClass): void {
  const who = 'serialization.registerClass';
  if (typeof (cls as unknown) !== 'function' || !(cls.prototype instanceof Layer)) throw new TypeError(`${who}: expected a subclass of nn.Layer, got ${describeValue(cls)}`);
  const name = (cls as { className?: unknown }).className;
  if (typeof name !== 'string' || name === '' || !Object.prototype.hasOwnProperty.call(cls, 'className')) {
    throw new TypeError(`${who}: class ${(cls as { name?: string }).name} needs its own static className (its Keras class name), got ${describeValue(name)}`);
  }
  if (typeof cls.fromConfig !== 'function' || !Object.prototype.hasOwnProperty.call(cls, 'fromConfig')) {
    throw new TypeError(`${who}: class ${name} needs its own static fromConfig(config, args)`);
  }
  const taken = registry.get(name);
  if (taken && taken !== cls) throw new Error(`${who}: class name '${name}' is already registered to another class`);
  registry.set(name, cls);
}

/** The class registered under a Keras class name, or undefined. */
export function getRegisteredClass(className: string): SerializableLayerClass | undefined {
  return registry.get(className);
}

/** The registered Keras class names, in registration order. */
export function registeredClassNames(): string[] {
  return [...registry.keys()];
}

for (const cls of [Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Dropout, BatchNormalization,
  GaussianNoise, RandomFlip, RandomTranslation, RandomRotation, RandomZoom, Activation, Add, Subtract, Multiply, Average, Maximum,
  Minimum, Concatenate, DepthwiseConv2D, SeparableConv2D, Rescaling, LeakyReLU, ELU,
  GlobalMaxPooling2D, ZeroPadding2D, Cropping2D, Permute, UpSampling2D, RepeatVector, Conv2DTranspose, LayerNormalization,
  Embedding, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D]) {
  registerClass(cls);
}
for (const cls of [SimpleRNN, LSTM, GRU, Bidirectional]) registerClass(cls);
