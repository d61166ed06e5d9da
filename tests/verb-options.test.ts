// compile / fit / evaluate / predict: unknown keys name the nearest valid one; metrics as a plain
// string; stopTraining from onBatchEnd ends the epoch after that batch.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

function model() {
  const m = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [4], units: 5, activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return m;
}

const x = () => nn.tensor(Float32Array.from({ length: 10 * 4 }, (_, i) => Math.sin(i)), [10, 4]);
const y = () => nn.data.toCategorical([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 3);

describe('unknown option keys', () => {
  beforeAll(() => nn.ready());

  it('fit names the nearest valid key', async () => {
    await expect(model().fit(x(), y(), { batch_size: 32 } as never)).rejects.toThrow("fit: unknown option 'batch_size'; did you mean 'batchSize'?");
    await expect(model().fit(x(), y(), { epoch: 2 } as never)).rejects.toThrow("fit: unknown option 'epoch'; did you mean 'epochs'?");
    await expect(model().fit(x(), y(), { validation_split: 0.2 } as never)).rejects.toThrow("did you mean 'validationSplit'?");
  });

  it('fit with a key close to nothing lists the valid ones', async () => {
    await expect(model().fit(x(), y(), { workers: 3 } as never)).rejects.toThrow(/fit: unknown option 'workers'; valid options: batchSize, epochs/);
  });

  it('compile, evaluate and predict name the nearest valid key', () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['accuracy'] } as never))
      .toThrow("compile: unknown option 'metric'; did you mean 'metrics'?");
    expect(() => m.compile({ optimiser: 'sgd', loss: 'mse' } as never)).toThrow("compile: unknown option 'optimiser'; did you mean 'optimizer'?");
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(() => m.evaluate(x(), y(), { batch_size: 4 } as never)).toThrow("evaluate: unknown option 'batch_size'; did you mean 'batchSize'?");
    expect(() => m.predict(x(), { batchsize: 4 } as never)).toThrow("predict: unknown option 'batchsize'; did you mean 'batchSize'?");
    expect(() => m.predict(x(), 4 as never)).toThrow('predict: expected an options object, got 4');
  });
});

describe('metrics as a plain string', () => {
  beforeAll(() => nn.ready());

  it("metrics: 'accuracy' logs accuracy like ['accuracy']", async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: 'accuracy' });
    const history = await m.fit(x(), y(), { epochs: 1, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss']);
    expect(Object.keys(m.evaluate(x(), y())).sort()).toEqual(['accuracy', 'loss']);
  });

  it('metrics of another type is refused', () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [1] as never })).toThrow("compile: metrics must be a metric or a list of them, e.g. 'accuracy' or ['accuracy', nn.metrics.auc()], got [1]");
  });
});

describe('stopTraining from onBatchEnd', () => {
  beforeAll(() => nn.ready());

  it('stops after that batch; the epoch still ends with its logs', async () => {
    const m = model();
    const batches: number[] = [];
    const epochs: number[] = [];
    let ended = 0;
    const before = m.getWeights().map((w) => Array.from(w.data));
    const history = await m.fit(x(), y(), { batchSize: 2, epochs: 3, verbose: 0, callbacks: [{
      onBatchEnd: (batch) => { batches.push(batch); if (batch === 1) m.stopTraining = true; },
      onEpochEnd: (epoch) => { epochs.push(epoch); },
      onTrainEnd: () => { ended++; },
    }] });
    expect(batches).toEqual([0, 1]);
    expect(epochs).toEqual([0]);
    expect(ended).toBe(1);
    expect(history.epoch).toEqual([0]);
    expect(Number.isFinite(history.history.loss[0])).toBe(true);
    expect(m.getWeights().map((w) => Array.from(w.data))).not.toEqual(before);
    // A later fit starts afresh.
    const again = await m.fit(x(), y(), { batchSize: 2, epochs: 2, verbose: 0 });
    expect(again.epoch).toEqual([0, 1]);
  });
});

describe('fit option values no later check reads', () => {
  beforeAll(() => nn.ready());

  it('shuffle, verbose, seed and callbacks of the wrong kind are refused', async () => {
    await expect(model().fit(x(), y(), { shuffle: 'batch' as never })).rejects.toThrow("fit: shuffle must be true or false, got 'batch'");
    await expect(model().fit(x(), y(), { verbose: 2 as never })).rejects.toThrow('fit: verbose must be 0 (silent) or 1 (one line per epoch), got 2');
    await expect(model().fit(x(), y(), { seed: Number.NaN })).rejects.toThrow('fit: seed must be a finite number, got NaN');
    await expect(model().fit(x(), y(), { callbacks: {} as never })).rejects.toThrow('fit: callbacks must be a list of callback objects, got {}');
    await expect(model().fit(x(), y(), { callbacks: [() => {}] as never })).rejects.toThrow('fit: callbacks[0] must be a callback object, got a function');
  });
});
