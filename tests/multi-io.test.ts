// Functional models with several inputs and outputs, and layers applied more than once: gradients
// through shared weights and weighted losses against finite differences, Keras-named logs, data
// given as lists or objects, models used as layers, and the errors for what does not fit.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** Two inputs [6] and [4]; a Dense shared by both (after a projection of b); heads 'cls' (softmax 3) and 'reg' (linear 2). */
function twoByTwo(): nn.Functional<nn.Tensor[]> {
  const a = nn.input({ shape: [6], name: 'a' });
  const b = nn.input({ shape: [4], name: 'b' });
  const shared = nn.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const ea = shared.apply(a);
  const eb = shared.apply(nn.layers.dense({ units: 6, activation: 'tanh', name: 'project' }).apply(b));
  const joined = nn.layers.concatenate({ name: 'join' }).apply([ea, eb]);
  const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
  const reg = nn.layers.dense({ units: 2, name: 'reg' }).apply(nn.layers.add({ name: 'sum' }).apply([ea, eb]));
  return nn.model({ inputs: [a, b], outputs: [cls, reg], name: 'two_by_two' });
}

/** n random samples for twoByTwo: inputs, one-hot classes and regression targets. */
function data(n: number, rng: () => number): { xa: nn.Tensor; xb: nn.Tensor; yc: nn.Tensor; yr: nn.Tensor } {
  const yc = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) yc[i * 3 + Math.floor(rng() * 3)] = 1;
  return {
    xa: nn.tensor(randomArray(n * 6, rng), [n, 6]), xb: nn.tensor(randomArray(n * 4, rng), [n, 4]),
    yc: nn.tensor(yc, [n, 3]), yr: nn.tensor(randomArray(n * 2, rng), [n, 2]),
  };
}

