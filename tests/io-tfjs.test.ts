// TensorFlow.js interop both ways (tfjs cpu backend): same predictions within 1e-5; unsupported layers and options named.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, augmented, batchFor, bytesInUse, cnn, everyLayerSequential, maxAbsDiff, mergeBranches, mlp, noisyMlp, randomizeWeights, residualConcat } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel, includeOptimizer = false): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer });
  return saved!;
}

/** Random weights for a tfjs model (moving variances positive). */
function randomizeTf(model: tf.LayersModel, s: number): void {
  const rng = makeRng(s);
  model.setWeights(model.weights.map((w) => {
    const positive = w.name.includes('moving_variance');
    return tf.tensor(randomArray(w.shape.reduce((a: number, b) => a * (b as number), 1), rng, positive ? 0.5 : -0.8, positive ? 1.5 : 0.8), w.shape as number[]);
  }));
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): Float32Array {
  return (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
}

describe(`simdnn → TensorFlow.js (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel][] = [
    ['Dense MLP', mlp], ['CNN (conv, BN, pooling, dropout, flatten)', cnn],
    ['every layer type (Sequential)', () => everyLayerSequential('relu')], ['residual add + concatenate (functional)', residualConcat],
    ['gaussianNoise between dense layers', noisyMlp],
    ['every merge but subtract (tfjs has none), concatenate on axes 1 and 2 (functional)', () => mergeBranches(false)],
  ];
  cases.forEach(([name, make], ci) => {
    it(`${name}: tf.loadLayersModel predicts the same within 1e-5`, async () => {
      const model = make();
      randomizeWeights(model, seed + ci);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
      const x = batchFor(model.inputShape, 4, seed + 10 + ci);
      const ours = model.predict(x) as nn.Tensor;
      expect(loaded.outputs[0].shape.slice(1)).toEqual(model.outputShape);
      expect(maxAbsDiff(tfPredict(loaded, x), ours.data)).toBeLessThan(1e-5);
      loaded.dispose();
      model.dispose();
    });
  });

  it('the augmentation layers other than gaussianNoise do not exist in tfjs: tf.loadLayersModel names the first', async () => {
    const model = augmented();
    await expect(tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts))).rejects.toThrow(/Unknown layer: RandomFlip/);
    model.dispose();
  });

  // [label, tfjs class, optimizer, slots per weight, whether tfjs's next step is simdnn's]
  const optimizers: [string, string, () => nn.Optimizer, number, boolean][] = [
    ['Adam', 'Adam', () => nn.optimizers.adam({ learningRate: 0.01 }), 2, false],
    ['Momentum', 'Momentum', () => nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 1, true],
    ['RMSprop', 'RMSProp', () => nn.optimizers.rmsprop({ learningRate: 0.01 }), 2, true],
    ['RMSprop with momentum', 'RMSProp', () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.6, rho: 0.8 }), 2, true],
    ['RMSprop centered, with momentum', 'RMSProp', () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }), 3, false],
    ['Adagrad', 'Adagrad', () => nn.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.3 }), 1, true],
    ['Adadelta', 'Adadelta', () => nn.optimizers.adadelta({ learningRate: 1, rho: 0.9 }), 2, false],
  ];
  optimizers.forEach(([label, name, make, slots, sameStep]) => {
    it(`with includeOptimizer, tfjs restores the ${label} state${sameStep ? ' and its next step matches simdnn\'s' : ''}`, async () => {
      const model = mlp();
      randomizeWeights(model, seed + 40);
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const x = batchFor([6], 8, seed);
      const y = nn.data.toCategorical(new Uint8Array(8).map((_, i) => i % 3), 3);
      await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
      const artifacts = await artifactsOf(model, { includeOptimizer: true });
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      const weights = await loaded.optimizer.getWeights();
      expect(loaded.optimizer.getClassName()).toBe(name);
      expect(weights[0].name).toBe('iter');
      expect(weights[0].tensor.dataSync()[0]).toBe(4);
      expect(weights.length).toBe(1 + slots * model.params().length);
      const saved = new Map(nn.io.decodeWeights(artifacts.weightSpecs, artifacts.weightData).map((w) => [w.name, w.values]));
      for (const w of weights) expect(Array.from(w.tensor.dataSync()), w.name).toEqual(Array.from(saved.get(w.name)!));
      if (sameStep) {
        // One more step on both sides from the restored state: the same update (Momentum: tfjs keeps −v/lr, simdnn v).
        // Not for Adam: Keras adds epsilon to √v, tfjs to the bias-corrected √v̂, so tiny gradients step differently;
        // not for centered RMSProp: tfjs takes √(E[g²] − E[g]² − ε) where Keras takes √(E[g²] − E[g]² + ε);
        // not for Adadelta: tfjs divides by √(E[g²] + ε) from before this gradient is averaged in, Keras after.
        await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
        await loaded.fit(tf.tensor(x.data, [8, 6]), tf.tensor(y.data, [8, 3]), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
        const ours = model.getWeights();
        loaded.getWeights().forEach((w, i) => expect(maxAbsDiff(w.dataSync(), ours[i].data)).toBeLessThan(1e-5));
      }
      loaded.dispose();
      model.dispose();
    });
  });

  // What tfjs cannot take: Adamax state (tfjs implements no getWeights/setWeights for it), Nadam and Rprop (no such optimizer).
  const simdnnOnly: [string, () => nn.Optimizer, RegExp][] = [
    ['Adamax', () => nn.optimizers.adamax(), /setWeights\(\) is not implemented for Adamax/],
    ['Nadam', () => nn.optimizers.nadam(), /Unknown .*Nadam/],
    ['Rprop', () => nn.optimizers.rprop(), /Unknown .*Rprop/],
  ];
  simdnnOnly.forEach(([name, make, message]) => {
    it(`${name} state is simdnn-only: tf.loadLayersModel refuses it with includeOptimizer, and loads the model without`, async () => {
      const model = mlp();
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy' });
      await model.fit(batchFor([6], 4, seed), nn.data.toCategorical(new Uint8Array([0, 1, 2, 0]), 3), { epochs: 1, verbose: 0 });
      await expect(tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model, { includeOptimizer: true }) as tf.io.ModelArtifacts))).rejects.toThrow(message);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
      const x = batchFor([6], 3, seed + 1);
      expect(maxAbsDiff(tfPredict(loaded, x), model.predict(x).data)).toBeLessThan(1e-5);
      loaded.dispose();
      model.dispose();
    });
  });
});

describe(`TensorFlow.js → simdnn (seed ${seed})`, () => {
  function tfCNN(): tf.LayersModel {
    return tf.sequential({ layers: [
      tf.layers.reshape({ inputShape: [72], targetShape: [6, 6, 2] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 3, kernelSize: [2, 2], strides: 1, dilationRate: 1, useBias: false, activation: 'elu' }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.gaussianNoise({ stddev: 0.2 }),
      tf.layers.activation({ activation: 'selu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6, activation: 'softplus', kernelInitializer: 'heNormal' }),
      tf.layers.batchNormalization({ center: false }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
  }
  function tfFunctional(): tf.LayersModel {
    const x = tf.input({ shape: [5, 5, 3] });
    const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([a, x]) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate().apply([sum, b]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(cat) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: out });
  }
  function tfMerges(): tf.LayersModel {
    const x = tf.input({ shape: [3, 4] });
    const a = tf.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4 }).apply(x) as tf.SymbolicTensor;
    const joins = [tf.layers.multiply({}), tf.layers.average({}), tf.layers.maximum({}), tf.layers.minimum({}), tf.layers.add({})]
      .map((m) => m.apply([a, b]) as tf.SymbolicTensor);
    const rows = tf.layers.concatenate({ axis: 1 }).apply(joins) as tf.SymbolicTensor;
    const reversed = tf.layers.concatenate({ axis: 1 }).apply([...joins].reverse()) as tf.SymbolicTensor;
    const wide = tf.layers.concatenate({ axis: 2 }).apply([rows, reversed]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(wide)) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: out });
  }
  const cases: [string, () => tf.LayersModel, number[]][] = [
    ['MLP', () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [7], units: 9, activation: 'tanh' }), tf.layers.dense({ units: 4, activation: 'sigmoid', useBias: false })] }), [7]],
    ['CNN with every supported layer', tfCNN, [72]],
    ['functional (add, concatenate, global pooling)', tfFunctional, [5, 5, 3]],
    ['multiply, average, maximum, minimum, add, concatenate on axes 1 and 2', tfMerges, [3, 4]],
  ];
  cases.forEach(([name, make, shape], ci) => {
    it(`${name}: nn.loadModel predicts the same within 1e-5`, async () => {
      const model = make();
      randomizeTf(model, seed + 20 + ci);
      const model2 = await nn.loadModel(await tfjsArtifacts(model) as nn.io.ModelArtifacts);
      expect(model2.layers.map((l) => l.name)).toEqual(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
      const x = batchFor(shape, 4, seed + 30 + ci);
      expect(maxAbsDiff((model2.predict(x) as nn.Tensor).data, tfPredict(model, x))).toBeLessThan(1e-5);
      model.dispose();
      model2.dispose();
    });
  });

  // [label, tfjs optimizer, simdnn class, tolerance of the restored state, whether simdnn's next step is tfjs's]
  const tfOptimizers: [string, () => tf.Optimizer, string, number, boolean][] = [
    ['Adam', () => tf.train.adam(0.02), 'Adam', 0, false],
    ['Momentum', () => tf.train.momentum(0.05, 0.8), 'SGD', 1e-6, true], // simdnn keeps v = −lr·a: one rounding each way
    ['RMSProp', () => tf.train.rmsprop(0.02), 'RMSprop', 0, true],
    ['RMSProp with momentum', () => tf.train.rmsprop(0.02, 0.8, 0.5), 'RMSprop', 0, true],
    // tfjs takes √(E[g²] − E[g]² − ε): with its default ε = 1e-7 any gradient below ~1e-3 gives NaN, so a tiny ε.
    ['RMSProp centered', () => tf.train.rmsprop(0.02, 0.9, 0, 1e-30, true), 'RMSprop', 0, false],
    ['Adagrad', () => tf.train.adagrad(0.1, 0.2), 'Adagrad', 0, true],
    ['Adadelta', () => tf.train.adadelta(1, 0.9), 'Adadelta', 0, false], // tfjs steps with the E[g²] before the gradient, Keras after
  ];
  tfOptimizers.forEach(([label, make, className, tol, sameStep]) => {
    it(`restores a tfjs training config and ${label} state exactly${sameStep ? ' (and the next step matches)' : ''}`, async () => {
      // tanh, not relu: a dead relu unit has exactly zero gradients, and tfjs's centered RMSProp
      // then takes √(0 − 0 − ε) = NaN.
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
      const optimizer = make();
      model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const x = tf.tensor(randomArray(18, makeRng(seed + 50)), [6, 3]);
      const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0], 'int32'), 2), 'float32');
      await model.fit(x, y, { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
      const loaded = await nn.loadModel(await tfjsArtifacts(model, true) as nn.io.ModelArtifacts);
      expect(loaded.isCompiled).toBe(true);
      expect(loaded.optimizer.className).toBe(className);
      expect(loaded.optimizer.iterations).toBe(3);
      // The restored slots are tfjs's, read back through a simdnn save (Momentum converts v = −lr·a and back).
      const theirs = await tfjsArtifacts(model, true);
      const ours = await artifactsOf(loaded, { includeOptimizer: true });
      expect(ours.weightSpecs.filter((w) => w.group === 'optimizer').map((w) => w.name)).toEqual(theirs.weightSpecs!.filter((w) => w.group === 'optimizer').map((w) => w.name));
      const byName = new Map(nn.io.decodeWeights(ours.weightSpecs, ours.weightData).map((w) => [w.name, w.values]));
      // RMSProp without momentum: tfjs's 'momentum' slot holds the last increment, which it multiplies by 0; simdnn keeps none and writes zeros.
      const dropped = (n: string): boolean => className === 'RMSprop' && (optimizer.getConfig().momentum as number) === 0 && n.endsWith('/momentum');
      for (const w of nn.io.decodeWeights(theirs.weightSpecs, theirs.weightData)) {
        const expected = dropped(w.name) ? new Float32Array(w.values.length) : w.values;
        expect(maxAbsDiff(byName.get(w.name)!, expected), w.name).toBeLessThanOrEqual(tol);
      }
      if (sameStep) {
        await model.fit(x, y, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
        await loaded.fit(nn.tensor(Float32Array.from(x.dataSync()), [6, 3]), nn.tensor(Float32Array.from(y.dataSync()), [6, 2]), { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
        const after = loaded.getWeights();
        model.getWeights().forEach((w, i) => expect(maxAbsDiff(w.dataSync(), after[i].data)).toBeLessThan(1e-5));
      }
      loaded.dispose();
      model.dispose();
    });
  });

  it('tfjs cannot save Adamax state, so none crosses from tfjs (simdnn restores Adamax state saved by simdnn)', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    model.compile({ optimizer: tf.train.adamax(0.01), loss: 'meanSquaredError' });
    await model.fit(tf.ones([2, 3]), tf.ones([2, 2]), { epochs: 1, verbose: 0 });
    await expect(tfjsArtifacts(model, true)).rejects.toThrow(/getWeights\(\) is not implemented for Adamax/);
    model.dispose();
  });

  const unsupported: [string, () => tf.LayersModel, RegExp][] = [
    ['a Conv3D', () => tf.sequential({ layers: [tf.layers.conv3d({ inputShape: [4, 4, 4, 1], filters: 1, kernelSize: 2 })] }), /layer class 'Conv3D' is not supported/],
    ['an LSTM with recurrent dropout', () => tf.sequential({ layers: [tf.layers.lstm({ inputShape: [4, 3], units: 2, recurrentDropout: 0.25 })] }), /recurrentDropout 0.25 is not supported/],
    ['Conv2D channels_first', () => tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [3, 6, 6], filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' })] }), /'data_format' = 'channels_first' is not supported/],
    // Every activation TF.js 4.22 writes is supported (logSoftmax too); ThresholdedReLU is a layer simdnn lacks.
    ['a ThresholdedReLU', () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.thresholdedReLU()] }), /layer class 'ThresholdedReLU' is not supported/],
    ['a kernel constraint', () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelConstraint: 'maxNorm' })] }), /option 'kernel_constraint'.*not supported/],
    ['a PReLU', () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.prelu()] }), /layer class 'PReLU' is not supported/],
  ];
  unsupported.forEach(([what, make, message]) => {
    it(`${what} fails with an error naming it and leaves no memory behind`, async () => {
      const model = make();
      const artifacts = await tfjsArtifacts(model);
      const before = bytesInUse();
      await expect(nn.loadModel(artifacts as nn.io.ModelArtifacts)).rejects.toThrow(message);
      expect(bytesInUse()).toBe(before);
      model.dispose();
    });
  });
});
