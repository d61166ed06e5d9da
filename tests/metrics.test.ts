import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

function data(n: number) {
  const rng = makeRng(seed);
  const x = nn.tensor(randomArray(n * 6, rng), [n, 6]);
  const labels = Array.from({ length: n }, () => Math.floor(rng() * 3));
  return { x, labels, y: nn.data.toCategorical(labels, 3) };
}

function model(regularizer?: nn.regularizers.Regularizer) {
  nn.setSeed(seed);
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [6], units: 8, activation: 'tanh', kernelRegularizer: regularizer }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

describe(`loss metrics (seed ${seed})`, () => {
  it('a cross-entropy metric is the loss without the penalty; mse matches a float64 reference', async () => {
    const { x, y } = data(40);
    const m = model(nn.regularizers.l2({ l2: 0.05 }));
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'categoricalCrossentropy', 'mse'] });
    const history = await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.25, seed: 1 });
    expect(Object.keys(history.history).sort()).toEqual(
      ['accuracy', 'categoricalCrossentropy', 'loss', 'mse', 'val_accuracy', 'val_categoricalCrossentropy', 'val_loss', 'val_mse']);
    const result = m.evaluate(x, y, { batchSize: 40 });
    const kernel = m.getWeights()[0].data;
    const penalty = 0.05 * kernel.reduce((s, v) => s + v * v, 0);
    expect(result.categoricalCrossentropy).toBeCloseTo(result.loss - penalty, 4);
    const p = m.predict(x).data;
    let ce = 0, se = 0;
    for (let i = 0; i < 40; i++) for (let c = 0; c < 3; c++) {
      if (y.data[i * 3 + c] === 1) ce -= Math.log(p[i * 3 + c]);
      se += (p[i * 3 + c] - y.data[i * 3 + c]) ** 2;
    }
    expect(result.categoricalCrossentropy).toBeCloseTo(ce / 40, 5);
    expect(result.mse).toBeCloseTo(se / 120, 6);
    m.dispose();
  });

  it("'crossentropy' follows the compiled loss (sparse here)", () => {
    const { x, labels } = data(12);
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['crossentropy'] });
    const result = m.evaluate(x, nn.tensor(labels), { batchSize: 12 });
    expect(result.crossentropy).toBeCloseTo(result.loss, 5);
    m.dispose();
  });

  it('metrics that do not fit the labels, or unknown names, are refused at compile', () => {
    const m = model();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['sparseCategoricalCrossentropy'] }))
      .toThrow("compile: metric 'sparseCategoricalCrossentropy' needs one class index per sample, but the labels of loss 'categoricalCrossentropy' are not shaped that way");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['crossentropy'] }))
      .toThrow("compile: metric 'crossentropy' needs a cross-entropy loss, got 'meanSquaredError'");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['f1'] }))
      .toThrow("compile: unknown metric 'f1'; expected 'accuracy', 'crossentropy', a metric name (binaryAccuracy, categoricalAccuracy, " +
        'sparseCategoricalAccuracy, topKCategoricalAccuracy, precision, recall, auc, meanAbsoluteError, meanSquaredError), a loss name, ' +
        'an object from nn.metrics or a function');
    m.dispose();
  });
});
