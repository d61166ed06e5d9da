// Who frees what (issue "Keras models in full"): a layer held by two live models keeps its weights
// until the last one lets go; optimizer slots are keyed by the parameter, not its byte offset, so a
// model taking the memory of a freed one starts with fresh slots; a large predict then fit.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import type { Layer } from '../src/layers/layer.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const seed = freshSeed();
const IN = 7;
const C = 3;

/** `n` samples of `IN` values in [-1, 1) with one-hot labels of `C` classes, from `s`. */
function data(n: number, s: number): { x: nn.Tensor; y: nn.Tensor } {
  const rng = makeRng(s);
  const x = nn.tensor(Float32Array.from({ length: n * IN }, () => 2 * rng() - 1), [n, IN]);
  const y = nn.data.toCategorical(Array.from({ length: n }, () => Math.floor(rng() * C)), C);
  return { x, y };
}

/** Arena bytes of a layer's weights (blocks are rounded up to 64 bytes). */
function weightBytes(layer: Layer): number {
  return layer.params.reduce((sum, p) => sum + Math.ceil((p.size * 4) / 64) * 64, 0);
}

const ptrsOf = (model: nn.LayersModel): number[] => model.params().map((p) => p.ptr);
const allFinite = (ts: nn.Tensor[]): boolean => ts.every((t) => t.data.every(Number.isFinite));

/** Collects garbage and yields until `done()` or 50 rounds: finalizers run some time after a collection. */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects what earlier tests dropped, until the bytes in use hold still for three rounds. */
async function settle(): Promise<void> {
  const { arena } = getBackend();
  let last = -1;
  for (let i = 0, still = 0; i < 50 && still < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
    still = arena.bytesInUse === last ? still + 1 : 0;
    last = arena.bytesInUse;
  }
}

// Byte counts compared within a test must not move because an earlier test's garbage is collected.
beforeEach(async () => {
  await nn.ready();
  await settle();
});