describe(`several inputs and outputs (seed ${seed})`, () => {
  it('gradients through a shared layer and two weighted losses match finite differences', () => {
    const rng = makeRng(seed);
    nn.setSeed(seed);
    const model = twoByTwo();
    model.compile({ optimizer: 'sgd', loss: { cls: 'categoricalCrossentropy', reg: 'meanSquaredError' }, lossWeights: { cls: 0.7, reg: 2 } });
    const d = data(5, rng);
    checkModelGradients(model, [d.xa, d.xb], [d.yc, d.yr]);
    model.dispose();
  });

  it('sums the gradients of every application of a shared layer', () => {
    // One Dense applied twice to the same input gives 2·W·x; its gradient must be twice one use's.
    const rng = makeRng(seed + 1);
    nn.setSeed(seed);
    const x = nn.input({ shape: [3] });
    const shared = nn.layers.dense({ units: 2, useBias: false, name: 'twice' });
    const twice = nn.model({ inputs: x, outputs: nn.layers.add().apply([shared.apply(x), shared.apply(x)]) });
    twice.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = nn.tensor(randomArray(4 * 3, rng), [4, 3]);
    const ys = nn.tensor(randomArray(4 * 2, rng), [4, 2]);
    checkModelGradients(twice, xs, ys);
    expect(twice.countParams()).toBe(6);
    twice.dispose();
  });

  it('names logs as Keras 3: the total, each output\'s weighted loss and metrics, val_ too', async () => {
    const rng = makeRng(seed + 2);
    nn.setSeed(seed);
    const model = twoByTwo();
    model.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'], metrics: { cls: 'accuracy' }, lossWeights: [1, 0.5] });
    const d = data(24, rng);
    const history = await model.fit([d.xa, d.xb], [d.yc, d.yr], { epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(history.history).sort()).toEqual(
      ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_loss']);
    const logs = model.evaluate({ a: d.xa, b: d.xb }, { cls: d.yc, reg: d.yr }, { batchSize: 7 });
    // The total is the sum of the weighted per-output losses (no penalties here), up to f64 rounding.
    expect(Math.abs(logs.loss - (logs.cls_loss + logs.reg_loss))).toBeLessThanOrEqual(1e-12 * Math.abs(logs.loss));
    // reg's weight halves its logged loss: compare with the unweighted mean squared error by hand.
    const [, reg] = model.predict([d.xa, d.xb], { batchSize: 24 });
    let sse = 0;
    for (let i = 0; i < reg.size; i++) sse += (reg.data[i] - d.yr.data[i]) ** 2;
    expect(Math.abs(logs.reg_loss - 0.5 * (sse / reg.size))).toBeLessThan(1e-5 * Math.max(1, logs.reg_loss));
    model.dispose();
  });

  it('takes data as lists or as objects keyed by name, with the same result', async () => {
    const rng = makeRng(seed + 3);
    const d = data(16, rng);
    const run = async (x: nn.ModelData, y: nn.ModelLabels): Promise<number[][]> => {
      nn.setSeed(seed);
      const model = twoByTwo();
      model.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
      await model.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0, seed: 3 });
      const weights = model.getWeights().map((w) => Array.from(w.data));
      model.dispose();
      return weights;
    };
    expect(await run({ b: d.xb, a: d.xa }, { reg: d.yr, cls: d.yc })).toEqual(await run([d.xa, d.xb], [d.yc, d.yr]));
  });

  it('predict returns one tensor per output, with the outputs\' shapes; a list of one stays a list', () => {
    const rng = makeRng(seed + 4);
    nn.setSeed(seed);
    const model = twoByTwo();
    const d = data(7, rng);
    const [cls, reg] = model.predict([d.xa, d.xb], { batchSize: 3 });
    expect(cls.shape).toEqual([7, 3]);
    expect(reg.shape).toEqual([7, 2]);
    for (let i = 0; i < 7; i++) expect(Math.abs(cls.data.subarray(i * 3, i * 3 + 3).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
    const x = nn.input({ shape: [6] });
    const listed = nn.model({ inputs: [x], outputs: [nn.layers.dense({ units: 2 }).apply(x)] });
    const out = listed.predict(d.xa);
    expect(Array.isArray(out) && out.length === 1 && out[0].shape).toEqual([7, 2]);
    for (const m of [model, listed]) m.dispose();
  });

  it('an output that feeds another layer keeps its activation: the loss does not take it', () => {
    // 'probs' is both an output (cross-entropy) and the input of 'score': it must hold probabilities.
    const rng = makeRng(seed + 5);
    nn.setSeed(seed);
    const x = nn.input({ shape: [4] });
    const probs = nn.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(x);
    const score = nn.layers.dense({ units: 1, name: 'score' }).apply(probs);
    const model = nn.model({ inputs: x, outputs: [probs, score] });
    model.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
    const yc = new Float32Array(6 * 3);
    for (let i = 0; i < 6; i++) yc[i * 3 + (i % 3)] = 1;
    checkModelGradients(model, nn.tensor(randomArray(24, rng), [6, 4]), [nn.tensor(yc, [6, 3]), nn.tensor(randomArray(6, rng), [6, 1])]);
    model.dispose();
  });

  it('summary counts a shared layer once, lists each application, and reports the plan by kind', async () => {
    const rng = makeRng(seed + 9);
    nn.setSeed(seed);
    const model = twoByTwo();
    const log = console.log;
    console.log = () => {};
    try {
      const before = model.summary();
      expect(before).toContain('Total params: 110'); // shared 35 (counted once) + project 30 + cls 33 + reg 12
      expect(before).toContain('shared/1 (Dense)');
      expect(before).not.toContain('Memory plan');
      model.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'] });
      const d = data(6, rng);
      await model.fit([d.xa, d.xb], [d.yc, d.yr], { batchSize: 6, verbose: 0 });
      // Training: the weight gradients of the shared Dense's second use and the joins are scratch.
      expect(model.summary()).toMatch(/^Weights: params 440 B, grads 440 B, optimizer slots 880 B$/m); // Adam: two moments per weight
      expect(model.summary()).toMatch(/Memory plan for 6 samples \(training\): activations [\d.]+ (B|KiB), scratch [\d.]+ (B|KiB)$/m);
    } finally {
      console.log = log;
    }
    model.dispose();
  });

  it('a training step grows no wasm memory with two inputs, two outputs and a shared layer', async () => {
    const rng = makeRng(seed + 6);
    const { arena } = getBackend();
    nn.setSeed(seed);
    const model = twoByTwo();
    model.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'], metrics: ['accuracy'] });
    const d = data(40, rng);
    const inUse: number[] = [];
    await model.fit([d.xa, d.xb], [d.yc, d.yr], { batchSize: 4, epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { inUse.push(arena.bytesInUse); } }] });
    expect(inUse).toHaveLength(10);
    expect(new Set(inUse).size).toBe(1);
    model.dispose();
  });
});

