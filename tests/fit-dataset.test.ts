// fitDataset, fit given a dataset, and evaluateDataset: the same batches in the same order give
// fit's (and trainOnBatch's) weights bit for bit, whatever the dataset's form (async generator,
// generator function, array of batches, TF.js's iterator()); batches may differ in size; a longer
// batch re-plans once; batchesPerEpoch walks once across epochs; each bad batch is named.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());
afterEach(() => { vi.restoreAllMocks(); });

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

/** The batches fit draws without shuffling: consecutive rows, the last batch smaller. */
function batchesOf(x: nn.Tensor, y: nn.Tensor, size: number): { xs: nn.Tensor; ys: nn.Tensor }[] {
  const out = [];
  for (let start = 0; start < x.shape[0]; start += size) {
    const end = Math.min(x.shape[0], start + size);
    out.push({ xs: rows(x, start, end), ys: rows(y, start, end) });
  }
  return out;
}

const weightsOf = (m: nn.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.data));

describe(`fitDataset and fit(dataset) (seed ${seed})`, () => {
  it('gives fit\'s weights, History and batch losses bit for bit, for every form of dataset', async () => {
    const rng = makeRng(seed);
    const { x, y } = data(23, rng);
    const reference = classifier();
    const refLosses: number[] = [];
    const refHistory = await reference.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0,
      callbacks: [{ onBatchEnd: (_, logs) => { refLosses.push(logs!.loss); } }] });
    const batches = batchesOf(x, y, 8);
    async function* asyncBatches() { for (const b of batches) yield b; }
    function* syncBatches() { for (const b of batches) yield b; }
    const tfjsLike = { iterator: async () => { let i = 0; return { next: async () => (i < batches.length ? { value: batches[i++], done: false } : { value: undefined, done: true }) }; } };
    const forms: [string, (m: nn.LayersModel, cbs: nn.Callback[]) => Promise<nn.History>][] = [
      ['fitDataset(async generator function)', (m, callbacks) => m.fitDataset(asyncBatches, { epochs: 2, verbose: 0, callbacks })],
      ['fitDataset(array of batches)', (m, callbacks) => m.fitDataset(batches, { epochs: 2, verbose: 0, callbacks })],
      ['fitDataset(TF.js iterator())', (m, callbacks) => m.fitDataset(tfjsLike as nn.Dataset, { epochs: 2, verbose: 0, callbacks })],
      ['fit(generator function)', (m, callbacks) => m.fit(syncBatches, { epochs: 2, verbose: 0, callbacks })],
      ['fit(async iterable)', (m, callbacks) => m.fit({ [Symbol.asyncIterator]: asyncBatches }, { epochs: 2, verbose: 0, callbacks })],
    ];
    for (const [name, run] of forms) {
      const model = classifier();
      const losses: number[] = [];
      const history = await run(model, [{ onBatchEnd: (_, logs) => { losses.push(logs!.loss); } }]);
      expect(losses, name).toEqual(refLosses);
      expect(history.history, name).toEqual(refHistory.history);
      expect(weightsOf(model), name).toEqual(weightsOf(reference));
      model.dispose();
    }
    reference.dispose();
  });

  it('batches of any size: a longer batch later re-plans once, and the weights are trainOnBatch\'s', async () => {
    const rng = makeRng(seed + 1);
    const { x, y } = data(31, rng);
    const cuts = [0, 4, 8, 17, 20, 31]; // 4, 4, 9 (longer: re-plans), 3, 11 (longer again)
    const batches = cuts.slice(1).map((end, i) => ({ xs: rows(x, cuts[i], end), ys: rows(y, cuts[i], end) }));
    const looped = classifier();
    for (const b of batches) looped.trainOnBatch(b.xs, b.ys);
    const model = classifier();
    const history = await model.fitDataset(batches, { verbose: 0 });
    expect(weightsOf(model)).toEqual(weightsOf(looped));
    expect(history.params).toEqual({ epochs: 1, samples: 0, batchSize: 0, steps: 0 });
    // The plan now holds 11 samples: later epochs allocate nothing more.
    const before = nn.memory().bytes;
    await model.fitDataset(batches, { epochs: 3, verbose: 0 });
    expect(nn.memory().bytes).toEqual(before);
    for (const m of [model, looped]) m.dispose();
  });

  it('batchesPerEpoch (stepsPerEpoch) walks once across epochs; running out warns and stops', async () => {
    const rng = makeRng(seed + 2);
    const { x, y } = data(40, rng);
    const batches = batchesOf(x, y, 4); // 10 batches
    let walks = 0;
    function* counted() { walks++; yield* batches; }
    const looped = classifier();
    for (const b of batches.slice(0, 9)) looped.trainOnBatch(b.xs, b.ys);
    const model = classifier();
    const history = await model.fitDataset(counted, { batchesPerEpoch: 3, epochs: 3, verbose: 0 });
    expect(walks).toBe(1);
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(history.params.steps).toBe(3);
    expect(weightsOf(model)).toEqual(weightsOf(looped));

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const short = classifier();
    const cut = await short.fit(batches.values(), { stepsPerEpoch: 4, epochs: 5, verbose: 0 });
    expect(cut.epoch).toEqual([0, 1, 2]); // 4 + 4 + 2 batches, then the dataset ran out
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('fit: the dataset ran out after 10 batches, but stepsPerEpoch 4 × 5 epochs needs 20'));
    for (const m of [model, looped, short]) m.dispose();
  });

  it('validationData as arrays or as a dataset gives evaluate\'s figures; validationBatches takes the first batches', async () => {
    const rng = makeRng(seed + 3);
    const { x, y } = data(26, rng);
    const val = data(13, rng);
    const model = classifier();
    const seen: Record<string, number>[] = [];
    const check = { onEpochEnd: (_: number, logs?: nn.Logs) => { seen.push({ ...logs! }); } };
    await model.fitDataset(batchesOf(x, y, 8), { verbose: 0, validationData: [val.x, val.y], validationBatchSize: 5, callbacks: [check] });
    const expected = model.evaluate(val.x, val.y, { batchSize: 5 });
    expect(seen[0].val_loss).toBe(expected.loss);
    expect(seen[0].val_accuracy).toBe(expected.accuracy);

    await model.fitDataset(batchesOf(x, y, 8), { verbose: 0, validationData: batchesOf(val.x, val.y, 5), validationBatches: 2, callbacks: [check] });
    const firstTwo = model.evaluate(rows(val.x, 0, 10), rows(val.y, 0, 10), { batchSize: 5 });
    expect(seen[1].val_loss).toBe(firstTwo.loss);
    // fit over arrays takes a dataset as validationData too.
    await model.fit(x, y, { batchSize: 8, verbose: 0, validationData: batchesOf(val.x, val.y, 13).values(), callbacks: [check] });
    expect(seen[2].val_loss).toBe(model.evaluate(val.x, val.y, { batchSize: 13 }).loss);
    model.dispose();
  });

  it('evaluateDataset gives evaluate\'s figures; a batch longer than the plan is evaluated in pieces', async () => {
    const rng = makeRng(seed + 4);
    const { x, y } = data(29, rng);
    const model = classifier();
    await model.fit(x, y, { batchSize: 8, verbose: 0 });
    expect(await model.evaluateDataset(batchesOf(x, y, 7))).toEqual(model.evaluate(x, y, { batchSize: 7 }));
    expect(await model.evaluateDataset(batchesOf(x, y, 7), { batches: 2 })).toEqual(model.evaluate(rows(x, 0, 14), rows(y, 0, 14), { batchSize: 7 }));
    // During fit the plan holds 4 samples: a 9-sample validation batch runs as 4 + 4 + 1.
    const seen: nn.Logs[] = [];
    await model.fitDataset(batchesOf(x, y, 4), { verbose: 0, validationData: [{ xs: rows(x, 0, 9), ys: rows(y, 0, 9) }].values(),
      callbacks: [{ onEpochEnd: (_, logs) => { seen.push({ ...logs! }); } }] });
    const pieces = model.evaluate(rows(x, 0, 9), rows(y, 0, 9), { batchSize: 4 });
    expect(seen[0].val_loss).toBeCloseTo(pieces.loss, 6);
    expect(seen[0].val_accuracy).toBe(pieces.accuracy);
    model.dispose();
  });

  it('takes several inputs and outputs as lists or keyed by name, as fit does', async () => {
    const rng = makeRng(seed + 5);
    const n = 19;
    const build = () => {
      nn.setSeed(seed);
      const a = nn.input({ shape: [4], name: 'a' });
      const b = nn.input({ shape: [2], name: 'b' });
      const joined = nn.layers.concatenate().apply([nn.layers.dense({ units: 5, activation: 'relu' }).apply(a) as nn.SymbolicTensor, b]) as nn.SymbolicTensor;
      const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined) as nn.SymbolicTensor;
      const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(joined) as nn.SymbolicTensor;
      const m = nn.model({ inputs: [a, b], outputs: [cls, reg] });
      m.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' }, metrics: ['accuracy'] });
      return m;
    };
    const xa = nn.tensor(randomArray(n * 4, rng), [n, 4]);
    const xb = nn.tensor(randomArray(n * 2, rng), [n, 2]);
    const cls = nn.tensor(Float32Array.from({ length: n }, () => Math.floor(rng() * 3)), [n]);
    const reg = nn.tensor(randomArray(n, rng), [n, 1]);
    const reference = build();
    await reference.fit({ a: xa, b: xb }, { cls, reg }, { batchSize: 6, shuffle: false, verbose: 0 });
    const asLists = [];
    const byName = [];
    for (let s = 0; s < n; s += 6) {
      const e = Math.min(n, s + 6);
      asLists.push({ xs: [rows(xa, s, e), rows(xb, s, e)], ys: [rows(cls, s, e), rows(reg, s, e)] });
      byName.push({ xs: { b: rows(xb, s, e), a: rows(xa, s, e) }, ys: { reg: rows(reg, s, e).data, cls: Array.from(rows(cls, s, e).data) } });
    }
    for (const batches of [asLists, byName]) {
      const model = build();
      await model.fitDataset(batches as nn.DatasetBatch[], { verbose: 0 });
      expect(weightsOf(model)).toEqual(weightsOf(reference));
      model.dispose();
    }
    reference.dispose();
  });

  it('classWeight weights each batch as fit weights the data', async () => {
    const rng = makeRng(seed + 6);
    const { x, y } = data(21, rng);
    const classWeight = { 0: 0.5, 2: 3 };
    const reference = classifier();
    await reference.fit(x, y, { batchSize: 5, shuffle: false, verbose: 0, classWeight });
    const model = classifier();
    await model.fitDataset(batchesOf(x, y, 5), { verbose: 0, classWeight });
    expect(weightsOf(model)).toEqual(weightsOf(reference));
    for (const m of [model, reference]) m.dispose();
  });

  it('accepts TF.js tensors (tf.data batches), read with dataSync()', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const rng = makeRng(seed + 7);
    const { x, y } = data(14, rng);
    const reference = classifier();
    await reference.fit(x, y, { batchSize: 4, shuffle: false, verbose: 0 });
    const dataset = tf.data.zip({ xs: tf.data.array(Array.from({ length: 14 }, (_, i) => Array.from(rows(x, i, i + 1).data))),
      ys: tf.data.array(Array.from({ length: 14 }, (_, i) => Array.from(rows(y, i, i + 1).data))) }).batch(4);
    const model = classifier();
    await model.fitDataset(dataset as unknown as nn.Dataset, { verbose: 0 });
    expect(weightsOf(model)).toEqual(weightsOf(reference));
    for (const m of [model, reference]) m.dispose();
  });
});