describe(`a layer held by two live models (seed ${seed})`, () => {
  it('is trained by both, keeps its weights when one is disposed, and is freed with the last', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const before = nn.memory().bytes;
    const bytesBefore = arena.bytesInUse;
    nn.setSeed(seed);
    const shared = nn.layers.dense({ inputShape: [IN], units: 6, activation: 'tanh' });
    const headA = nn.layers.dense({ units: C, activation: 'softmax' });
    const headB = nn.layers.dense({ units: C });
    const a = nn.sequential({ layers: [shared, headA] });
    const b = nn.sequential({ layers: [shared, headB] });
    a.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const { x, y } = data(40, seed);
    const trained = shared.getWeights();
    await a.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    expect(shared.getWeights()[0].data).not.toEqual(trained[0].data);
    await b.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });

    const kept = shared.getWeights();
    a.dispose();
    expect(shared.getWeights()).toEqual(kept); // still there, untouched
    expect(headA.params).toHaveLength(0); // A's own head is freed
    const held = nn.memory().bytes;
    expect(held.params - before.params).toBe(weightBytes(shared) + weightBytes(headB));
    expect(held.grads - before.grads).toBe(weightBytes(shared) + weightBytes(headB));

    // One full batch per epoch with a small rate: plain gradient descent, so the loss falls.
    const history = await b.fit(x, y, { batchSize: 40, epochs: 3, seed, verbose: 0 });
    const loss = history.history.loss;
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[1]).toBeLessThan(loss[0]);
    expect(loss[2]).toBeLessThan(loss[1]);
    expect(allFinite(shared.getWeights())).toBe(true);
    expect(shared.getWeights()[0].data).not.toEqual(kept[0].data);

    b.dispose();
    expect(shared.params).toHaveLength(0);
    expect(nn.memory().bytes).toEqual(before);
    expect(arena.bytesInUse).toBe(bytesBefore);
  });

  it('with one optimizer for both, the shared weights keep their slots when one model is disposed', async () => {
    const { arena } = getBackend();
    const bytesBefore = arena.bytesInUse;
    const slotsBefore = nn.memory().bytes.slots;
    nn.setSeed(seed);
    const shared = nn.layers.dense({ inputShape: [IN], units: 5 });
    const a = nn.sequential({ layers: [shared, nn.layers.dense({ units: C, activation: 'softmax' })] });
    const b = nn.sequential({ layers: [shared, nn.layers.dense({ units: 2 })] });
    const opt = nn.optimizers.adam({ learningRate: 0.01 });
    a.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const { x, y } = data(16, seed);
    const rng = makeRng(seed + 3);
    const targets = nn.tensor(Float32Array.from({ length: 16 * 2 }, () => rng()), [16, 2]);
    await a.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    await b.fit(x, targets, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    const slots = shared.params.map((p) => opt.slotsOf(p));
    const moments = slots.map(([m]) => arena.f32.slice(m >>> 2, (m >>> 2) + 5));
    const headBytes = weightBytes(a.layers[1]);
    const slotBytes = nn.memory().bytes.slots;
    a.dispose();
    expect(shared.params.map((p) => opt.slotsOf(p))).toEqual(slots); // the same blocks, not reserved afresh
    expect(slots.map(([m]) => arena.f32.slice(m >>> 2, (m >>> 2) + 5))).toEqual(moments);
    expect(slotBytes - nn.memory().bytes.slots).toBe(2 * headBytes); // only A's head lost its two moments
    b.dispose(); // the last holder: the shared weights' slots go too
    expect(nn.memory().bytes.slots).toBe(slotsBefore);
    expect(arena.bytesInUse).toBe(bytesBefore);
  });

  it('a model collected while the user still holds its layer leaves the layer its weights', async () => {
    const { arena } = getBackend();
    nn.setSeed(seed);
    const shared = nn.layers.dense({ inputShape: [IN], units: 5, activation: 'relu' });
    const { x, y } = data(16, seed);
    await (async () => {
      const dropped = nn.sequential({ layers: [shared, nn.layers.dense({ units: C, activation: 'softmax' })] });
      dropped.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await dropped.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    })();
    const weights = shared.getWeights();
    const models = nn.memory().models;
    await collectUntil(() => nn.memory().models < models);
    expect(nn.memory().models).toBe(models - 1); // collected
    await settle(); // and its own layer too, whose weights go with it
    expect(shared.getWeights()).toEqual(weights);
    const bytes = arena.bytesInUse;
    const sharedBytes = 2 * weightBytes(shared); // weights and gradients
    const again = nn.sequential({ layers: [shared, nn.layers.dense({ units: C, activation: 'softmax' })] });
    again.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await again.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    expect(allFinite(shared.getWeights())).toBe(true);
    again.dispose();
    expect(arena.bytesInUse).toBe(bytes - sharedBytes); // the last holder freed the weights and gradients
  });
});

/** Two dense layers IN → hidden → C, built (weights drawn) from `s`. */
function mlp(hidden: number, s: number): nn.Sequential {
  nn.setSeed(s);
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [IN], units: hidden, activation: 'tanh' }),
    nn.layers.dense({ units: C, activation: 'softmax' }),
  ] });
  model.graph();
  return model;
}

const momentum = (): nn.Optimizer => nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 });

/** B's weights after one epoch with a fresh momentum optimizer: what B must get whatever came before. */
async function freshRun(hidden: number): Promise<nn.Tensor[]> {
  const model = mlp(hidden, seed + 1);
  model.compile({ optimizer: momentum(), loss: 'categoricalCrossentropy' });
  const { x, y } = data(24, seed);
  await model.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
  const weights = model.getWeights();
  model.dispose();
  return weights;
}

/** Builds B (larger than A, so a stale slot of A's would be too small) and trains it with `opt`. */
async function trainB(opt: nn.Optimizer, aPtrs: number[]): Promise<nn.Tensor[]> {
  const model = mlp(11, seed + 1);
  expect(ptrsOf(model).some((ptr) => aPtrs.includes(ptr))).toBe(true); // B took A's memory: the case under test
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  const { x, y } = data(24, seed);
  await model.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
  for (const p of model.params()) expect(opt.slotsOf(p)).toHaveLength(1);
  const weights = model.getWeights();
  model.dispose();
  return weights;
}