describe(`models used as layers (seed ${seed})`, () => {
  it('a siamese model shares its encoder: one set of weights, trained through both branches', async () => {
    const rng = makeRng(seed + 7);
    nn.setSeed(seed);
    const encoder = nn.sequential({ name: 'encoder', layers: [
      nn.layers.dense({ inputShape: [5], units: 4, activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'tanh' }),
    ] });
    const left = nn.input({ shape: [5], name: 'left' });
    const right = nn.input({ shape: [5], name: 'right' });
    const diff = nn.layers.subtract().apply([encoder.apply(left) as nn.SymbolicTensor, encoder.apply(right) as nn.SymbolicTensor]);
    const same = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(diff);
    const siamese = nn.model({ inputs: [left, right], outputs: same });
    expect(siamese.countParams()).toBe(encoder.countParams() + 4);
    siamese.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const xl = nn.tensor(randomArray(30, rng), [6, 5]);
    const xr = nn.tensor(randomArray(30, rng), [6, 5]);
    const y = nn.tensor(Float32Array.from({ length: 6 }, (_, i) => i % 2), [6, 1]);
    checkModelGradients(siamese, [xl, xr], y);
    const before = encoder.getWeights().map((w) => Array.from(w.data));
    await siamese.fit([xl, xr], y, { epochs: 2, batchSize: 3, verbose: 0 });
    const after = encoder.getWeights().map((w) => Array.from(w.data));
    expect(after).not.toEqual(before);
    // The encoder on its own computes with the weights the siamese model trained.
    const encoded = encoder.predict(xl);
    const probe = nn.model({ inputs: left, outputs: encoder.apply(left) as nn.SymbolicTensor });
    expect(Array.from((probe.predict(xl) as nn.Tensor).data)).toEqual(Array.from(encoded.data));
    siamese.dispose();
    // The encoder's layers are still held by the encoder and probe: they keep working.
    expect(encoder.predict(xl).shape).toEqual([6, 3]);
    for (const m of [probe, encoder]) m.dispose();
  });

  it('freezing the encoder model freezes it inside the siamese model at its next compile', async () => {
    const rng = makeRng(seed + 8);
    nn.setSeed(seed);
    const encoder = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 3 })] });
    const a = nn.input({ shape: [4] }), b = nn.input({ shape: [4] });
    const out = nn.layers.dense({ units: 1 }).apply(nn.layers.concatenate().apply([encoder.apply(a) as nn.SymbolicTensor, encoder.apply(b) as nn.SymbolicTensor]));
    const model = nn.model({ inputs: [a, b], outputs: out });
    encoder.trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = encoder.getWeights().map((w) => Array.from(w.data));
    await model.fit([nn.tensor(randomArray(16, rng), [4, 4]), nn.tensor(randomArray(16, rng), [4, 4])], nn.tensor(randomArray(4, rng), [4, 1]), { epochs: 2, verbose: 0 });
    expect(encoder.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(model.countTrainableParams()).toBe(7);
    for (const m of [model, encoder]) m.dispose();
  });
});

