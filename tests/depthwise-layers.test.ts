// DepthwiseConv2D (and SeparableConv2D below it): finite-difference gradient checks, configs,
// save and load, and TensorFlow.js 4.22 both ways (cpu backend) within 1e-5.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel): Promise<nn.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved as nn.io.ModelArtifacts;
}

/** Random weights for a tfjs model. */
function randomizeTf(model: tf.LayersModel, s: number): void {
  const rng = makeRng(s);
  model.setWeights(model.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((a: number, b) => a * (b as number), 1), rng, -0.8, 0.8), w.shape as number[])));
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): Float32Array {
  return (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
}

describe(`DepthwiseConv2D (seed ${seed})`, () => {
  // [label, options, per-sample input shape, expected output shape]
  const cases: [string, nn.layers.DepthwiseConv2DArgs, number[], number[]][] = [
    ['3x3 same, odd channels', { kernelSize: 3, padding: 'same' }, [5, 6, 5], [5, 6, 5]],
    ['stride 2, multiplier 2, valid', { kernelSize: 3, strides: 2, depthMultiplier: 2 }, [7, 6, 3], [3, 2, 6]],
    ['dilation 2, same, relu6', { kernelSize: [3, 2], dilationRate: 2, padding: 'same', activation: 'relu6' }, [6, 5, 7], [6, 5, 7]],
    ['multiplier 3, no bias, tanh', { kernelSize: 2, depthMultiplier: 3, useBias: false, activation: 'tanh' }, [4, 5, 2], [3, 4, 6]],
    ['hardSwish (pre-activation kept)', { kernelSize: 3, padding: 'same', activation: 'hardSwish', biasInitializer: 'ones' }, [4, 4, 3], [4, 4, 3]],
  ];
  cases.forEach(([label, options, input, output], ci) => {
    it(`${label}: output shape and gradients of kernel, bias and input`, () => {
      nn.setSeed(seed + ci);
      const layer = nn.layers.depthwiseConv2d(options);
      checkLayerGradients({ layer, inputShapes: [input], batch: 2, rng: makeRng(seed + ci), h: 1e-3 });
      expect(layer.outputShape).toEqual(output);
      expect(layer.params.map((p) => [p.name, [...p.shape]])).toEqual([
        ['depthwise_kernel', [...(typeof options.kernelSize === 'number' ? [options.kernelSize, options.kernelSize] : options.kernelSize), input[2], options.depthMultiplier ?? 1]],
        ...(options.useBias === false ? [] : [['bias', [input[2] * (options.depthMultiplier ?? 1)]]]),
      ]);
      layer.dispose();
    });
  });

  it('bad options are named', () => {
    expect(() => nn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 })).toThrow(/DepthwiseConv2D 'depthwise_conv2d(_\d+)?': depthMultiplier must be a positive integer, got 0/);
    expect(() => nn.layers.depthwiseConv2d({ kernelSize: 3, filters: 4 } as unknown as nn.layers.DepthwiseConv2DArgs)).toThrow(/filters/);
    expect(() => nn.layers.depthwiseConv2d({ kernelSize: 3, depth_multiplier: 2 } as unknown as nn.layers.DepthwiseConv2DArgs)).toThrow(/did you mean 'depthMultiplier'/);
  });

  /** Dilation 2 only where `dilated`: tfjs 4.22's DepthwiseConv2D layer passes no dilation to its op (see below). */
  function model(dilated = true): nn.Sequential {
    return nn.sequential({ layers: [
      nn.layers.depthwiseConv2d({ inputShape: [7, 6, 3], kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }),
      nn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, useBias: false }),
      nn.layers.depthwiseConv2d({ kernelSize: 2, dilationRate: dilated ? 2 : 1, padding: 'same', activation: 'hardSigmoid' }),
      nn.layers.flatten(),
    ] });
  }

  it('saves and loads back with the same config and predictions', async () => {
    const m = model();
    randomizeWeights(m, seed);
    const loaded = await nn.loadModel(await artifactsOf(m));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const x = batchFor([7, 6, 3], 3, seed + 1);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('simdnn → tf.loadLayersModel predicts the same within 1e-5', async () => {
    const m = model(false);
    randomizeWeights(m, seed + 2);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    const x = batchFor([7, 6, 3], 3, seed + 3);
    expect(maxAbsDiff(tfPredict(loaded, x), (m.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel predicts the same within 1e-5', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.depthwiseConv2d({ inputShape: [9, 8, 5], kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }),
      tf.layers.depthwiseConv2d({ kernelSize: [2, 3], useBias: false }),
      tf.layers.flatten(),
    ] });
    randomizeTf(m, seed + 4);
    const loaded = await nn.loadModel(await tfjsArtifacts(m));
    expect(loaded.layers.map((l) => l.className)).toEqual(['DepthwiseConv2D', 'DepthwiseConv2D', 'Flatten']);
    const x = batchFor([9, 8, 5], 3, seed + 5);
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(m, x))).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it("dilation follows Keras: the same as tfjs's depthwiseConv2d op with dilations (which tfjs 4.22's layer drops)", () => {
    const layer = nn.layers.depthwiseConv2d({ inputShape: [8, 7, 3], kernelSize: [3, 2], depthMultiplier: 2, dilationRate: [2, 3], padding: 'same' });
    const m = nn.sequential({ layers: [layer] });
    randomizeWeights(m, seed + 6);
    const x = batchFor([8, 7, 3], 2, seed + 7);
    const [kernel, bias] = layer.getWeights();
    const want = tf.add(tf.depthwiseConv2d(tf.tensor(x.data, [2, 8, 7, 3]) as tf.Tensor4D, tf.tensor(kernel.data, [3, 2, 3, 2]) as tf.Tensor4D, 1, 'same', 'NHWC', [2, 3]), tf.tensor(bias.data, [6]));
    expect(maxAbsDiff((m.predict(x) as nn.Tensor).data, want.dataSync())).toBeLessThan(1e-5);
    m.dispose();
  });

  it('a depthwise constraint in a file is refused by name', async () => {
    const m = model();
    const artifacts = await artifactsOf(m);
    m.dispose();
    const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[1].config.depthwise_constraint = { class_name: 'NonNeg', config: {} };
    await expect(nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] })).rejects.toThrow(/depthwise_constraint/);
  });
});

