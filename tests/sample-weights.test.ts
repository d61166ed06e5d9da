// fit's sampleWeight / classWeight and evaluate's sampleWeight: the loss is Σ w·(per-sample loss)
// divided by the batch's loss terms (Keras 3 'sum_over_batch_size'), its gradient follows, zero
// weights leave a sample out, and bad weights get clear errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();
const rng = makeRng(seed);
beforeAll(() => nn.ready());

const N = 11, IN = 5, C = 3;
const data = () => ({
  x: nn.tensor(Float32Array.from({ length: N * IN }, () => rng() * 2 - 1), [N, IN]),
  labels: Array.from({ length: N }, () => Math.floor(rng() * C)),
});
/** Weights in [0, 3) with some exact zeros. */
const randomWeights = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 4 === 2 ? 0 : rng() * 3));

/** One softmax dense layer: its loss is easy to write out in float64. */
function softmaxModel(loss = 'categoricalCrossentropy') {
  const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [IN], units: C, activation: 'softmax' })] });
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss });
  return m;
}

/** Σ_i w_i·CE_i / N in float64, from the model's weights (logits = xW + b, log-softmax in f64). */
function handLoss(m: nn.LayersModel, x: nn.Tensor, labels: number[], w: ArrayLike<number>): number {
  const [kernel, bias] = m.getWeights();
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const z = Array.from({ length: C }, (_, c) => {
      let s = bias.data[c];
      for (let j = 0; j < IN; j++) s += x.data[i * IN + j] * kernel.data[j * C + c];
      return s;
    });
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    total += w[i] * (lse - z[labels[i]]);
  }
  return total / labels.length;
}

