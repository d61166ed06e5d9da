// layer.trainable changed after build: takes effect at the next compile (Keras), for built, compiled
// and loaded models; summary follows at once; a frozen BatchNormalization runs in inference mode.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { checkModelGradients } from './helpers/gradcheck.js';
import { artifactsOf } from './helpers/io-models.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();
const rng = makeRng(seed);
beforeAll(() => nn.ready());

const N = 13;
const x = () => nn.tensor(Float32Array.from({ length: N * 5 }, () => rng() * 4 - 2), [N, 5]);
const y = () => nn.data.toCategorical(Array.from({ length: N }, (_, i) => i % 3), 3);

/** dense 'a' → batchNormalization 'bn' → dense 'out' (softmax). */
function net(activation: 'relu' | 'tanh' = 'relu') {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [5], units: 6, activation, name: 'a' }),
    nn.layers.batchNormalization({ name: 'bn' }),
    nn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
  ] });
}

const weightsOf = (layer: nn.Layer) => layer.getWeights().map((w) => Array.from(w.data));
const fit = (m: nn.LayersModel, epochs = 2) => m.fit(x(), y(), { batchSize: 5, epochs, verbose: 0, seed });

/** Gives the BN random moving statistics far from any batch's, so inference mode is visible. */
function randomizeMoving(bn: nn.Layer): void {
  const [gamma, beta, mean, variance] = bn.getWeights();
  mean.data.forEach((_, i) => { mean.data[i] = rng() * 2 - 1; });
  variance.data.forEach((_, i) => { variance.data[i] = 0.5 + rng() * 2; });
  bn.setWeights([gamma, beta, mean, variance]);
}