describe(`bad datasets and options are named (seed ${seed})`, () => {
  const rng = makeRng(seed + 8);
  const { x, y } = data(12, rng);

  it('a dataset that yields nothing, or that a generator object cannot yield again', async () => {
    const model = classifier();
    await expect(model.fitDataset([], { verbose: 0 })).rejects.toThrow('fitDataset: the dataset yielded no batches; it must yield { xs, ys } batches');
    function* once() { yield { xs: x, ys: y }; }
    await expect(model.fitDataset(once(), { epochs: 2, verbose: 0 })).rejects.toThrow(
      'fitDataset: the dataset yielded no batches in epoch 2 (1 before): a generator object (or any iterator) runs once; pass the generator function itself');
    await expect(model.evaluateDataset([])).rejects.toThrow('evaluateDataset: dataset yielded no batches');
    await expect(model.fitDataset(42 as never)).rejects.toThrow('fitDataset: dataset must be an async iterable or iterable of { xs, ys } batches');
    expect(model.fitting).toBe(false);
    model.dispose();
  });

  it('each bad batch names the epoch and batch, and what is wrong', async () => {
    const model = classifier();
    const good = { xs: rows(x, 0, 4), ys: rows(y, 0, 4) };
    const cases: [unknown, string][] = [
      [[good, { xs: rows(x, 0, 4), ys: rows(y, 0, 3) }], 'fitDataset (epoch 1, batch 2): xs has 4 samples but ys has 3; they must match'],
      [[good, good, { xs: nn.tensor(new Float32Array(24), [4, 6]), ys: rows(y, 0, 4) }], 'fitDataset (epoch 1, batch 3): xs has shape [4, 6] but the model expects [N, 5]'],
      [[good, [rows(x, 0, 4), rows(y, 0, 4)]], 'fitDataset (epoch 1, batch 2): a batch must be an object { xs, ys } (inputs and labels, as fit takes x and y), got'],
      [[{ xs: rows(x, 0, 4), ys: nn.tensor(new Float32Array(8), [4, 2]) }], 'fitDataset (epoch 1, batch 1): categoricalCrossentropy needs labels of shape [N, 3]'],
      [[{ xs: nn.tensor(new Float32Array(20).fill(Number.NaN), [4, 5]), ys: rows(y, 0, 4) }], 'fitDataset (epoch 1, batch 1): xs contains NaN at sample 0'],
      [[{ xs: rows(x, 0, 4), ys: nn.tensor(new Float32Array(12).fill(2), [4, 3]) }], 'fitDataset (epoch 1, batch 1): categoricalCrossentropy labels (one-hot or probabilities) must be in [0, 1], got 2'],
    ];
    for (const [dataset, message] of cases) {
      await expect(model.fitDataset(dataset as nn.DatasetBatch[], { verbose: 0 })).rejects.toThrow(message);
      expect(model.fitting).toBe(false);
    }
    await expect(model.fitDataset([good], { verbose: 0, validationData: [good, { xs: x, ys: rows(y, 0, 3) }].values() }))
      .rejects.toThrow('fitDataset (validation epoch 1, batch 2): xs has 12 samples but ys has 3; they must match');
    model.dispose();
  });

  it('options: TF.js names on fitDataset, Keras names on fit; array-only keys are refused with a reason', async () => {
    const model = classifier();
    const batches = batchesOf(x, y, 4);
    await expect(model.fitDataset(batches, { batchSize: 4 } as never)).rejects.toThrow("fitDataset: unknown option 'batchSize'");
    await expect(model.fitDataset(batches, { stepsPerEpoch: 4 } as never)).rejects.toThrow("fitDataset: unknown option 'stepsPerEpoch'");
    await expect(model.fit(batches.values(), { batchesPerEpoch: 4 } as never)).rejects.toThrow("fit: unknown option 'batchesPerEpoch'");
    await expect(model.fit(batches.values(), { batchSize: 4 })).rejects.toThrow('fit: batchSize applies to arrays, not to a dataset: its batches are as the dataset yields them');
    await expect(model.fit(batches.values(), { shuffle: true })).rejects.toThrow('fit: shuffle applies to arrays, not to a dataset');
    await expect(model.fit(batches.values() as never, y, {})).rejects.toThrow('fit: given a dataset, fit takes the options second');
    await expect(model.fitDataset(batches, { batchesPerEpoch: 0 })).rejects.toThrow('fitDataset: batchesPerEpoch must be a positive integer, got 0');
    await expect(model.fitDataset(batches, { validationBatches: 2 })).rejects.toThrow('fitDataset: validationBatches needs validationData');
    await expect(model.fit(batches.values(), { validationSteps: 2 })).rejects.toThrow('fit: validationSteps needs validationData');
    await expect(model.fitDataset(batches, { validationData: [x, y], validationBatches: 2 })).rejects.toThrow('fitDataset: validationBatches applies to validationData given as a dataset');
    await expect(model.fitDataset(batches, { yieldEvery: 'often' as never })).rejects.toThrow("fitDataset: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds ≥ 0, got 'often'");
    await expect(model.fit(x, y, { yieldEvery: -1 })).rejects.toThrow('fit: yieldEvery must be a finite number ≥ 0, got -1');
    await expect(model.evaluateDataset(batches, { steps: 2 } as never)).rejects.toThrow("evaluateDataset: unknown option 'steps'");
    model.dispose();
  });
});

