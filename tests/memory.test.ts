// Wasm memory past 2 GiB, the growth policy, out-of-memory errors, failed builds, nn.memory()
// and the warning about undisposed models (issue "Hardening": memory). This file grows the
// arena past 2 GiB: the filler blocks are never written, so they cost address space, not RAM.
// It needs a process of its own (its first test wants an arena without holes, and the warning is
// shown once per process), so it takes a fixed seed and stays out of the seed sweep, which
// re-runs files in shared workers; the kernels it runs are swept in their own tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index.js';
import { Arena } from '../src/core/memory.js';
import { getBackend } from '../src/core/wasm.js';
import { makeRng } from './helpers/kernels.js';

const PAGE = 65536;
const GiB = 1024 ** 3;
const LIMIT = 4 * GiB;
const seed = 20261201;

/** Reserves all but about `spare` bytes below the 4 GiB limit; returns the block to release. */
function fillAllBut(spare: number): number {
  const { arena } = getBackend();
  const probe = arena.alloc(PAGE); // where the next large block goes: the top, once every model is disposed
  arena.release(probe);
  return arena.alloc(LIMIT - probe - spare);
}

/** A small MLP (sizes not multiples of 4) with a name, for placement and release checks. */
function mlp(name: string): nn.Sequential {
  return nn.sequential({ name, layers: [
    nn.layers.dense({ inputShape: [7], units: 13, activation: 'tanh' }),
    nn.layers.dense({ units: 5 }),
  ] });
}

/** The MLP's output in float64 from its weights: [kernel1, bias1, kernel2, bias2]. */
function mlpReference(weights: nn.Tensor[], x: Float32Array, n: number): Float64Array {
  const [k1, b1, k2, b2] = weights.map((w) => w.data);
  const out = new Float64Array(n * 5);
  const hidden = new Float64Array(13);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < 13; j++) {
      let sum = b1[j];
      for (let i = 0; i < 7; i++) sum += x[s * 7 + i] * k1[i * 13 + j];
      hidden[j] = Math.tanh(sum);
    }
    for (let j = 0; j < 5; j++) {
      let sum = b2[j];
      for (let i = 0; i < 13; i++) sum += hidden[i] * k2[i * 5 + j];
      out[s * 5 + j] = sum;
    }
  }
  return out;
}

afterEach(() => { vi.restoreAllMocks(); });

describe('wasm memory past 2 GiB', () => {
  // Runs first in this file, so the arena has no free holes below the filler.
  it(`places a model past 2 GiB and predicts and trains there as below it (seed ${seed})`, async () => {
    await nn.ready();
    const { arena } = getBackend();
    nn.setSeed(seed);
    const below = mlp('below');
    below.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    const filler = arena.alloc(2 * GiB + 3 * PAGE);
    const above = mlp('above');
    above.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    above.setWeights(below.getWeights());
    for (const p of above.params()) {
      expect(p.ptr).toBeGreaterThan(2 ** 31);
      expect(p.grad).toBeGreaterThan(2 ** 31);
    }
    for (const p of below.params()) expect(p.ptr).toBeLessThan(2 ** 31);

    const rng = makeRng(seed);
    const n = 11;
    const x = new Float32Array(n * 7).map(() => rng() * 2 - 1);
    const y = new Float32Array(n * 5).map(() => rng() * 2 - 1);
    const predicted = above.predict(nn.tensor(x, [n, 7]), { batchSize: 3 });
    expect(above.planFor(3, false).outputs[0]).toBeGreaterThan(2 ** 31);
    const reference = mlpReference(below.getWeights(), x, n);
    // Each output is a float32 sum of 14 terms below 0.6 (Glorot-bounded weights times tanh)
    // after 8-term sums and a tanh good to ~1e-6: the error stays near 1e-5 at most.
    for (let i = 0; i < reference.length; i++) expect(Math.abs(predicted.data[i] - reference[i])).toBeLessThan(5e-5);
    expect([...predicted.data]).toEqual([...below.predict(nn.tensor(x, [n, 7]), { batchSize: 3 }).data]);

    // The same training, bit for bit, with every buffer of one model past 2 GiB.
    const fit = (m: nn.Sequential) => m.fit(nn.tensor(x, [n, 7]), nn.tensor(y, [n, 5]), { batchSize: 4, epochs: 3, seed, verbose: 0 });
    const [historyAbove, historyBelow] = [await fit(above), await fit(below)];
    expect(historyAbove.history.loss).toEqual(historyBelow.history.loss);
    const [wAbove, wBelow] = [above.getWeights(), below.getWeights()];
    wAbove.forEach((w, i) => expect([...w.data]).toEqual([...wBelow[i].data]));
    above.dispose();
    below.dispose();
    arena.release(filler);
  });
});

