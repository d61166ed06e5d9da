import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

function mlp(inputs = 4, classes = 3) {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [inputs], units: 5, activation: 'relu', name: 'hidden' }),
    nn.layers.dense({ units: classes, activation: 'softmax', name: 'probs' }),
  ] });
}

function compiled(loss = 'categoricalCrossentropy') {
  const model = mlp();
  model.compile({ optimizer: 'sgd', loss, metrics: ['accuracy'] });
  return model;
}

const x = () => nn.tensor(new Float32Array(8 * 4).fill(0.5), [8, 4]);
const y = () => nn.data.toCategorical([0, 1, 2, 0, 1, 2, 0, 1], 3);

describe('bad input gets a clear error', () => {
  beforeAll(() => nn.ready());

  it('x whose sample shape does not match the model input', async () => {
    await expect(compiled().fit(nn.tensor(new Float32Array(8 * 5), [8, 5]), y(), { verbose: 0 }))
      .rejects.toThrow('fit: x has shape [8, 5] but the model expects [N, 4]');
  });

  it('x and y with different sample counts', async () => {
    await expect(compiled().fit(x(), nn.data.toCategorical([0, 1, 2], 3), { verbose: 0 }))
      .rejects.toThrow('fit: x has 8 samples but y has 3; they must match');
  });

  it('one-hot labels of the wrong width', async () => {
    await expect(compiled().fit(x(), nn.data.toCategorical([0, 1, 2, 0, 1, 2, 0, 1], 4), { verbose: 0 }))
      .rejects.toThrow('categoricalCrossentropy needs labels of shape [N, 3] (the model\'s output), got [8, 4]');
  });

  it('a class index out of range for sparse labels', async () => {
    const labels = nn.tensor([0, 1, 2, 3, 0, 1, 2, 0]);
    await expect(compiled('sparseCategoricalCrossentropy').fit(x(), labels, { verbose: 0 }))
      .rejects.toThrow('class index 3 at label 3 is out of range: expected an integer in [0, 3)');
  });

  it('a label index out of range for toCategorical', () => {
    expect(() => nn.data.toCategorical([0, 10], 10)).toThrow('toCategorical: label 10 at index 1 is out of range');
  });

  it('NaN and Infinity in x', async () => {
    const bad = x();
    bad.data[9] = Number.NaN;
    await expect(compiled().fit(bad, y(), { verbose: 0 })).rejects.toThrow('fit: x contains NaN at sample 2 (flat index 9)');
    const inf = x();
    inf.data[0] = Infinity;
    expect(() => compiled().predict(inf)).toThrow('predict: x contains Infinity at sample 0');
  });

  it('an empty data set', async () => {
    await expect(compiled().fit(nn.tensor(new Float32Array(0), [0, 4]), nn.tensor(new Float32Array(0), [0, 3]), { verbose: 0 }))
      .rejects.toThrow('fit: x is empty (0 samples)');
  });

  it('batchSize below 1', async () => {
    await expect(compiled().fit(x(), y(), { batchSize: 0, verbose: 0 })).rejects.toThrow('fit: batchSize must be a positive integer, got 0');
    expect(() => compiled().evaluate(x(), y(), { batchSize: 2.5 })).toThrow('evaluate: batchSize must be a positive integer, got 2.5');
  });

  it('fit and evaluate before compile', async () => {
    await expect(mlp().fit(x(), y(), { verbose: 0 })).rejects.toThrow('fit: the model must be compiled first');
    expect(() => mlp().evaluate(x(), y())).toThrow('evaluate: the model must be compiled first');
  });

  it('unknown loss, activation and optimizer names', () => {
    expect(() => mlp().compile({ optimizer: 'sgd', loss: 'ctc' })).toThrow("compile: unknown loss 'ctc'");
    expect(() => mlp().compile({ optimizer: 'lbfgs', loss: 'meanSquaredError' })).toThrow("compile: unknown optimizer 'lbfgs'");
    expect(() => nn.layers.dense({ units: 3, activation: 'swishy' as never, name: 'd' })).toThrow("Dense 'd': unknown activation 'swishy'");
  });

  it('a loss that turns non-finite stops training naming the epoch and batch', async () => {
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 1 })] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
    const big = nn.tensor(new Float32Array(64 * 4).fill(1e3), [64, 4]);
    const target = nn.tensor(new Float32Array(64).fill(1), [64, 1]);
    await expect(model.fit(big, target, { batchSize: 8, epochs: 3, verbose: 0 })).rejects.toThrow(/fit: the loss became (NaN|Infinity) at epoch 1, batch \d+/);
  });

  it('wrong dtypes and ragged arrays', () => {
    expect(() => nn.tensor(new Int32Array(4) as never, [2, 2])).toThrow('tensor: expected float32 data');
    expect(() => nn.tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array');
    expect(() => nn.tensor(new Float32Array(5), [2, 2])).toThrow('Tensor: shape [2, 2] holds 4 values but data has 5');
    expect(() => compiled().predict(new Float64Array(8) as never)).toThrow('predict: x must be float32 data');
  });

  it('invalid layer and optimizer arguments', () => {
    expect(() => nn.layers.dense({ units: 0, name: 'zero' })).toThrow("Dense 'zero': units must be a positive integer, got 0");
    expect(() => nn.optimizers.sgd({ learningRate: -1 })).toThrow('learningRate must be a positive finite number, got -1');
    expect(() => nn.optimizers.sgd({ learningRate: Number.NaN })).toThrow('got NaN');
    expect(() => nn.sequential({ layers: [nn.layers.dense({ units: 2, name: 'first' })] })).toThrow("the first layer, Dense 'first', needs an inputShape");
  });

  it('ops refuse to broadcast silently', () => {
    expect(() => nn.ops.add(nn.tensor([[1, 2, 3]]), nn.tensor([1, 2]))).toThrow('add: shapes [1, 3] and [2] differ');
    expect(() => nn.ops.matMul(nn.tensor([[1, 2, 3]]), nn.tensor([[1, 2]]))).toThrow('matMul: inner dimensions differ');
  });
});

describe('a disposed model', () => {
  it('refuses to be used instead of silently re-initialising', async () => {
    await nn.ready();
    const model = compiled();
    model.dispose();
    expect(() => model.predict(x())).toThrow("model 'sequential' was disposed");
    await expect(model.fit(x(), y(), { verbose: 0 })).rejects.toThrow('was disposed');
  });
});