describe(`stepsPerEpoch and validationSteps over arrays (seed ${seed})`, () => {
  it('an epoch is stepsPerEpoch batches and the shuffled order carries on across epochs', async () => {
    const rng = makeRng(seed + 9);
    const { x, y } = data(10, rng);
    const model = classifier();
    const history = await model.fit(x, y, { batchSize: 4, stepsPerEpoch: 2, epochs: 3, shuffle: false, verbose: 0 });
    expect(history.params.steps).toBe(2);
    // Rows 0-3, 4-7 | 8-9, 0-3 | 4-7, 8-9: the order restarts once every sample was seen.
    const looped = classifier();
    for (const [s, e] of [[0, 4], [4, 8], [8, 10], [0, 4], [4, 8], [8, 10]]) looped.trainOnBatch(rows(x, s, e), rows(y, s, e));
    expect(weightsOf(model)).toEqual(weightsOf(looped));
    // Without stepsPerEpoch, shuffled fits are unchanged: the same seed gives the same weights with it set to a full epoch.
    const a = classifier();
    const b = classifier();
    await a.fit(x, y, { batchSize: 4, epochs: 2, seed, verbose: 0 });
    await b.fit(x, y, { batchSize: 4, epochs: 2, seed, verbose: 0, stepsPerEpoch: 3 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    const val = data(9, rng);
    const logs: nn.Logs[] = [];
    await a.fit(x, y, { batchSize: 4, verbose: 0, validationData: [val.x, val.y], validationSteps: 1, callbacks: [{ onEpochEnd: (_, l) => { logs.push({ ...l! }); } }] });
    expect(logs[0].val_loss).toBe(a.evaluate(rows(val.x, 0, 4), rows(val.y, 0, 4), { batchSize: 4 }).loss);
    await expect(a.fit(x, y, { stepsPerEpoch: 1.5 })).rejects.toThrow('fit: stepsPerEpoch must be a positive integer, got 1.5');
    for (const m of [model, looped, a, b]) m.dispose();
  });
});