describe('the growth policy', () => {
  it('grows by half again, then by exactly what is needed when half again would pass the limit', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    const arena = new Arena(memory, 0, 10 * PAGE);
    arena.alloc(PAGE);
    expect(memory.buffer.byteLength).toBe(PAGE);
    arena.alloc(1);                             // needs 2 pages; 1.5 × 1 page rounds to 2
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    arena.alloc(2 * PAGE);                      // needs 4 pages (3 pages and 64 bytes); half again is 3
    expect(memory.buffer.byteLength).toBe(4 * PAGE);
    arena.alloc(PAGE);                          // needs 5: half again, 6
    expect(memory.buffer.byteLength).toBe(6 * PAGE);
    arena.alloc(2 * PAGE);                      // needs 7 pages: half again, 9
    expect(memory.buffer.byteLength).toBe(9 * PAGE);
    arena.alloc(PAGE + 1);                      // fits in the 9 pages
    arena.alloc(196_480);                       // ends at 10 pages exactly: half again (14) would pass the limit of 10
    expect(memory.buffer.byteLength).toBe(10 * PAGE);
    expect(arena.f32.length).toBe(10 * PAGE / 4);
    expect(() => arena.alloc(1)).toThrow(/^out of wasm memory: a buffer asked for 1 B \(1 bytes\)/);
  });

  it('refuses what passes the limit with a named error, and leaves the arena as it was', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    const arena = new Arena(memory, 0, 10 * PAGE);
    arena.alloc(3 * PAGE, 'params');
    const inUse = arena.bytesInUse;
    const size = memory.buffer.byteLength;
    expect(() => arena.alloc(8 * PAGE, 'activations', "output of Dense 'wide'"))
      .toThrow(`out of wasm memory: output of Dense 'wide' asked for 512.00 KiB (${8 * PAGE} bytes) with 192.00 KiB (${3 * PAGE} bytes) in use of the 640.00 KiB (${10 * PAGE} bytes) limit`);
    expect(arena.bytesInUse).toBe(inUse);
    expect(memory.buffer.byteLength).toBe(size);
    expect(arena.alloc(7 * PAGE - 64)).toBe(3 * PAGE); // the space the refused block did not take
  });

  it('names the block when the host refuses to grow below the limit', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const arena = new Arena(memory, 0); // believes in 4 GiB; the memory's own maximum is 4 pages
    arena.withTag({ label: "model 'm'" }, () => {
      expect(() => arena.alloc(5 * PAGE, 'params', "Dense 'd' weight 'kernel'"))
        .toThrow(/^out of wasm memory: model 'm': Dense 'd' weight 'kernel' asked for 320\.00 KiB \(327680 bytes\) with 0 B \(0 bytes\) in use .*the host refused to grow linear memory from 64\.00 KiB to 320\.00 KiB/);
    });
    expect(arena.alloc(3 * PAGE)).toBe(0);
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    arena.alloc(PAGE); // half again (5 pages) is refused by the host: exactly what is needed (4) is not
    expect(memory.buffer.byteLength).toBe(4 * PAGE);
  });
});

