// TensorFlow.js 4.22 interop of the sequence layers both ways (cpu backend): Embedding, Conv1D
// (valid, same, causal, strides, dilation), MaxPooling1D, AveragePooling1D, the global 1-D
// poolings and TimeDistributed; the same predictions within 1e-5, and what tfjs cannot take.
// TF.js 4.22 reads and writes 'causal' but its layer cannot run it ("not implemented yet"), so
// causal files are compared with tfjs's conv1d op on the input padded before the first step.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, bytesInUse, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

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

/** n samples of integer indices below inputDim (as float32), shape [n, ...shape]. */
function indices(shape: number[], n: number, inputDim: number, s: number): nn.Tensor {
  const rng = makeRng(s);
  const size = shape.reduce((a, b) => a * b, 1);
  return nn.tensor(Float32Array.from({ length: n * size }, () => Math.floor(rng() * inputDim)), [n, ...shape]);
}

/** tfjs's conv1d op (plus the bias) on x padded with `pad` zero steps before the first: Keras's causal convolution. */
function causalReference(x: nn.Tensor, kernel: tf.Tensor, bias: tf.Tensor, pad: number, dilation: number): Float32Array {
  return tf.tidy(() => {
    const padded = tf.pad(tf.tensor3d(x.data, x.shape as [number, number, number]), [[0, 0], [pad, 0], [0, 0]]);
    return tf.add(tf.conv1d(padded, kernel as tf.Tensor3D, 1, 'valid', 'NWC', dilation), bias).dataSync() as Float32Array;
  });
}

/** A text model: embedding → conv1d (same, dilated) → pooling → timeDistributed dense → global pooling → dense. */
function textModel(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.embedding({ inputDim: 13, outputDim: 5, inputLength: 11 }),
    nn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' }),
    nn.layers.maxPooling1d({ poolSize: 2, padding: 'same' }),
    nn.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh', useBias: false }),
    nn.layers.averagePooling1d({ poolSize: 2, strides: 1 }),
    nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 3, activation: 'sigmoid' }) }),
    nn.layers.globalMaxPooling1d(),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
}

/** Dense features through valid convolutions, average pooling and global average pooling. */
function signalModel(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.conv1d({ inputShape: [17, 3], filters: 5, kernelSize: 4, strides: 3 }),
    nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 4, activation: 'elu' }) }),
    nn.layers.conv1d({ filters: 8, kernelSize: 1 }),
    nn.layers.globalAveragePooling1d(),
  ] });
}

/** A TimeDistributed Conv2D over short clips of small images (functional). */
function clipModel(): nn.Functional {
  const clip = nn.input({ shape: [3, 5, 5, 2], name: 'clip' });
  const frames = nn.layers.timeDistributed({ layer: nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }) }).apply(clip);
  const flat = nn.layers.timeDistributed({ layer: nn.layers.flatten() }).apply(frames);
  const out = nn.layers.globalAveragePooling1d().apply(flat);
  return nn.model({ inputs: clip, outputs: out });
}