describe(`sample weights (seed ${seed})`, () => {
  it('evaluate and the first fit step weight the loss as Keras: Σ w·loss / N, against float64', async () => {
    for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy']) {
      const m = softmaxModel(loss);
      const { x, labels } = data();
      const y = loss === 'categoricalCrossentropy' ? nn.data.toCategorical(labels, C) : nn.tensor(labels);
      const w = randomWeights(N);
      const want = handLoss(m, x, labels, w);
      const got = m.evaluate(x, y, { sampleWeight: nn.tensor(w), batchSize: 4 }).loss;
      expect(Math.abs(got - want)).toBeLessThan(1e-5 * Math.max(1, want));
      const batchLosses: number[] = [];
      await m.fit(x, y, { sampleWeight: Array.from(w), batchSize: N, epochs: 1, shuffle: false, verbose: 0,
        callbacks: [{ onBatchEnd: (_, logs) => { batchLosses.push(logs!.loss); } }] });
      expect(Math.abs(batchLosses[0] - want)).toBeLessThan(1e-5 * Math.max(1, want));
      m.dispose();
    }
  });

  it('the weighted gradient matches finite differences of the weighted loss', () => {
    const m = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [IN], units: 4, activation: 'tanh' }),
      nn.layers.dense({ units: C, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const { x, labels } = data();
    checkModelGradients(m, x, nn.data.toCategorical(labels, C), 1e-2, 2e-2, randomWeights(N));
    m.dispose();
  });

  it('binary and mean-squared-error losses over several rows per sample weight each sample\'s terms', () => {
    // Output [3, 2] per sample: 6 terms per sample for MSE, divided by all N·6 terms.
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [3, IN], units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = nn.tensor(Float32Array.from({ length: N * 3 * IN }, () => rng() * 2 - 1), [N, 3, IN]);
    const y = nn.tensor(Float32Array.from({ length: N * 6 }, () => rng() * 2 - 1), [N, 3, 2]);
    const w = randomWeights(N);
    const p = m.predict(x);
    let want = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < 6; j++) want += w[i] * (p.data[i * 6 + j] - y.data[i * 6 + j]) ** 2;
    want /= N * 6;
    expect(Math.abs(m.evaluate(x, y, { sampleWeight: w }).loss - want)).toBeLessThan(1e-5 * Math.max(1, want));
    checkModelGradients(m, x, y, 1e-2, 2e-2, w);
    m.dispose();
  });

  it('classWeight is sampleWeight by class, for one-hot, sparse and one binary output', async () => {
    const { x, labels } = data();
    const classWeight = { 0: 0.5, 2: 3 }; // class 1 unlisted: weight 1
    const byClass = labels.map((c) => [0.5, 1, 3][c]);
    for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy']) {
      const y = loss === 'categoricalCrossentropy' ? nn.data.toCategorical(labels, C) : nn.tensor(labels);
      const run = async (args: nn.FitArgs) => {
        nn.setSeed(seed);
        const m = softmaxModel(loss);
        const history = await m.fit(x, y, { batchSize: 4, epochs: 2, seed, verbose: 0, ...args });
        const out = { loss: history.history.loss, weights: m.getWeights().map((t) => Array.from(t.data)) };
        m.dispose();
        return out;
      };
      expect(await run({ classWeight })).toEqual(await run({ sampleWeight: byClass }));
    }
    const binary = nn.sequential({ layers: [nn.layers.dense({ inputShape: [IN], units: 1, activation: 'sigmoid' })] });
    binary.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const yb = nn.tensor(labels.map((c) => [c === 0 ? 1 : 0]));
    const p = binary.predict(x);
    let want = 0;
    labels.forEach((c, i) => {
      const t = c === 0 ? 1 : 0, q = p.data[i];
      want += (t === 1 ? 4 : 1) * -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    });
    const batchLosses: number[] = [];
    await binary.fit(x, yb, { classWeight: { 1: 4 }, batchSize: N, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_, l) => { batchLosses.push(l!.loss); } }] });
    expect(Math.abs(batchLosses[0] - want / N)).toBeLessThan(1e-5);
    binary.dispose();
  });

  it('a zero weight leaves its sample out: its data cannot change the training', async () => {
    const { x, labels } = data();
    const w = Float32Array.from({ length: N }, (_, i) => (i === 3 || i === 7 ? 0 : 1 + (i % 3)));
    const run = async (xs: nn.Tensor, ls: number[]) => {
      nn.setSeed(seed);
      const m = softmaxModel();
      const history = await m.fit(xs, nn.data.toCategorical(ls, C), { sampleWeight: w, batchSize: 4, epochs: 3, seed, verbose: 0 });
      const out = { loss: history.history.loss, weights: m.getWeights().map((t) => Array.from(t.data)) };
      m.dispose();
      return out;
    };
    const changedX = nn.tensor(Float32Array.from(x.data), [N, IN]);
    for (const i of [3, 7]) for (let j = 0; j < IN; j++) changedX.data[i * IN + j] = 1e4 * (j + 1);
    const changedLabels = labels.map((c, i) => (i === 3 || i === 7 ? (c + 1) % C : c));
    expect(await run(changedX, changedLabels)).toEqual(await run(x, labels));
  });

  it('with validationSplit the weights are split with the data; validationData takes [x, y, w]', async () => {
    const m = softmaxModel();
    const { x, labels } = data();
    const y = nn.data.toCategorical(labels, C);
    const w = randomWeights(N);
    const history = await m.fit(x, y, { sampleWeight: w, validationSplit: 0.3, epochs: 1, verbose: 0 });
    const trainCount = Math.floor(N * 0.7);
    const xv = nn.tensor(x.data.slice(trainCount * IN), [N - trainCount, IN]);
    const want = handLoss(m, xv, labels.slice(trainCount), w.slice(trainCount));
    expect(Math.abs(history.history.val_loss[0] - want)).toBeLessThan(1e-5 * Math.max(1, want));
    const again = await m.fit(x, y, { validationData: [x, y, w], epochs: 1, verbose: 0 });
    expect(Math.abs(again.history.val_loss[0] - handLoss(m, x, labels, w))).toBeLessThan(1e-5 * Math.max(1, want));
    m.dispose();
  });

  it('adds nothing to wasm memory per step', async () => {
    const { arena } = getBackend();
    const m = softmaxModel();
    const count = 20 * 8;
    const x = nn.tensor(Float32Array.from({ length: count * IN }, () => rng()), [count, IN]);
    const y = nn.data.toCategorical(Array.from({ length: count }, (_, i) => i % C), C);
    const sizes = new Set<number>(), inUse = new Set<number>();
    await m.fit(x, y, { sampleWeight: randomWeights(count), batchSize: 8, verbose: 0,
      callbacks: [{ onBatchEnd: () => { sizes.add(arena.byteLength); inUse.add(arena.bytesInUse); } }] });
    expect(sizes.size).toBe(1);
    expect(inUse.size).toBe(1);
    m.evaluate(x, y); // plans for evaluate's batch
    const before = arena.bytesInUse;
    m.evaluate(x, y, { sampleWeight: randomWeights(count) });
    expect(arena.bytesInUse).toBe(before); // evaluate's staged weights are returned
    m.dispose();
  });
});