describe('out of memory in a model', () => {
  it('a build too big for the space left fails naming the layer, sizes and limit, and releases what it took', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const filler = fillAllBut(64 * 1024 * 1024);
    const before = nn.memory();
    const inUse = arena.bytesInUse;
    const model = nn.sequential({ name: 'too_big', layers: [
      nn.layers.dense({ inputShape: [9], units: 1000, name: 'fits' }),
      nn.layers.dense({ units: 5000, name: 'huge' }),                 // 20 MB kernel, 20 MB gradient
      nn.layers.dense({ units: 3000, name: 'last_straw' }),           // 60 MB kernel
    ] });
    const kernelBytes = 5000 * 3000 * 4;
    let message = '';
    try {
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`out of wasm memory: model 'too_big': Dense 'last_straw' weight 'kernel' asked for 57.22 MiB (${kernelBytes} bytes)`);
    expect(message).toMatch(/with [\d.]+ GiB \((\d+) bytes\) in use of the 4\.00 GiB \(4294967296 bytes\) limit/);
    expect(Number(/\((\d+) bytes\) in use/.exec(message)![1])).toBeGreaterThan(inUse + 2 * 20_000_000); // 'huge' was in
    expect(arena.bytesInUse).toBe(inUse);
    expect(nn.memory().bytes).toEqual(before.bytes);
    // The layers were reset with their memory, so a later build starts afresh.
    expect(model.layers.every((l) => !l.isBuilt && l.params.length === 0)).toBe(true);
    model.dispose();
    arena.release(filler);
  });

  it('a plan too big for the space left fails naming the layer output, and releases what it took', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const model = nn.sequential({ name: 'wide', layers: [
      nn.layers.dense({ inputShape: [3], units: 3, name: 'narrow' }),
      nn.layers.dense({ units: 1_000_003, name: 'broad' }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const filler = fillAllBut(32 * 1024 * 1024);
    const before = nn.memory().bytes;
    const x = nn.tensor(new Float32Array(10 * 3).fill(0.5), [10, 3]);
    expect(() => model.predict(x, { batchSize: 10 }))
      .toThrow(`out of wasm memory: model 'wide': output of Dense 'broad' for 10 samples asked for 38.15 MiB (${10 * 1_000_003 * 4} bytes)`);
    expect(nn.memory().bytes).toEqual(before);
    expect(model.predict(nn.tensor([[1, 2, 3]])).shape).toEqual([1, 1_000_003]); // a smaller batch still fits
    model.dispose();
    arena.release(filler);
  });
});

describe('out of memory in fit', () => {
  it('data too big to stage fails naming it, and nothing stays staged', async () => {
    await nn.ready();
    const model = mlp('staging');
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    model.predict(nn.tensor(new Float32Array(7), [1, 7]));
    const n = 1_000_003; // 28 MB of samples and 20 MB of labels: the labels do not fit in the 32 MiB left
    const x = nn.tensor(new Float32Array(n * 7).fill(0.5), [n, 7]);
    const y = nn.tensor(new Float32Array(n * 5).fill(0.25), [n, 5]);
    const filler = fillAllBut(32 * 1024 * 1024);
    await expect(model.fit(x, y, { batchSize: 4, verbose: 0 }))
      .rejects.toThrow(`out of wasm memory: fit: the ${n} training labels asked for 19.07 MiB (${n * 5 * 4} bytes)`);
    expect(nn.memory().bytes.staged).toBe(0);
    getBackend().arena.release(filler);
    model.dispose();
  });
});

describe('nn.memory()', () => {
  it('counts live models and reports bytes by kind, which sum to the bytes in use', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const aligned = (floats: number) => Math.ceil((floats * 4) / 64) * 64;
    const before = nn.memory();
    const model = mlp('counted');
    expect(nn.memory().models).toBe(before.models + 1);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const weightBytes = model.params().reduce((sum, p) => sum + aligned(p.size), 0);
    const x = nn.tensor(new Float32Array(6 * 7).fill(0.25), [6, 7]);
    const y = nn.tensor(new Float32Array(6 * 5).fill(0.5), [6, 5]);
    const during: nn.MemoryInfo[] = [];
    await model.fit(x, y, { batchSize: 6, epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { during.push(nn.memory()); } }] });
    const after = nn.memory();
    expect(after.bytes.params - before.bytes.params).toBe(weightBytes);
    expect(after.bytes.grads - before.bytes.grads).toBe(weightBytes);
    expect(after.bytes.slots - before.bytes.slots).toBe(2 * weightBytes); // Adam: two moments
    // Activations: input, two outputs, labels; gradients of the two outputs (6 samples each).
    expect(after.bytes.activations - before.bytes.activations).toBe(aligned(42) + aligned(78) + aligned(30) + aligned(30) + aligned(78) + aligned(30));
    expect(during[0].bytes.staged - after.bytes.staged).toBe(aligned(42) + aligned(30) + aligned(6));
    expect(after.bytes.staged).toBe(before.bytes.staged);
    const total = Object.values(after.bytes).reduce((a, b) => a + b, 0);
    expect(total).toBe(arena.bytesInUse);
    expect(after.arenaBytes).toBe(arena.byteLength);
    expect(after.limitBytes).toBe(LIMIT);
    model.dispose();
    expect(nn.memory().models).toBe(before.models);
    expect(nn.memory().bytes).toEqual(before.bytes);
  });
});

describe('models made in a loop without dispose()', () => {
  it('warns once when live models hold more than half of wasm memory', async () => {
    await nn.ready();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const models: nn.Sequential[] = [];
    // 400 MB of weights and 400 MB of gradients each: the third passes half of 4 GiB.
    for (let i = 0; i < 3; i++) {
      const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [1000], units: 100_000, useBias: false, kernelInitializer: 'zeros' })] });
      models.push(model);
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); // builds the weights
      expect(warn).toHaveBeenCalledTimes(i < 2 ? 0 : 1);
    }
    expect(String(warn.mock.calls[0][0])).toMatch(/^simdnn: \d+ live models hold 2\.\d+ GiB of wasm memory, more than half of its 4\.00 GiB limit.*model\.dispose\(\)/);
    // Still above half: no second warning.
    const small = mlp('small');
    small.predict(nn.tensor(new Float32Array(7), [1, 7]));
    expect(warn).toHaveBeenCalledTimes(1);
    for (const model of [...models, small]) model.dispose();
  });
});