describe(`layer.trainable after build (seed ${seed})`, () => {
  it('freezing a loaded model, then fine-tuning: frozen weights stay bit-identical, the others change', async () => {
    const original = net();
    original.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await fit(original, 1);
    for (const includeOptimizer of [false, true]) {
      const loaded = await nn.loadModel(await artifactsOf(original, { includeOptimizer }));
      loaded.getLayer('a').trainable = false;
      loaded.getLayer('bn').trainable = false;
      loaded.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05, weightDecay: 0.1 }), loss: 'categoricalCrossentropy' });
      const frozenA = weightsOf(loaded.getLayer('a'));
      const frozenBn = weightsOf(loaded.getLayer('bn'));
      const out = weightsOf(loaded.getLayer('out'));
      await fit(loaded);
      expect(weightsOf(loaded.getLayer('a'))).toEqual(frozenA);
      expect(weightsOf(loaded.getLayer('bn'))).toEqual(frozenBn); // gamma, beta and the moving statistics
      const changed = weightsOf(loaded.getLayer('out'));
      changed.forEach((w, i) => expect(w.some((v, j) => v !== out[i][j])).toBe(true));
      loaded.dispose();
    }
    original.dispose();
  });

  it('a change takes effect at the next compile only, both ways', async () => {
    const m = net();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const a = m.getLayer('a');
    a.trainable = false;
    let before = weightsOf(a);
    await fit(m, 1);
    expect(weightsOf(a)).not.toEqual(before); // still trains: not compiled since
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    before = weightsOf(a);
    await fit(m, 1);
    expect(weightsOf(a)).toEqual(before);
    a.trainable = true;
    await fit(m, 1);
    expect(weightsOf(a)).toEqual(before); // still frozen until compile
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await fit(m, 1);
    expect(weightsOf(a)).not.toEqual(before);
    m.dispose();
  });

  it('a layer made with trainable: false is frozen from the start and can be unfrozen', async () => {
    const m = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [5], units: 4, name: 'a', trainable: false }),
      nn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const before = weightsOf(m.getLayer('a'));
    await fit(m, 1);
    expect(weightsOf(m.getLayer('a'))).toEqual(before);
    m.getLayer('a').trainable = true;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await fit(m, 1);
    expect(weightsOf(m.getLayer('a'))).not.toEqual(before);
    m.dispose();
  });

  it('model.trainable sets every layer, effective at the next compile', async () => {
    const m = net();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    m.trainable = false;
    expect(m.trainable).toBe(false);
    expect(m.layers.map((l) => l.trainable)).toEqual([false, false, false]);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    await fit(m, 1);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    m.trainable = true;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await fit(m, 1);
    expect(m.getWeights().map((w) => Array.from(w.data))).not.toEqual(before);
    expect(() => { m.trainable = 'no' as never; }).toThrow("trainable must be true or false, got 'no'");
    m.dispose();
  });

  it("summary's trainable / non-trainable lines and countTrainableParams follow layer.trainable at once", () => {
    const m = net();
    const dense = 5 * 6 + 6, bnWeights = 2 * 6, bnStats = 2 * 6, out = 6 * 3 + 3;
    const total = dense + bnWeights + bnStats + out;
    const lines = (t: number) => [`Total params: ${total}`, `Trainable params: ${t}`, `Non-trainable params: ${total - t}`];
    const spy = console.log;
    console.log = () => {};
    try {
      expect(m.summary()).toContain(lines(dense + bnWeights + out).join('\n'));
      expect(m.countTrainableParams()).toBe(dense + bnWeights + out);
      m.getLayer('a').trainable = false;
      m.getLayer('bn').trainable = false;
      expect(m.summary()).toContain(lines(out).join('\n'));
      expect(m.countTrainableParams()).toBe(out);
      expect(m.countParams()).toBe(total); // all weights, as Keras count_params
      m.getLayer('a').trainable = true;
      expect(m.summary()).toContain(lines(dense + out).join('\n'));
    } finally {
      console.log = spy;
    }
    m.dispose();
  });

  it('a frozen BatchNormalization normalises with its moving statistics in training and leaves them unchanged', async () => {
    const m = net();
    const bn = m.getLayer('bn');
    randomizeMoving(bn);
    bn.trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const xs = x(), ys = y();
    const inference = m.evaluate(xs, ys, { batchSize: N }).loss;
    const bnBefore = weightsOf(bn);
    const losses: number[] = [];
    await m.fit(xs, ys, { batchSize: N, epochs: 1, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_, logs) => { losses.push(logs!.loss); } }] });
    // The training forward is the inference forward: same kernels, same loss, to the bit.
    expect(losses[0]).toBe(inference);
    expect(weightsOf(bn)).toEqual(bnBefore);
    // Unfrozen (after compile), the batch statistics give another loss and the moving ones move.
    bn.trainable = true;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const again = m.evaluate(xs, ys, { batchSize: N }).loss;
    losses.length = 0;
    await m.fit(xs, ys, { batchSize: N, epochs: 1, shuffle: false, verbose: 0, callbacks: [{ onBatchEnd: (_, logs) => { losses.push(logs!.loss); } }] });
    expect(losses[0]).not.toBe(again);
    expect(weightsOf(bn)[2]).not.toEqual(bnBefore[2]);
    m.dispose();
  });

  it('gradients flow through a frozen BatchNormalization (finite differences)', () => {
    const m = net('tanh'); // smooth: finite differences never straddle a ReLU kink
    randomizeMoving(m.getLayer('bn'));
    m.getLayer('bn').trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkModelGradients(m, x(), y());
    m.dispose();
  });

  it('frozen layers with nothing trainable before them run no backward; a frozen middle layer passes gradients on', async () => {
    const { arena } = getBackend();
    const m = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [5], units: 6, activation: 'tanh', name: 'a' }),
      nn.layers.dense({ units: 4, activation: 'tanh', name: 'mid' }),
      nn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ] });
    m.getLayer('a').trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await fit(m, 1);
    const gradsOf = (name: string) => m.getLayer(name).params.map((p) => Array.from(arena.f32.subarray(p.grad >>> 2, (p.grad >>> 2) + p.size)));
    for (const g of gradsOf('a')) expect(g.every((v) => v === 0)).toBe(true); // never written
    for (const g of gradsOf('mid')) expect(g.some((v) => v !== 0)).toBe(true);
    // Frozen in the middle: the first layer still gets its gradient through it.
    m.getLayer('a').trainable = true;
    m.getLayer('mid').trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    checkModelGradients(m, x(), y());
    m.dispose();
  });

  it('frozen weights add no regularisation penalty (Keras 3)', () => {
    const m = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [5], units: 3, activation: 'softmax', name: 'a', kernelRegularizer: nn.regularizers.l2({ l2: 0.5 }) }),
    ] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const xs = x(), ys = y();
    const withPenalty = m.evaluate(xs, ys).loss;
    m.getLayer('a').trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const without = m.evaluate(xs, ys).loss;
    const k = m.getWeights()[0].data;
    const penalty = 0.5 * k.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(withPenalty - without - penalty)).toBeLessThan(1e-5 * (1 + penalty));
    m.dispose();
  });
});
