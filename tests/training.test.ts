import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';

describe('training', () => {
  it('learns XOR with a 2-4-1 network', async () => {
    await nn.ready();
    nn.setSeed(3);
    const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nn.tensor([[0], [1], [1], [0]]);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [2], units: 4, activation: 'tanh' }),
      nn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 500, batchSize: 4, verbose: 0, seed: 1 });
    const p = model.predict(x).data;
    expect(Array.from(p, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    expect(history.history.accuracy.at(-1)).toBe(1);
    expect(history.history.loss.at(-1)!).toBeLessThan(0.1);
    model.dispose();
  });

  it('reaches at least 90% test accuracy on the built-in MNIST split in 20 epochs', async () => {
    await nn.ready();
    nn.setSeed(1);
    const { train, test } = nn.data.mnist();
    expect(train.x.shape).toEqual([7996, 784]);
    expect(test.x.shape).toEqual([2004, 784]);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.x, train.y, { batchSize: 128, epochs: 20, seed: 1, validationData: [test.x, test.y], verbose: 0 });
    const result = model.evaluate(test.x, test.y);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(history.history.val_accuracy.at(-1)).toBeCloseTo(result.accuracy, 6);
    expect(history.history.loss.at(-1)!).toBeLessThan(history.history.loss[0]);
    expect(history.epoch).toHaveLength(20);
    model.dispose();
  });

  it('does not grow wasm memory during 50 training steps after the first', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const { train } = nn.data.mnist({ trainSize: 50 * 32 });
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [784], units: 64, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const sizes: number[] = [];
    const inUse: number[] = [];
    await model.fit(train.x, train.y, {
      batchSize: 32, epochs: 1, verbose: 0,
      callbacks: [{ onBatchEnd: () => { sizes.push(arena.byteLength); inUse.push(arena.bytesInUse); } }],
    });
    expect(sizes).toHaveLength(50);
    expect(new Set(sizes).size).toBe(1);
    expect(new Set(inUse).size).toBe(1);
    model.dispose();
  });

  it('gives the same weights and history for the same seed', async () => {
    await nn.ready();
    const { train } = nn.data.mnist({ trainSize: 512 });
    const run = async () => {
      nn.setSeed(42);
      const model = nn.sequential({ layers: [
        nn.layers.dense({ inputShape: [784], units: 16, activation: 'relu' }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ] });
      model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const history = await model.fit(train.x, train.y, { batchSize: 50, epochs: 2, seed: 9, validationSplit: 0.2, verbose: 0 });
      const weights = model.getWeights().map((w) => Array.from(w.data));
      model.dispose();
      return { history: history.history, weights };
    };
    const a = await run();
    const b = await run();
    expect(b.history).toEqual(a.history);
    expect(b.weights).toEqual(a.weights);
    expect(Object.keys(a.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  });

  it('summary, countParams, getWeights and setWeights follow Keras', async () => {
    await nn.ready();
    const model = nn.sequential();
    model.add(nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu', name: 'hidden' }));
    model.add(nn.layers.dense({ units: 10, activation: 'softmax', name: 'out' }));
    expect(model.countParams()).toBe(784 * 128 + 128 + 128 * 10 + 10);
    const table = model.summary();
    expect(table).toContain('hidden (Dense)');
    expect(table).toContain('(None, 128)');
    expect(table).toContain('101770');
    const weights = model.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[784, 128], [128], [128, 10], [10]]);
    const zeros = weights.map((w) => nn.tensor(new Float32Array(w.size), [...w.shape]));
    model.setWeights(zeros);
    const p = model.predict(nn.tensor(new Float32Array(784 * 2), [2, 784]));
    for (const v of p.data) expect(v).toBeCloseTo(0.1, 6);
    model.dispose();
  });
});

describe('fit keeps its memory plan', () => {
  it('evaluate with a larger batch inside a callback does not change training', async () => {
    await nn.ready();
    const { train, test } = nn.data.mnist({ trainSize: 256, testSize: 300 });
    const run = async (probe: boolean) => {
      nn.setSeed(11);
      const model = nn.sequential({ layers: [
        nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
        nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
        nn.layers.maxPooling2d({ poolSize: 2 }),
        nn.layers.flatten(),
        nn.layers.dropout({ rate: 0.3 }),
        nn.layers.dense({ units: 10, activation: 'softmax' }),
      ] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const probes: number[] = [];
      const callbacks = probe ? [{ onEpochEnd: () => { probes.push(model.evaluate(test.x, test.y, { batchSize: 300 }).loss); } }] : [];
      const history = await model.fit(train.x, train.y, { batchSize: 32, epochs: 3, seed: 2, verbose: 0, callbacks });
      const weights = model.getWeights().map((w) => Array.from(w.data));
      const afterwards = model.evaluate(test.x, test.y, { batchSize: 300 }).loss;
      model.dispose();
      return { loss: history.history.loss, weights, probes, afterwards };
    };
    const quiet = await run(false);
    const probed = await run(true);
    expect(probed.loss).toEqual(quiet.loss);
    expect(probed.weights).toEqual(quiet.weights);
    expect(probed.probes).toHaveLength(3);
    expect(probed.probes[2]).toBeCloseTo(probed.afterwards, 5);
  });
});

describe('per-layer access', () => {
  it('getLayer finds a layer by name; layer.getWeights/setWeights work on its own weights', async () => {
    await nn.ready();
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [3], units: 2, name: 'first' }),
      nn.layers.dense({ units: 1, name: 'second' }),
    ] });
    const second = model.getLayer('second');
    expect(second.getWeights().map((w) => w.shape)).toEqual([[2, 1], [1]]);
    second.setWeights([nn.tensor([[2], [3]]), nn.tensor([1])]);
    model.getLayer('first').setWeights([nn.tensor([[1, 0], [0, 1], [0, 0]]), nn.tensor([0, 0])]);
    expect(Array.from(model.predict(nn.tensor([[1, 1, 5]])).data)).toEqual([2 + 3 + 1]);
    expect(model.getWeights()[2].data).toEqual(second.getWeights()[0].data);
    expect(() => model.getLayer('third')).toThrow("getLayer: no layer named 'third'; the model has 'first', 'second'");
    expect(() => second.setWeights([nn.tensor([[1, 2]]), nn.tensor([1])])).toThrow("Dense 'second'.setWeights: weight 0 (kernel) expects shape [2, 1], got [1, 2]");
    model.dispose();
  });
});
