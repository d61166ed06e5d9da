// Topologies as Keras writes them (through the tfjs converter): Keras 2 with model_config and an InputLayer in a
// Sequential, Keras 3 functional with batch_shape, dtype policies and '__keras_tensor__' inbound nodes.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { batchFor } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** Artifacts for a topology and random weights of the given specs (variances positive). */
function artifacts(modelTopology: object, specs: [string, number[]][], s: number): { a: nn.io.ModelArtifacts; values: Float32Array[] } {
  const rng = makeRng(s);
  const values = specs.map(([name, shape]) => randomArray(shape.reduce((p, d) => p * d, 1), rng, name.includes('variance') ? 0.5 : -1, name.includes('variance') ? 1.5 : 1));
  const { specs: weightSpecs, data } = nn.io.encodeWeights(specs.map(([name, shape], i) => ({ name, shape, dtype: 'float32', values: values[i] })));
  return { a: { modelTopology: modelTopology as nn.io.JSONObject, weightSpecs, weightData: data, format: 'layers-model' }, values };
}

const KERAS2_INIT = { kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} } };
const NO_PENALTIES = { bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };

describe(`Keras topologies (seed ${seed})`, () => {
  it('Keras 2 (converted H5): model_config, InputLayer first, Keras class names, BN axis [3], L2 penalty', async () => {
    const topology = {
      keras_version: '2.15.0', backend: 'tensorflow',
      model_config: { class_name: 'Sequential', config: { name: 'keras2', layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 6, 6, 1], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
        { class_name: 'Conv2D', config: { name: 'conv2d', trainable: true, dtype: 'float32', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'valid',
          data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, ...KERAS2_INIT,
          kernel_regularizer: { class_name: 'L2', config: { l2: 0.01 } }, ...NO_PENALTIES } },
        { class_name: 'BatchNormalization', config: { name: 'batch_normalization', trainable: true, dtype: 'float32', axis: [3], momentum: 0.99, epsilon: 0.001,
          center: true, scale: true, beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} },
          moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
          beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null } },
        { class_name: 'MaxPooling2D', config: { name: 'max_pooling2d', trainable: true, dtype: 'float32', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' } },
        { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
        { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.5, noise_shape: null, seed: null } },
        { class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: 'float32', units: 3, activation: 'softmax', use_bias: true, ...KERAS2_INIT, kernel_regularizer: null, ...NO_PENALTIES } },
      ] } },
      training_config: { loss: 'categorical_crossentropy' },
    };
    const specs: [string, number[]][] = [['conv2d/kernel:0', [3, 3, 1, 2]], ['conv2d/bias:0', [2]], ['batch_normalization/gamma:0', [2]], ['batch_normalization/beta:0', [2]],
      ['batch_normalization/moving_mean:0', [2]], ['batch_normalization/moving_variance:0', [2]], ['dense/kernel:0', [8, 3]], ['dense/bias:0', [3]]];
    const { a, values } = artifacts(topology, specs, seed);
    const loaded = await nn.loadModel(a);
    expect(loaded.name).toBe('keras2');
    expect(loaded.layers.map((l) => l.className)).toEqual(['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense']);
    expect(loaded.params()[0].regularizer).toEqual({ className: 'L2', l1: 0, l2: 0.01 });
    expect(loaded.getWeights().map((w) => Array.from(w.data))).toEqual(values.map((v) => Array.from(v)));
    // The same network built by hand with the same weights predicts the same.
    const ref = nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }), nn.layers.batchNormalization(),
      nn.layers.maxPooling2d(), nn.layers.flatten(), nn.layers.dropout({ rate: 0.5 }), nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    ref.setWeights(values.map((v, i) => nn.tensor(v, specs[i][1])));
    const x = batchFor([6, 6, 1], 3, seed);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((ref.predict(x) as nn.Tensor).data));
    loaded.dispose();
    ref.dispose();
  });

  it('Keras 3 functional: batch_shape, DTypePolicy, __keras_tensor__ inbound nodes, scoped weight names', async () => {
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const tensor = (name: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [name, 0, 0] } });
    const layer = (class_name: string, name: string, config: object, args: unknown) => ({
      module: 'keras.layers', class_name, config: { name, trainable: true, dtype: policy, ...config }, registered_name: null,
      build_config: { input_shape: [null, 4] }, name, inbound_nodes: [{ args: [args], kwargs: {} }],
    });
    const topology = { class_name: 'Functional', config: { name: 'keras3', trainable: true, layers: [
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null, name: 'input_layer', inbound_nodes: [] },
      layer('Dense', 'dense', { units: 4, activation: 'tanh', use_bias: true, ...KERAS2_INIT, kernel_regularizer: null, ...NO_PENALTIES }, tensor('input_layer', [null, 4])),
      layer('Add', 'add', {}, [tensor('dense', [null, 4]), tensor('input_layer', [null, 4])]),
      layer('Concatenate', 'concatenate', { axis: -1 }, [tensor('add', [null, 4]), tensor('dense', [null, 4])]),
      layer('Dense', 'dense_1', { units: 2, activation: 'linear', use_bias: false, ...KERAS2_INIT, kernel_regularizer: null, ...NO_PENALTIES }, tensor('concatenate', [null, 8])),
    ], input_layers: ['input_layer', 0, 0], output_layers: ['dense_1', 0, 0] } };
    const specs: [string, number[]][] = [['keras3/dense/kernel', [4, 4]], ['keras3/dense/bias', [4]], ['keras3/dense_1/kernel', [8, 2]]];
    const { a, values } = artifacts(topology, specs, seed + 1);
    const loaded = await nn.loadModel(a);
    expect(loaded.layers.map((l) => l.name)).toEqual(['dense', 'add', 'concatenate', 'dense_1']);
    const x = batchFor([4], 3, seed + 2);
    const input = nn.input({ shape: [4] });
    const d = nn.layers.dense({ units: 4, activation: 'tanh' }).apply(input);
    const c = nn.layers.concatenate().apply([nn.layers.add().apply([d, input]), d]);
    const ref = nn.model({ inputs: input, outputs: nn.layers.dense({ units: 2, useBias: false }).apply(c) });
    ref.setWeights(values.map((v, i) => nn.tensor(v, specs[i][1])));
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((ref.predict(x) as nn.Tensor).data));
    loaded.dispose();
    ref.dispose();
  });

  it('Keras 3 augmentation layers: Keras spellings of factors, seeds, data_format; the identity at inference', async () => {
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const layer = (class_name: string, name: string, config: object) => ({ module: 'keras.layers', class_name, config: { name, trainable: true, dtype: policy, ...config }, registered_name: null });
    const topology = { class_name: 'Sequential', config: { name: 'augment', trainable: true, layers: [
      { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 5, 4, 1], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null },
      layer('RandomFlip', 'random_flip', { seed: null, mode: 'horizontal_and_vertical', data_format: 'channels_last' }),
      // A single number f is [-f, f] (Keras takes |f|), a pair is sorted.
      layer('RandomTranslation', 'random_translation', { height_factor: 0.1, width_factor: [0.2, -0.1], fill_mode: 'reflect', interpolation: 'bilinear', seed: 42, fill_value: 0.0, data_format: 'channels_last' }),
      layer('RandomRotation', 'random_rotation', { factor: [-0.1, 0.2], data_format: 'channels_last', fill_mode: 'constant', fill_value: 1.5, interpolation: 'nearest', seed: 7 }),
      layer('RandomZoom', 'random_zoom', { height_factor: -0.3, width_factor: null, fill_mode: 'wrap', interpolation: 'bilinear', seed: null, fill_value: 0.0, data_format: 'channels_last' }),
      layer('GaussianNoise', 'gaussian_noise', { stddev: 0.25, seed: 3 }),
      layer('Flatten', 'flatten', { data_format: 'channels_last' }),
      layer('Dense', 'dense', { units: 2, activation: 'linear', use_bias: false, ...KERAS2_INIT, kernel_regularizer: null, ...NO_PENALTIES }),
    ] } };
    const { a, values } = artifacts(topology, [['dense/kernel', [20, 2]]], seed + 3);
    const loaded = await nn.loadModel(a);
    const [flip, shift, rotate, zoom, noise] = loaded.layers as unknown as Record<string, unknown>[];
    expect(flip).toMatchObject({ className: 'RandomFlip', mode: 'horizontal_and_vertical' });
    expect(shift).toMatchObject({ heightFactor: [-0.1, 0.1], widthFactor: [-0.1, 0.2], fillMode: 'reflect', interpolation: 'bilinear', seed: 42, fillValue: 0 });
    expect(rotate).toMatchObject({ factor: [-0.1, 0.2], fillMode: 'constant', interpolation: 'nearest', fillValue: 1.5, seed: 7 });
    expect(zoom).toMatchObject({ heightFactor: [-0.3, 0.3], widthFactor: null, fillMode: 'wrap' });
    expect(noise).toMatchObject({ stddev: 0.25, seed: 3 });
    const x = batchFor([5, 4, 1], 3, seed + 4);
    const ref = nn.sequential({ layers: [nn.layers.flatten({ inputShape: [5, 4, 1] }), nn.layers.dense({ units: 2, useBias: false })] });
    ref.setWeights([nn.tensor(values[0], [20, 2])]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((ref.predict(x) as nn.Tensor).data));
    loaded.dispose();
    ref.dispose();
  });

  it('augmentation options simdnn does not have fail naming the layer and the option', async () => {
    const shift = { height_factor: 0.1, width_factor: 0.1 };
    const cases: [string, object, RegExp][] = [
      ['RandomRotation', { factor: 0.1, interpolation: 'bicubic' }, /layer 'aug' \(RandomRotation\): interpolation 'bicubic' is not supported; supported: bilinear, nearest/],
      ['RandomTranslation', { ...shift, fill_mode: 'crop' }, /fill_mode 'crop' is not supported/],
      ['RandomZoom', { height_factor: 0.1, data_format: 'channels_first' }, /option 'data_format' = 'channels_first' is not supported/],
      ['RandomFlip', { mode: 'diagonal' }, /mode 'diagonal' is not supported/],
      ['RandomTranslation', { height_factor: 1.5, width_factor: 0 }, /layer 'aug' \(RandomTranslation\): .*heightFactor must lie in \[-1, 1\]/],
      ['RandomTranslation', { height_factor: 'a lot', width_factor: 0 }, /config 'height_factor' must be a number or a \[lower, upper\] pair/],
      ['GaussianNoise', { stddev: -1 }, /layer 'aug' \(GaussianNoise\): .*stddev must be a finite number >= 0/],
      ['RandomContrast', { factor: 0.1 }, /layer class 'RandomContrast' is not supported/],
    ];
    for (const [class_name, config, message] of cases) {
      const topology = { class_name: 'Sequential', config: { name: 'bad', layers: [{ class_name, config: { name: 'aug', batch_input_shape: [null, 4, 4, 1], ...config } }] } };
      await expect(nn.loadModel(artifacts(topology, [], seed).a), class_name).rejects.toThrow(message);
    }
  });

  it('dequantises the tfjs converter\'s uint8, uint16 and float16 weights', async () => {
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [2], units: 2, name: 'q1' }), nn.layers.dense({ units: 1, useBias: false, name: 'q2' })] });
    const { modelTopology } = nn.io.modelToArtifacts(model);
    model.dispose();
    const bytes = new Uint8Array([0, 10, 255, 128, /* float16 1, -2 */ 0x00, 0x3c, 0x00, 0xc0, /* uint16 1000, 3 */ 0xe8, 0x03, 0x03, 0x00]);
    const loaded = await nn.loadModel({ modelTopology, weightData: bytes.buffer, weightSpecs: [
      { name: 'q1/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'q1/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'q2/kernel', shape: [2, 1], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 0 } },
    ] });
    expect(loaded.getWeights().map((w) => Array.from(w.data))).toEqual([
      [-1, 4, 126.5, 63], [1, -2], [Math.fround(1000 * 0.001), Math.fround(3 * 0.001)],
    ]);
    loaded.dispose();
  });
});
