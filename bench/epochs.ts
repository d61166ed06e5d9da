// One training epoch timed in simdnn and in TensorFlow.js, with the settings the bench sections
// share: the 784-128-10 MLP (SGD lr 0.1, batch 128) and the example CNN (Adam 1e-3, batch 64).
// No Node imports: the threads section bundles this for a Web Worker in Chromium too.
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/core.js';
import { mnistCnn, mnistMlp } from './models.js';

export type Build = 'mlp' | 'cnn';

function simdnnModel(kind: Build): nn.Sequential {
  return kind === 'mlp' ? mnistMlp() : mnistCnn();
}

function tfjsModel(kind: Build): tf.Sequential {
  const layers = kind === 'mlp'
    ? [tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })]
    : [
      tf.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ];
  return tf.sequential({ layers });
}

export const SETTINGS: Record<Build, { batchSize: number; optimizer: () => { simdnn: nn.Optimizer; tfjs: tf.Optimizer } }> = {
  mlp: { batchSize: 128, optimizer: () => ({ simdnn: nn.optimizers.sgd({ learningRate: 0.1 }), tfjs: tf.train.sgd(0.1) }) },
  cnn: { batchSize: 64, optimizer: () => ({ simdnn: nn.optimizers.adam({ learningRate: 1e-3 }), tfjs: tf.train.adam(1e-3) }) },
};

/** Best seconds per epoch of simdnn over `epochs` epochs (the first warms up). */
export async function simdnnEpoch(kind: Build, x: nn.Tensor, y: nn.Tensor, epochs: number): Promise<number> {
  nn.setSeed(1);
  const model = simdnnModel(kind);
  model.compile({ optimizer: SETTINGS[kind].optimizer().simdnn, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const times: number[] = [];
  let began = 0;
  await model.fit(x, y, {
    batchSize: SETTINGS[kind].batchSize, epochs: epochs + 1, verbose: 0, seed: 1,
    callbacks: [{ onEpochBegin: () => { began = performance.now(); }, onEpochEnd: () => { times.push(performance.now() - began); } }],
  });
  model.dispose();
  return Math.min(...times.slice(1)) / 1000;
}

/** Best seconds per epoch of TensorFlow.js on `backend`, scaled to `fullSamples` when run on fewer. */
export async function tfjsEpoch(kind: Build, backend: 'wasm' | 'cpu', x: nn.Tensor, y: nn.Tensor, epochs: number, fullSamples: number): Promise<number | string> {
  await tf.setBackend(backend);
  const model = tfjsModel(kind);
  model.compile({ optimizer: SETTINGS[kind].optimizer().tfjs, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor(x.data, [...x.shape]), ys = tf.tensor(y.data, [...y.shape]);
  const times: number[] = [];
  let began = 0;
  try {
    await model.fit(xs, ys, {
      batchSize: SETTINGS[kind].batchSize, epochs: epochs + 1, shuffle: true, verbose: 0,
      callbacks: { onEpochBegin: async () => { began = performance.now(); }, onEpochEnd: async () => { times.push(performance.now() - began); } },
    });
  } catch (error) {
    return `cannot train: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    xs.dispose(); ys.dispose(); model.dispose();
  }
  return (Math.min(...times.slice(1)) / 1000) * (fullSamples / x.shape[0]);
}