describe(`an optimizer that outlives its model (seed ${seed})`, () => {
  /** Model A, trained with `opt`: its momentum slots are non-zero. */
  async function trainA(opt: nn.Optimizer): Promise<nn.Sequential> {
    const model = mlp(4, seed);
    model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const { x, y } = data(24, seed + 2);
    await model.fit(x, y, { batchSize: 8, epochs: 2, seed, verbose: 0 });
    return model;
  }

  it('after model.dispose(), a model in the same memory starts with fresh slots sized for it', async () => {
    await nn.ready();
    const want = await freshRun(11);
    const slotsBefore = nn.memory().bytes.slots;
    const opt = momentum();
    const a = await trainA(opt);
    const aPtrs = ptrsOf(a);
    a.dispose();
    expect(nn.memory().bytes.slots).toBe(slotsBefore); // A's slots went with A's weights
    expect(await trainB(opt, aPtrs)).toEqual(want); // bit-identical to a fresh optimizer
    expect(nn.memory().bytes.slots).toBe(slotsBefore);
  });

  it("after A's weights are freed behind the optimizer's back (as when A is collected), B's slots are still fresh", async () => {
    const want = await freshRun(11);
    const opt = momentum();
    const a = await trainA(opt);
    const aPtrs = ptrsOf(a);
    const aParams = a.params();
    const aSlots = aParams.map((p) => opt.slotsOf(p)[0]);
    for (const layer of a.layers) layer.dispose(); // what the layers' safety net does; the optimizer is not told
    const got = await trainB(opt, aPtrs);
    expect(got).toEqual(want);
    expect(aParams.map((p) => opt.slotsOf(p)[0])).toEqual(aSlots); // A's slots are A's alone, still held
    a.dispose();
    opt.dispose();
  });

  it('a model collected while its optimizer lives on returns its slots, and the next model in its memory starts afresh', async () => {
    const { arena } = getBackend();
    const want = await freshRun(11);
    await settle();
    const bytes = arena.bytesInUse;
    const opt = momentum();
    const aPtrs = await (async () => ptrsOf(await trainA(opt)))(); // A is dropped without dispose()
    expect(nn.memory().bytes.slots).toBeGreaterThan(0);
    await collectUntil(() => arena.bytesInUse === bytes);
    expect(arena.bytesInUse).toBe(bytes); // weights, gradients, plan and the optimizer's slots for A
    expect(await trainB(opt, aPtrs)).toEqual(want);
  });

  it('a slot whose size disagrees with its weight is refused by name', async () => {
    const model = mlp(4, seed);
    const opt = momentum();
    model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const { x, y } = data(8, seed);
    await model.fit(x, y, { batchSize: 8, epochs: 1, seed, verbose: 0 });
    const p = model.params()[0];
    const changed = Object.assign(p, { size: p.size + 4 }); // a weight resized in place, behind the optimizer's back
    expect(() => opt.slotsOf(changed)).toThrow(`SGD: the slots of weight 'kernel' hold ${p.size - 4} values each, but the weight has ${p.size}`);
    Object.assign(p, { size: p.size - 4 });
    model.dispose();
  });
});

describe(`predict with a large batch, then fit (seed ${seed})`, () => {
  /** A model with dropout and batch normalization, whose buffers depend on the batch capacity. */
  function model(): nn.Sequential {
    nn.setSeed(seed);
    const m = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [IN], units: 9, activation: 'relu' }),
      nn.layers.batchNormalization(),
      nn.layers.dropout({ rate: 0.3 }),
      nn.layers.dense({ units: C, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  }

  it('trains to the same weights as without the predict', async () => {
    await nn.ready();
    const { x, y } = data(600, seed);
    const plain = model();
    await plain.fit(x, y, { batchSize: 32, epochs: 1, seed, verbose: 0 });
    const want = plain.getWeights();
    plain.dispose();

    const m = model();
    const out = m.predict(x, { batchSize: 600 });
    expect(out.shape).toEqual([600, C]);
    expect(out.data.every(Number.isFinite)).toBe(true);
    await m.fit(x, y, { batchSize: 32, epochs: 1, seed, verbose: 0 });
    expect(m.getWeights()).toEqual(want);
    expect(m.predict(x, { batchSize: 600 }).data.every(Number.isFinite)).toBe(true);
    m.dispose();
  });
});