describe('errors name the output, input or argument', () => {
  const build = (): nn.Functional<nn.Tensor[]> => { nn.setSeed(1); return twoByTwo(); };

  it('compile', () => {
    const m = build();
    expect(() => m.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow('compile: loss lists 1 values but the model has 2 outputs (cls, reg)');
    expect(() => m.compile({ optimizer: 'sgd', loss: { cls: 'mse' } })).toThrow("compile: no loss for output 'reg'");
    expect(() => m.compile({ optimizer: 'sgd', loss: { cls: 'mse', regg: 'mse' } })).toThrow("names output 'regg', which the model does not have; did you mean 'reg'?");
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { cls: -1 } })).toThrow("lossWeights for output 'cls' must be a finite number ≥ 0, got -1");
    m.dispose();
  });

  it('fit, evaluate and predict', async () => {
    const m = build();
    m.compile({ optimizer: 'sgd', loss: ['categoricalCrossentropy', 'mse'] });
    const d = data(4, makeRng(1));
    expect(() => m.predict(d.xa)).toThrow('predict: the model has 2 inputs (a, b); give x as a list of 2 arrays or an object keyed by input name');
    expect(() => m.predict({ a: d.xa, c: d.xb })).toThrow("predict: x has no input named 'c'");
    expect(() => m.predict({ a: d.xa })).toThrow("predict: x gives no array for input 'b'");
    expect(() => m.predict([d.xb, d.xa])).toThrow('predict: x.a has shape [4, 4] but the model expects [N, 6]');
    expect(() => m.evaluate([d.xa, d.xb], [d.yc])).toThrow('evaluate: y lists 1 arrays but the model has 2 outputs (cls, reg)');
    const short = nn.tensor(new Float32Array(6), [3, 2]);
    expect(() => m.evaluate([d.xa, d.xb], [d.yc, short])).toThrow('evaluate: x[0] has 4 samples but y[1] has 3; they must match');
    await expect(m.fit([d.xa, d.xb], [d.yc, d.yr], { classWeight: { 0: 2 }, verbose: 0 }))
      .rejects.toThrow('fit: classWeight needs a model with one output (as Keras), this one has 2 (cls, reg)');
    m.dispose();
  });

  it('model construction', () => {
    const x = nn.input({ shape: [3] }), other = nn.input({ shape: [3], name: 'other' });
    const y = nn.layers.add().apply([x, other]);
    expect(() => nn.model({ inputs: x, outputs: y })).toThrow('model: the outputs depend on other, which is not among the inputs');
    expect(() => nn.model({ inputs: [x, other], outputs: [y, y] })).toThrow('model: outputs lists');
    const d = nn.layers.dense({ units: 3, name: 'twice_out' });
    expect(() => nn.model({ inputs: x, outputs: [d.apply(x), d.apply(d.apply(x))] })).toThrow("two outputs are named 'twice_out'");
    expect(() => nn.layers.dense({ units: 2 }).apply(nn.input({ shape: [3] })) && d.apply(nn.input({ shape: [4] })))
      .toThrow("Dense 'twice_out': already built for input [3], cannot reuse it for [4]");
  });
});

describe(`layers shared with disposed or recompiled models (seed ${seed})`, () => {
  it('a layer freed with its last model cannot be applied, built into a model or rebuilt', () => {
    const rng = makeRng(seed + 10);
    nn.setSeed(seed);
    const x = nn.input({ shape: [4] });
    const d = nn.layers.dense({ units: 3, name: 'freed' });
    const y = d.apply(x);
    const first = nn.model({ inputs: x, outputs: y });
    first.predict(nn.tensor(randomArray(8, rng), [2, 4]));
    first.dispose();
    expect(d.isDisposed).toBe(true);
    const why = "Dense 'freed' was disposed (its weights were freed with the last model holding it)";
    expect(() => nn.model({ inputs: x, outputs: y })).toThrow(`model: ${why}`);
    expect(() => d.apply(nn.input({ shape: [4] }))).toThrow(`Dense 'freed'.apply: ${why}`);
    expect(() => nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 4 }), d] }).predict(nn.tensor(randomArray(4, rng), [1, 4])))
      .toThrow(`build: ${why}`);
  });

  it('after another model unfreezes a shared layer, the next fit plans anew: no step from a stale gradient', async () => {
    // enc is frozen in `full`; enc's own compile makes it trainable again. full's next fit must
    // run backward through enc (its weights now train), not step enc along the gradient enc.fit left.
    const rng = makeRng(seed + 11);
    nn.setSeed(seed);
    const enc = nn.sequential({ layers: [nn.layers.dense({ inputShape: [3], units: 3, useBias: false })] });
    const x = nn.input({ shape: [3] });
    const full = nn.model({ inputs: x, outputs: nn.layers.dense({ units: 1 }).apply(enc.apply(x) as nn.SymbolicTensor) });
    const xs = nn.tensor(randomArray(24, rng), [8, 3]), ys = nn.tensor(randomArray(8, rng), [8, 1]);
    enc.trainable = false;
    full.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    await full.fit(xs, ys, { batchSize: 8, verbose: 0 });
    enc.trainable = true;
    enc.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await enc.fit(xs, nn.tensor(randomArray(24, rng), [8, 3]), { batchSize: 8, verbose: 0 });
    const kernel = enc.params()[0];
    const staleGrad = Array.from(getBackend().arena.f32.subarray(kernel.grad >>> 2, (kernel.grad >>> 2) + kernel.size));
    await full.fit(xs, ys, { batchSize: 8, verbose: 0, shuffle: false });
    const freshGrad = Array.from(getBackend().arena.f32.subarray(kernel.grad >>> 2, (kernel.grad >>> 2) + kernel.size));
    expect(freshGrad).not.toEqual(staleGrad);
    for (const m of [full, enc]) m.dispose();
  });
});