describe(`SeparableConv2D (seed ${seed})`, () => {
  const cases: [string, nn.layers.SeparableConv2DArgs, number[], number[]][] = [
    ['3x3 same, odd channels', { filters: 5, kernelSize: 3, padding: 'same' }, [5, 6, 3], [5, 6, 5]],
    ['stride 2, multiplier 2, relu6', { filters: 4, kernelSize: 3, strides: 2, depthMultiplier: 2, activation: 'relu6' }, [7, 6, 3], [3, 2, 4]],
    ['dilation 2, no bias, hardSwish', { filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false, activation: 'hardSwish' }, [5, 5, 4], [5, 5, 3]],
  ];
  cases.forEach(([label, options, input, output], ci) => {
    it(`${label}: output shape and gradients of both kernels, bias and input`, () => {
      nn.setSeed(seed + 30 + ci);
      const layer = nn.layers.separableConv2d(options);
      checkLayerGradients({ layer, inputShapes: [input], batch: 2, rng: makeRng(seed + 30 + ci), h: 1e-3 });
      expect(layer.outputShape).toEqual(output);
      const mult = options.depthMultiplier ?? 1, k = options.kernelSize as number;
      expect(layer.params.map((p) => [p.name, [...p.shape]])).toEqual([
        ['depthwise_kernel', [k, k, input[2], mult]], ['pointwise_kernel', [1, 1, input[2] * mult, options.filters]],
        ...(options.useBias === false ? [] : [['bias', [options.filters]]]),
      ]);
      layer.dispose();
    });
  });

  function model(): nn.Sequential {
    return nn.sequential({ layers: [
      nn.layers.separableConv2d({ inputShape: [8, 7, 3], filters: 6, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }),
      nn.layers.separableConv2d({ filters: 4, kernelSize: [3, 2], strides: 2, dilationRate: 1, useBias: false }),
      nn.layers.flatten(),
    ] });
  }

  it('saves and loads back with the same config and predictions', async () => {
    const m = model();
    randomizeWeights(m, seed + 40);
    const loaded = await nn.loadModel(await artifactsOf(m));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const x = batchFor([8, 7, 3], 3, seed + 41);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('simdnn → tf.loadLayersModel predicts the same within 1e-5 (depth_multiplier written, tfjs reads it)', async () => {
    const m = model();
    randomizeWeights(m, seed + 42);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    const x = batchFor([8, 7, 3], 3, seed + 43);
    expect(maxAbsDiff(tfPredict(loaded, x), (m.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel predicts the same within 1e-5 (dilation 2 included)', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.separableConv2d({ inputShape: [9, 8, 5], filters: 7, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' }),
      tf.layers.separableConv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
      tf.layers.flatten(),
    ] });
    randomizeTf(m, seed + 44);
    const loaded = await nn.loadModel(await tfjsArtifacts(m));
    expect(loaded.layers.map((l) => l.className)).toEqual(['SeparableConv2D', 'SeparableConv2D', 'Flatten']);
    const x = batchFor([9, 8, 5], 3, seed + 45);
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(m, x))).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it("tfjs 4.22 writes no depth_multiplier: its multiplier-2 file fails on the weight's shape, naming it", async () => {
    const m = tf.sequential({ layers: [tf.layers.separableConv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 2, depthMultiplier: 2 })] });
    await expect(nn.loadModel(await tfjsArtifacts(m))).rejects.toThrow(/depthwise_kernel/);
    m.dispose();
  });
});

describe(`a MobileNet-like block in one model (seed ${seed})`, () => {
  it('grouped conv (hardSwish) → depthwise (multiplier 2) → separable → pooling → softmax: loss gradients of every weight', async () => {
    nn.setSeed(seed + 50);
    const x = nn.input({ shape: [6, 6, 4] });
    // Inputs within ±0.1 keep the first layer's pre-activations (18 products of |w| < 0.29, Glorot's limit) inside
    // hardSwish's smooth part (|s| < 3), so central differences never straddle its kinks.
    const stem = nn.layers.conv2d({ filters: 6, kernelSize: 3, groups: 2, padding: 'same', activation: 'hardSwish' }).apply(x);
    const dw = nn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh' }).apply(stem);
    const sep = nn.layers.separableConv2d({ filters: 5, kernelSize: 2, activation: 'sigmoid' }).apply(dw);
    const pooled = nn.layers.globalAveragePooling2d({}).apply(sep);
    const out = nn.layers.dense({ units: 3, activation: 'softmax' }).apply(pooled);
    const model = nn.model({ inputs: x, outputs: out });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed + 51), n = 4;
    const xs = nn.tensor(randomArray(n * 6 * 6 * 4, rng, -0.1, 0.1), [n, 6, 6, 4]);
    const ys = nn.data.toCategorical(Uint8Array.from({ length: n }, () => Math.floor(rng() * 3)), 3);
    checkModelGradients(model, xs, ys, 1e-2, 2e-2);
    model.dispose();
  });
});
