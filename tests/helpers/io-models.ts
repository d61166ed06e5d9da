// Small models of every layer type, and tools to compare them, for the save/load tests.
import * as nn from '../../src/index.js';
import { getBackend } from '../../src/core/wasm.js';
import { makeRng, randomArray } from './kernels.js';

/** Dense MLP: 6 → 8 relu → 5 tanh → 3 softmax. */
export function mlp(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
    nn.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: 'heNormal' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

/** CNN: conv, batch norm, max pool, dropout, conv (same), avg pool, flatten, dense. */
export function cnn(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
    nn.layers.batchNormalization(),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.conv2d({ filters: 3, kernelSize: [2, 2], padding: 'same', strides: 1, dilationRate: 1, activation: 'elu' }),
    nn.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 4, activation: 'softmax' }),
  ] });
}

/** Every layer type in one Sequential (Add/Concatenate need the functional form); 'relu' instead of leakyRelu for tfjs. */
export function everyLayerSequential(last: nn.ActivationName = 'leakyRelu'): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.reshape({ inputShape: [48], targetShape: [4, 4, 3] }),
    nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, useBias: false, activation: 'selu', kernelRegularizer: nn.regularizers.l2({ l2: 0.001 }) }),
    nn.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01, center: false }),
    nn.layers.activation({ activation: 'sigmoid' }),
    nn.layers.maxPooling2d({ poolSize: [2, 1], strides: [1, 1], padding: 'same' }),
    nn.layers.averagePooling2d({ poolSize: 2 }),
    nn.layers.globalAveragePooling2d(),
    nn.layers.dropout({ rate: 0.5, seed: 7 }),
    nn.layers.dense({ units: 5, activation: 'softplus', biasInitializer: 'ones' }),
    nn.layers.batchNormalization({ scale: false }),
    nn.layers.dense({ units: 3, activation: last, useBias: false }),
    nn.layers.reshape({ targetShape: [3, 1] }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 2, activation: 'linear' }),
  ] });
}

/** Functional: conv stem, residual add, concatenate of two branches, global pool, dense. */
export function residualConcat(): nn.Functional {
  const x = nn.input({ shape: [6, 6, 3], name: 'image' });
  const stem = nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  const branch = nn.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(stem);
  const bn = nn.layers.batchNormalization().apply(branch);
  const sum = nn.layers.add().apply([stem, bn]);
  const other = nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(x);
  const joined = nn.layers.concatenate().apply([sum, other]);
  const pooled = nn.layers.globalAveragePooling2d().apply(joined);
  const drop = nn.layers.dropout({ rate: 0.1 }).apply(pooled);
  const out = nn.layers.dense({ units: 3, activation: 'softmax' }).apply(drop);
  return nn.model({ inputs: x, outputs: out, name: 'res_concat' });
}

/**
 * Two dense branches over a [3, 4] input joined by every merge, and Concatenate on axes 1 and 2.
 * TF.js has no Subtract layer, so interop tests leave it out.
 */
export function mergeBranches(withSubtract = true): nn.Functional {
  const x = nn.input({ shape: [3, 4] });
  const a = nn.layers.dense({ units: 4, activation: 'tanh' }).apply(x);
  const b = nn.layers.dense({ units: 4 }).apply(x);
  const merges: nn.Layer[] = [nn.layers.multiply(), nn.layers.average(), nn.layers.maximum(), nn.layers.minimum(), nn.layers.add()];
  if (withSubtract) merges.push(nn.layers.subtract());
  const joins = merges.map((m) => m.apply([a, b]));
  const rows = nn.layers.concatenate({ axis: 1 }).apply(joins);
  const reversed = nn.layers.concatenate({ axis: 1 }).apply([...joins].reverse());
  const wide = nn.layers.concatenate({ axis: 2 }).apply([rows, reversed]);
  const out = nn.layers.dense({ units: 2 }).apply(nn.layers.flatten().apply(wide));
  return nn.model({ inputs: x, outputs: out, name: 'merges' });
}

/**
 * Every augmentation layer, with options away from the defaults, in front of a small conv net
 * (gaussianNoise also on a flat input): at inference the augmentations are the identity.
 * tfjs has no RandomFlip/Translation/Rotation/Zoom, so this model is simdnn (and Keras) only.
 */
export function augmented(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.randomFlip({ inputShape: [6, 6, 2], mode: 'horizontal', seed: 11 }),
    nn.layers.randomTranslation({ heightFactor: 0.2, widthFactor: [-0.1, 0.3], fillMode: 'constant', fillValue: 0.5, interpolation: 'nearest' }),
    nn.layers.randomRotation({ factor: [-0.05, 0.1], fillMode: 'wrap', seed: 3 }),
    nn.layers.randomZoom({ heightFactor: [-0.2, 0.1], fillMode: 'nearest' }),
    nn.layers.randomZoom({ heightFactor: 0.1, widthFactor: [0, 0.2], seed: 5 }),
    nn.layers.gaussianNoise({ stddev: 0.2 }),
    nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
    nn.layers.flatten(),
    nn.layers.gaussianNoise({ stddev: 0.05, seed: 9 }),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
}

/** The network of {@link augmented} without its augmentation layers: the same predictions for the same weights. */
export function augmentedAtInference(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
}

/** A model tfjs can load too: gaussianNoise between dense layers. */
export function noisyMlp(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.gaussianNoise({ inputShape: [6], stddev: 0.3, seed: 4 }),
    nn.layers.dense({ units: 5, activation: 'tanh' }),
    nn.layers.gaussianNoise({ stddev: 0.1 }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

/** Replaces every weight with random values (moving variances positive), so nothing is at its initial value. */
export function randomizeWeights(model: nn.LayersModel, seed: number): void {
  const rng = makeRng(seed);
  const params = model.params();
  model.setWeights(model.getWeights().map((w, i) => {
    const positive = params[i].name === 'moving_variance';
    return nn.tensor(randomArray(w.size, rng, positive ? 0.5 : -0.8, positive ? 1.5 : 0.8), [...w.shape]);
  }));
}

/** A random batch for the model's input shape. */
export function batchFor(shape: readonly number[], n: number, seed: number): nn.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return nn.tensor(randomArray(n * size, makeRng(seed)), [n, ...shape]);
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Bytes the arena has handed out. */
export function bytesInUse(): number {
  return getBackend().arena.bytesInUse;
}

/** Artifacts of a model, in memory. */
export async function artifactsOf(model: nn.LayersModel, options?: nn.io.SaveOptions): Promise<nn.io.ModelArtifacts> {
  let saved: nn.io.ModelArtifacts | undefined;
  await model.save(nn.io.withSaveHandler((a) => { saved = a; }), options);
  return saved!;
}