describe('bad weights get clear errors', () => {
  const { x, labels } = data();
  const y = () => nn.data.toCategorical(labels, C);
  const fails = (args: nn.FitArgs, message: string | RegExp) => expect(softmaxModel().fit(x, y(), { verbose: 0, ...args })).rejects.toThrow(message);

  it('sampleWeight of the wrong length, shape or type, negative or not finite', async () => {
    await fails({ sampleWeight: [1, 2] }, 'fit: sampleWeight has 2 weights but there are 11 samples; give one per sample');
    await fails({ sampleWeight: nn.tensor(new Float32Array(N * 2), [N, 2]) }, `fit: sampleWeight must have shape [N] (one weight per sample), got [${N}, 2]`);
    await fails({ sampleWeight: 'all' as never }, "fit: sampleWeight must be a Tensor of shape [N], a Float32Array or a number array, got 'all'");
    const negative = new Float32Array(N).fill(1); negative[4] = -1;
    await fails({ sampleWeight: negative }, 'fit: sampleWeight must be finite and ≥ 0, got -1 at sample 4');
    const nan = new Float32Array(N).fill(1); nan[9] = Number.NaN;
    await fails({ sampleWeight: nan }, 'fit: sampleWeight must be finite and ≥ 0, got NaN at sample 9');
    expect(() => softmaxModel().evaluate(x, y(), { sampleWeight: [Infinity, ...new Array(N - 1).fill(1)] }))
      .toThrow('evaluate: sampleWeight must be finite and ≥ 0, got Infinity at sample 0');
    await fails({ validationData: [x, y(), [1]] }, 'fit: validationData sampleWeight has 1 weights but there are 11 samples');
  });

  it('classWeight with bad keys or values, with sampleWeight, or on a loss without classes', async () => {
    await fails({ classWeight: { cat: 2 } as never }, "fit: classWeight key 'cat' is not a class index; expected integers in [0, 3)");
    await fails({ classWeight: { 3: 2 } }, "fit: classWeight key '3' is not a class index; expected integers in [0, 3)");
    await fails({ classWeight: { 1: -2 } }, 'fit: classWeight[1] must be a finite number ≥ 0, got -2');
    await fails({ classWeight: { 1: Number.NaN } }, 'fit: classWeight[1] must be a finite number ≥ 0, got NaN');
    await fails({ classWeight: [1, 2] as never }, 'fit: classWeight must map class index to weight, e.g. { 0: 1, 1: 5 }, got [1, 2]');
    await fails({ classWeight: { 0: 1 }, sampleWeight: new Float32Array(N) }, 'fit: give sampleWeight or classWeight, not both');
    const mse = nn.sequential({ layers: [nn.layers.dense({ inputShape: [IN], units: C })] });
    mse.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(mse.fit(x, y(), { classWeight: { 0: 2 }, verbose: 0 })).rejects.toThrow("fit: classWeight needs one class per sample (categorical or sparse cross-entropy, or binary with one output), got loss 'meanSquaredError'");
  });
});
