// Overlapping calls and non-finite weights (issue "Hardening"): a fit on a model that is fitting
// is refused and cannot write past the running fit's buffers; dispose during fit is refused; a
// step that leaves the weights non-finite fails the fit, naming the layer and weight.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();

function mlp(name: string): nn.Sequential {
  const model = nn.sequential({ name, layers: [
    nn.layers.dense({ inputShape: [6], units: 11, activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
  return model;
}

function data(seed: number, n: number): [nn.Tensor, nn.Tensor] {
  const rng = makeRng(seed);
  const x = new Float32Array(n * 6).map(() => rng() * 2 - 1);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (i % 3)] = 1;
  return [nn.tensor(x, [n, 6]), nn.tensor(y, [n, 3])];
}

/** A callback that holds the fit at the end of its first batch until `release()` is called. */
function gate(): { callback: nn.Callback; release: () => void; reached: Promise<void> } {
  let release!: () => void;
  let reached!: () => void;
  const open = new Promise<void>((resolve) => { release = resolve; });
  const arrived = new Promise<void>((resolve) => { reached = resolve; });
  return { release, reached: arrived, callback: { onBatchEnd: async (batch: number) => { if (batch === 0) { reached(); await open; } } } };
}

describe(`overlapping calls (seed ${seed})`, () => {
  it('refuses a second fit with a larger batch while one runs, and no other model changes', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const [x, y] = data(seed, 67);
    const fitting = mlp('fitting');
    await fitting.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0 }); // its plan for 4 samples exists
    const bystander = mlp('bystander');                               // laid out after that plan
    bystander.predict(x);
    const weights = bystander.getWeights();
    const output = bystander.predict(x);

    const held = gate();
    const first = fitting.fit(x, y, { batchSize: 4, epochs: 2, verbose: 0, callbacks: [held.callback] });
    await held.reached;
    await expect(fitting.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0 }))
      .rejects.toThrow("fit: model 'fitting' is fitting; calls on a model cannot overlap");
    held.release();
    const history = await first;
    expect(history.epoch).toEqual([0, 1]);
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
    bystander.getWeights().forEach((w, i) => expect([...w.data]).toEqual([...weights[i].data]));
    expect([...bystander.predict(x).data]).toEqual([...output.data]);
    fitting.dispose();
    bystander.dispose();
  });

  it('refuses dispose during fit, also after a second, overlapping fit was refused', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const [x, y] = data(seed, 21);
    const model = mlp('held');
    const held = gate();
    const first = model.fit(x, y, { batchSize: 5, epochs: 1, verbose: 0, callbacks: [held.callback] });
    await held.reached;
    const second = model.fit(x, y, { batchSize: 5, epochs: 1, verbose: 0 });
    await expect(second).rejects.toThrow("fit: model 'held' is fitting");
    expect(() => model.dispose()).toThrow("dispose: model 'held' is fitting; calls on a model cannot overlap");
    expect(() => model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })).toThrow("compile: model 'held' is fitting");
    // evaluate and predict from within the fit reuse its plan, in batches of its capacity (5).
    expect(model.predict(x, { batchSize: 64 }).shape).toEqual([21, 3]);
    expect(Number.isFinite(model.evaluate(x, y, { batchSize: 64 }).loss)).toBe(true);
    held.release();
    await first;
    model.dispose();
    expect(() => model.predict(x)).toThrow("model 'held' was disposed");
  });

  it('never hands out a plan smaller than the batch asked for', async () => {
    await nn.ready();
    const [x, y] = data(seed + 1, 30);
    const model = mlp('pinned');
    const held = gate();
    const running = model.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0, callbacks: [held.callback] });
    await held.reached;
    expect(() => model.planFor(16, false)).toThrow("model 'pinned': fit runs with a plan for 4 samples");
    expect(model.planFor(model.plannableBatch(16), false).capacity).toBe(4);
    expect(() => model.planFor(3, false).checkBatch(5, 'test')).toThrow('test: a batch of 5 samples does not fit the memory plan for 4 samples');
    held.release();
    await running;
    expect(model.planFor(16, false).capacity).toBe(16);
    model.dispose();
  });
});

describe(`layers shared by two models (seed ${seed})`, () => {
  it('run on buffers sized for the model running them, so a batch never writes past them', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const rng = makeRng(seed);
    // An encoder and a full model share a convolution, whose im2col buffer is sized by the last plan.
    const input = nn.input({ shape: [6, 5, 1] });
    const code = nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as nn.SymbolicTensor;
    const flat = nn.layers.flatten().apply(code) as nn.SymbolicTensor;
    const output = nn.layers.dense({ units: 3 }).apply(flat) as nn.SymbolicTensor;
    const encoder = nn.model({ inputs: input, outputs: code });
    const full = nn.model({ inputs: input, outputs: output });
    full.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = nn.tensor(new Float32Array(45 * 30).map(() => rng() * 2 - 1), [45, 6, 5, 1]);
    const y = nn.tensor(new Float32Array(45 * 3).map(() => rng()), [45, 3]);
    const expected = full.predict(x, { batchSize: 45 });
    encoder.predict(nn.tensor(x.data.slice(0, 30), [1, 6, 5, 1]));   // re-sizes the shared buffers for 1 sample
    const bystander = mlp('bystander');                                // laid out right after them
    bystander.predict(nn.tensor(new Float32Array(6), [1, 6]));
    const weights = bystander.getWeights();
    expect([...full.predict(x, { batchSize: 45 }).data]).toEqual([...expected.data]);
    await full.fit(x, y, { batchSize: 45, epochs: 2, verbose: 0 });
    encoder.predict(nn.tensor(x.data.slice(0, 30), [1, 6, 5, 1]));
    full.evaluate(x, y, { batchSize: 45 });
    bystander.getWeights().forEach((w, i) => expect([...w.data]).toEqual([...weights[i].data]));
    full.dispose();
    encoder.dispose();
    bystander.dispose();
  });
});

describe(`non-finite weights (seed ${seed})`, () => {
  it('fails fit when the last step of an epoch leaves a weight infinite; predict and evaluate return what they compute', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const rng = makeRng(seed);
    // One batch per epoch, so the step that overflows is the epoch's last; the loss it reports is finite.
    const n = 9;
    const x = nn.tensor(new Float32Array(n * 3).map(() => 100 + 100 * rng()), [n, 3]);
    const y = nn.tensor(new Float32Array(n).fill(-1), [n, 1]);
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [3], units: 1, name: 'blows_up', kernelInitializer: 'ones' })] });
    // Prediction ≥ 300, so the kernel gradient is ≥ 2·301·100 > 6e4: a step of 1e35 × that overflows float32.
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e35 }), loss: 'meanSquaredError' });
    const losses: number[] = [];
    await expect(model.fit(x, y, {
      batchSize: 16, epochs: 1, verbose: 0, validationData: [x, y],
      callbacks: [{ onBatchEnd: (_b: number, logs?: nn.Logs) => { losses.push(logs!.loss); } }],
    })).rejects.toThrow(/^fit: 3 of the 3 values of Dense 'blows_up' weight 'kernel' are NaN or infinite after the last step of epoch 1/);
    expect(losses).toHaveLength(1);
    expect(Number.isFinite(losses[0])).toBe(true);
    expect(model.predict(x).data.every((v) => !Number.isFinite(v))).toBe(true);
    expect(Number.isFinite(model.evaluate(x, y).loss)).toBe(false);
    model.dispose(); // the failed fit is over: its plan is no longer pinned
  });
});
