// trainOnBatch, testOnBatch and predictOnBatch: a loop of trainOnBatch over the batches fit would
// draw gives fit's weights bit for bit; the one-batch verbs agree with evaluate and predict.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** A small classifier with batch normalization and an L2 penalty, so every part of a step matters. */
function classifier(): nn.Sequential {
  nn.setSeed(seed);
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [5], units: 6, activation: 'tanh', kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }) }),
    nn.layers.batchNormalization(),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

function data(n: number, rng: () => number): { x: nn.Tensor; y: nn.Tensor } {
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + Math.floor(rng() * 3)] = 1;
  return { x: nn.tensor(randomArray(n * 5, rng), [n, 5]), y: nn.tensor(y, [n, 3]) };
}

const rows = (t: nn.Tensor, from: number, to: number): nn.Tensor =>
  nn.tensor(t.data.slice(from * (t.size / t.shape[0]), to * (t.size / t.shape[0])), [to - from, ...t.shape.slice(1)]);

describe(`one-batch verbs (seed ${seed})`, () => {
  it('trainOnBatch over fit\'s batches, in order, gives fit\'s weights and per-batch losses bit for bit', async () => {
    const rng = makeRng(seed);
    const { x, y } = data(22, rng);
    const fitted = classifier();
    const batchLosses: number[] = [];
    await fitted.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_, logs) => { batchLosses.push(logs!.loss); } }] });
    const looped = classifier();
    const losses: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let start = 0; start < 22; start += 8) {
        const end = Math.min(22, start + 8);
        losses.push(looped.trainOnBatch(rows(x, start, end), rows(y, start, end)).loss);
      }
    }
    expect(losses).toEqual(batchLosses);
    expect(looped.getWeights().map((w) => Array.from(w.data))).toEqual(fitted.getWeights().map((w) => Array.from(w.data)));
    for (const m of [fitted, looped]) m.dispose();
  });

  it('testOnBatch is evaluate over one batch; predictOnBatch is predict', () => {
    const rng = makeRng(seed + 1);
    const { x, y } = data(9, rng);
    const model = classifier();
    expect(model.testOnBatch(x, y)).toEqual(model.evaluate(x, y, { batchSize: 9 }));
    expect(Array.from(model.predictOnBatch(x).data)).toEqual(Array.from(model.predict(x, { batchSize: 9 }).data));
    model.dispose();
  });

  it('takes several inputs and outputs, and sample weights, as fit does', () => {
    const rng = makeRng(seed + 2);
    nn.setSeed(seed);
    const a = nn.input({ shape: [3], name: 'a' }), b = nn.input({ shape: [2], name: 'b' });
    const joined = nn.layers.concatenate().apply([a, b]);
    const model = nn.model({ inputs: [a, b], outputs: [nn.layers.dense({ units: 2, name: 'p' }).apply(joined), nn.layers.dense({ units: 1, name: 'q' }).apply(joined)] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = { a: nn.tensor(randomArray(12, rng), [4, 3]), b: nn.tensor(randomArray(8, rng), [4, 2]) };
    const ys = [nn.tensor(randomArray(8, rng), [4, 2]), nn.tensor(randomArray(4, rng), [4, 1])];
    const before = model.getWeights().map((w) => Array.from(w.data));
    const logs = model.trainOnBatch(xs, ys, { sampleWeight: [1, 0, 2, 1] });
    expect(Object.keys(logs).sort()).toEqual(['loss', 'p_loss', 'q_loss']);
    expect(model.getWeights().map((w) => Array.from(w.data))).not.toEqual(before);
    const [p, q] = model.predictOnBatch(xs);
    expect([p.shape, q.shape]).toEqual([[4, 2], [4, 1]]);
    model.dispose();
  });

  it('errors name the verb', async () => {
    const rng = makeRng(seed + 3);
    const { x, y } = data(4, rng);
    const raw = nn.sequential({ layers: [nn.layers.dense({ inputShape: [5], units: 3 })] });
    expect(() => raw.trainOnBatch(x, y)).toThrow('trainOnBatch: the model must be compiled first');
    raw.dispose();
    const model = classifier();
    expect(() => model.trainOnBatch(x, y, { batch_size: 2 } as never)).toThrow("trainOnBatch: unknown option 'batch_size'");
    expect(() => model.testOnBatch(x, rows(y, 0, 3))).toThrow('testOnBatch: x has 4 samples but y has 3; they must match');
    let during = '';
    await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { try { model.trainOnBatch(x, y); } catch (e) { during = (e as Error).message; } } }] });
    expect(during).toContain("trainOnBatch: model 'sequential");
    expect(during).toContain('is fitting');
    model.dispose();
  });
});

describe(`resuming a fit (seed ${seed})`, () => {
  it('initialEpoch counts History and callbacks from it, and two fits resume one bit for bit', async () => {
    const rng = makeRng(seed + 4);
    const { x, y } = data(20, rng);
    const whole = classifier();
    await whole.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0 });
    const resumed = classifier();
    await resumed.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0 });
    const began: number[] = [];
    const history = await resumed.fit(x, y, { batchSize: 8, epochs: 4, initialEpoch: 2, shuffle: false, verbose: 0,
      callbacks: [{ onEpochBegin: (epoch) => { began.push(epoch); } }] });
    expect(history.epoch).toEqual([2, 3]);
    expect(began).toEqual([2, 3]);
    expect(resumed.getWeights().map((w) => Array.from(w.data))).toEqual(whole.getWeights().map((w) => Array.from(w.data)));
    await expect(resumed.fit(x, y, { initialEpoch: -1, verbose: 0 })).rejects.toThrow('fit: initialEpoch must be a non-negative integer, got -1');
    expect((await resumed.fit(x, y, { epochs: 2, initialEpoch: 2, verbose: 0 })).epoch).toEqual([]);
    for (const m of [whole, resumed]) m.dispose();
  });
});
