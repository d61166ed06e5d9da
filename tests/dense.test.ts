import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng } from './helpers/kernels.js';
import type { ActivationName } from '../src/activations.js';

const seed = freshSeed();

describe(`dense layer gradients (seed ${seed})`, () => {
  const activations: ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'leakyReluKeras3', 'elu', 'selu', 'softplus',
    'relu6', 'hardSigmoid', 'hardSigmoidKeras3', 'hardSwish'];
  for (const activation of activations) {
    it(`kernel, bias and input with activation ${activation}`, async () => {
      await nn.ready();
      const rng = makeRng(seed);
      nn.setSeed(seed);
      const layer = nn.layers.dense({ units: 7, activation });
      checkLayerGradients({ layer, inputShapes: [[5]], batch: 3, rng, h: 1e-3 });
      layer.dispose();
    });
  }

  it('applies to the last axis of a rank-3 input, as Keras', async () => {
    await nn.ready();
    const rng = makeRng(seed + 1);
    const layer = nn.layers.dense({ units: 3, activation: 'tanh' });
    checkLayerGradients({ layer, inputShapes: [[4, 5]], batch: 2, rng, h: 1e-3 });
    expect(layer.outputShape).toEqual([4, 3]);
    layer.dispose();
  });
});

describe(`model loss gradients (seed ${seed})`, () => {
  const cases: [string, ActivationName, (rng: () => number, n: number) => Float32Array, number][] = [
    ['categoricalCrossentropy', 'softmax', (rng, n) => oneHot(rng, n, 4), 4],
    ['categoricalCrossentropy', 'sigmoid', (rng, n) => oneHot(rng, n, 4), 4],
    ['sparseCategoricalCrossentropy', 'softmax', (rng, n) => Float32Array.from({ length: n }, () => Math.floor(rng() * 4)), 1],
    ['sparseCategoricalCrossentropy', 'sigmoid', (rng, n) => Float32Array.from({ length: n }, () => Math.floor(rng() * 4)), 1],
    ['binaryCrossentropy', 'sigmoid', (rng, n) => Float32Array.from({ length: n * 4 }, () => (rng() < 0.5 ? 0 : 1)), 4],
    ['binaryCrossentropy', 'softmax', (rng, n) => Float32Array.from({ length: n * 4 }, () => (rng() < 0.5 ? 0 : 1)), 4],
    ['meanSquaredError', 'linear', (rng, n) => Float32Array.from({ length: n * 4 }, () => rng() * 2 - 1), 4],
    ['meanSquaredError', 'tanh', (rng, n) => Float32Array.from({ length: n * 4 }, () => rng() * 2 - 1), 4],
  ];
  for (const [loss, activation, labels, width] of cases) {
    it(`${loss} after ${activation}`, async () => {
      await nn.ready();
      const rng = makeRng(seed + 7);
      nn.setSeed(seed);
      const n = 5;
      const model = nn.sequential({ layers: [
        nn.layers.dense({ inputShape: [3], units: 6, activation: 'tanh' }),
        nn.layers.dense({ units: 4, activation }),
      ] });
      model.compile({ optimizer: 'sgd', loss });
      const x = nn.tensor(Float32Array.from({ length: n * 3 }, () => rng() * 2 - 1), [n, 3]);
      const y = nn.tensor(labels(rng, n), width === 1 ? [n] : [n, width]);
      checkModelGradients(model, x, y, 1e-2, 2e-2);
      model.dispose();
    });
  }
});

function oneHot(rng: () => number, n: number, classes: number): Float32Array {
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) out[i * classes + Math.floor(rng() * classes)] = 1;
  return out;
}