describe(`simdnn → TensorFlow.js, sequence layers (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel, (n: number, s: number) => nn.Tensor][] = [
    ['embedding, conv1d (dilated, strided), 1-D poolings, timeDistributed dense', textModel, (n, s) => indices([11], n, 13, s)],
    ['conv1d valid with strides, pointwise conv1d, global average pooling', signalModel, (n, s) => batchFor([17, 3], n, s)],
    ['timeDistributed conv2d and flatten (functional)', clipModel, (n, s) => batchFor([3, 5, 5, 2], n, s)],
  ];
  cases.forEach(([name, make, data], ci) => {
    it(`${name}: tf.loadLayersModel predicts the same within 1e-5`, async () => {
      const model = make();
      randomizeWeights(model, seed + ci);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
      const x = data(4, seed + 10 + ci);
      expect(loaded.outputs[0].shape.slice(1)).toEqual(model.outputShape);
      expect(maxAbsDiff(tfPredict(loaded, x), (model.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
      loaded.dispose();
      model.dispose();
    });
  });

  it('causal conv1d: tfjs reads the file (and its layer cannot run it); tfjs\'s conv1d op on the padded input gives simdnn\'s output', async () => {
    const [steps, c, k, d] = [10, 3, 3, 2];
    const layer = nn.layers.conv1d({ inputShape: [steps, c], filters: 4, kernelSize: k, dilationRate: d, padding: 'causal' });
    const model = nn.sequential({ layers: [layer] });
    randomizeWeights(model, seed + 5);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
    expect((loaded.layers[0].getConfig() as { padding: string }).padding).toBe('causal');
    const x = batchFor([steps, c], 3, seed + 6);
    expect(() => loaded.predict(tf.tensor(x.data, [3, steps, c]))).toThrow(/CAUSAL padding mode in conv1dWithBias is not implemented/);
    const [kernel, bias] = loaded.getWeights();
    expect(maxAbsDiff(causalReference(x, kernel, bias, (k - 1) * d, d), (model.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });

  it('keepdims (Keras; tfjs 4.22 has none): tfjs reads the file but ignores it, so its output shape differs', async () => {
    const model = nn.sequential({ layers: [nn.layers.globalMaxPooling1d({ inputShape: [4, 3], keepdims: true })] });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
    expect(model.outputShape).toEqual([1, 3]);
    expect(loaded.outputs[0].shape.slice(1)).toEqual([3]);
    loaded.dispose();
    model.dispose();
  });
});

describe(`TensorFlow.js → simdnn, sequence layers (seed ${seed})`, () => {
  function tfText(): tf.LayersModel {
    return tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 17, outputDim: 6, inputLength: 12 }),
      tf.layers.conv1d({ filters: 5, kernelSize: 3, dilationRate: 3, activation: 'relu' }),
      tf.layers.conv1d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', activation: 'selu' }),
      tf.layers.maxPooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
      tf.layers.averagePooling1d({ poolSize: 2 }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'tanh' }) }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
  }
  function tfFunctional(): tf.LayersModel {
    const x = tf.input({ shape: [9] });
    const e = tf.layers.embedding({ inputDim: 7, outputDim: 4 }).apply(x) as tf.SymbolicTensor;
    const a = tf.layers.globalMaxPooling1d({}).apply(tf.layers.conv1d({ filters: 3, kernelSize: 2, activation: 'sigmoid' }).apply(e)) as tf.SymbolicTensor;
    const b = tf.layers.globalAveragePooling1d({}).apply(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }) }).apply(e)) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.concatenate().apply([a, b])) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: out });
  }
  function tfClips(): tf.LayersModel {
    return tf.sequential({ layers: [
      tf.layers.timeDistributed({ inputShape: [4, 6, 6, 1], layer: tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }) }),
      tf.layers.timeDistributed({ layer: tf.layers.maxPooling2d({ poolSize: 2 }) }),
      tf.layers.timeDistributed({ layer: tf.layers.flatten() }),
      tf.layers.conv1d({ filters: 3, kernelSize: 2 }),
      tf.layers.globalMaxPooling1d(),
    ] });
  }
  const cases: [string, () => tf.LayersModel, (n: number, s: number) => nn.Tensor][] = [
    ['embedding, conv1d (dilated valid, strided same), 1-D poolings, timeDistributed dense', tfText, (n, s) => indices([12], n, 17, s)],
    ['functional: one embedding (no inputLength: tfjs writes batch_input_shape [null, null]) feeding two branches', tfFunctional, (n, s) => indices([9], n, 7, s)],
    ['timeDistributed conv2d, maxPooling2d and flatten, then conv1d', tfClips, (n, s) => batchFor([4, 6, 6, 1], n, s)],
  ];
  cases.forEach(([name, make, data], ci) => {
    it(`${name}: nn.loadModel predicts the same within 1e-5`, async () => {
      const model = make();
      randomizeTf(model, seed + 20 + ci);
      const loaded = await nn.loadModel(await tfjsArtifacts(model));
      // The same layers (a functional graph may list its branches in another topological order).
      expect(loaded.layers.map((l) => l.name).sort()).toEqual(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name).sort());
      const x = data(4, seed + 30 + ci);
      expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(model, x))).toBeLessThan(1e-5);
      model.dispose();
      loaded.dispose();
    });
  });

  it('causal conv1d from tfjs predicts as tfjs\'s conv1d op on the input padded before the first step', async () => {
    const model = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [9, 4], filters: 3, kernelSize: 4, padding: 'causal', activation: 'tanh' })] });
    randomizeTf(model, seed + 40);
    const loaded = await nn.loadModel(await tfjsArtifacts(model));
    const x = batchFor([9, 4], 2, seed + 41);
    const [kernel, bias] = model.getWeights();
    const want = tf.tanh(tf.tensor(causalReference(x, kernel, bias, 3, 1), [2, 9, 3])).dataSync();
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, want)).toBeLessThan(1e-5);
    model.dispose();
    loaded.dispose();
  });

  const refused: [string, () => tf.LayersModel, RegExp][] = [
    ['an Embedding with maskZero', () => tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, maskZero: true })] }), /mask_zero: maskZero true is not supported: simdnn does not propagate masks/],
    ['an Embedding without inputLength (variable length)', () => tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2 })] }), /batch_input_shape must be \[batch, \.\.\.positive sizes\]/],
    ['a TimeDistributed PReLU', () => tf.sequential({ layers: [tf.layers.timeDistributed({ inputShape: [2, 3, 4], layer: tf.layers.prelu() })] }), /wrapped layer '.*' \(PReLU\): layer class 'PReLU' is not supported/],
  ];
  refused.forEach(([what, make, message]) => {
    it(`${what} fails with an error naming it and leaves no memory behind`, async () => {
      const model = make();
      const artifacts = await tfjsArtifacts(model);
      const before = bytesInUse();
      await expect(nn.loadModel(artifacts)).rejects.toThrow(message);
      expect(bytesInUse()).toBe(before);
      model.dispose();
    });
  });
});
