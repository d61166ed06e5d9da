/**
 * The built package (dist/, as published) in headless Chromium: it loads with no bundler
 * plug-in, its ops compute, and its models train. Runs in the `browser` vitest project
 * (`npm run test:browser`); build first (`npm test` does).
 *
 * To add a model: add an `it(...)` to the "training" block (or a new `describe`), build it
 * with `nn.*` only (this file sees the public API, nothing under src/), fix the seed with
 * `nn.setSeed`, and assert what it learned, never how long it took.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../../dist/index.js';

beforeAll(async () => {
  await nn.ready();
});

describe('runtime', () => {
  it('runs in Chromium with WebAssembly SIMD, not in Node', () => {
    expect(typeof window).toBe('object');
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toContain('Chrome');
    expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeUndefined();
    // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
    const simd = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
      253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
    ]);
    expect(WebAssembly.validate(simd)).toBe(true);
  });

  it('ready() is idempotent', async () => {
    await expect(Promise.all([nn.ready(), nn.ready()])).resolves.toEqual([undefined, undefined]);
  });

  it('threads on a page run one thread and say why (not crossOriginIsolated, or the main thread cannot wait)', async () => {
    // The vitest browser page is served without COOP/COEP, so this tests the fallback, not the pool.
    await expect(nn.ready({ threads: 2 })).resolves.toBeUndefined();
    const info = nn.backend();
    expect(info.threads).toBe(1);
    expect(info.why).toMatch(crossOriginIsolated ? /main thread cannot Atomics\.wait/ : /not crossOriginIsolated/);
    expect(nn.ops.matMul(nn.tensor([[1, 2]]), nn.tensor([[3], [4]])).data[0]).toBe(11);
  });
});

describe('ops', () => {
  it('matMul matches a hand-computed product, with and without transposes', () => {
    const a = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = nn.tensor([[7, 8], [9, 10], [11, 12]]);
    const want = [58, 64, 139, 154];
    const c = nn.ops.matMul(a, b);
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(c.data)).toEqual(want);
    const aT = nn.tensor([[1, 4], [2, 5], [3, 6]]);
    const bT = nn.tensor([[7, 9, 11], [8, 10, 12]]);
    expect(Array.from(nn.ops.matMul(aT, b, { transposeA: true }).data)).toEqual(want);
    expect(Array.from(nn.ops.matMul(a, bT, { transposeB: true }).data)).toEqual(want);
  });

  it('matMul at an awkward size (tails of the SIMD blocks) matches a float64 product', () => {
    const [m, k, n] = [7, 17, 5];
    const av = Float32Array.from({ length: m * k }, (_, i) => ((i * 37) % 11) / 11 - 0.5);
    const bv = Float32Array.from({ length: k * n }, (_, i) => ((i * 53) % 13) / 13 - 0.5);
    const c = nn.ops.matMul(nn.tensor(av, [m, k]), nn.tensor(bv, [k, n]));
    expect(c.shape).toEqual([m, n]);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += av[i * k + p] * bv[p * n + j];
        expect(c.data[i * n + j]).toBeCloseTo(s, 5);
      }
    }
  });

  it('softmax rows are positive, sum to 1 and keep the order of their logits', () => {
    const rows = 3, cols = 5;
    const x = nn.tensor([[1, 2, 3, 4, 5], [-10, 0, 10, 0, -10], [100, 100, 100, 100, 101]]);
    const s = nn.ops.softmax(x);
    expect(s.shape).toEqual([rows, cols]);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(s.data.subarray(r * cols, (r + 1) * cols));
      for (const v of row) expect(v).toBeGreaterThan(0);
      expect(row.reduce((p, v) => p + v, 0)).toBeCloseTo(1, 6);
    }
    expect(Array.from(s.argMax(-1).data)).toEqual([4, 2, 4]);
    // exp(i) / sum exp(0..4) for the first row
    const z = [0, 1, 2, 3, 4].reduce((p, i) => p + Math.exp(i), 0);
    for (let i = 0; i < cols; i++) expect(s.data[i]).toBeCloseTo(Math.exp(i) / z, 6);
  });

  it('relu and sigmoid compute in the browser', () => {
    expect(Array.from(nn.ops.relu(nn.tensor([-2, -0.5, 0, 0.5, 2], [5])).data)).toEqual([0, 0, 0, 0.5, 2]);
    const sig = nn.ops.sigmoid(nn.tensor([0, 2, -2], [3])).data;
    expect(sig[0]).toBeCloseTo(0.5, 6);
    expect(sig[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(sig[1] + sig[2]).toBeCloseTo(1, 6);
  });
});

describe('training', () => {
  it('learns XOR with a 2-4-1 network', async () => {
    nn.setSeed(3);
    const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nn.tensor([[0], [1], [1], [0]]);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [2], units: 4, activation: 'tanh' }),
      nn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 500, batchSize: 4, verbose: 0, seed: 1 });
    const p = model.predict(x);
    expect(p.shape).toEqual([4, 1]);
    expect(Array.from(p.data, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    expect(history.history.loss).toHaveLength(500);
    expect(history.history.accuracy.at(-1)).toBe(1);
    expect(history.history.loss.at(-1)!).toBeLessThan(0.1);
    model.dispose();
  });

  it('trains a dense network on MNIST-shaped data from nn.data.mnist', async () => {
    nn.setSeed(7);
    // The `mnist` package is CommonJS requiring JSON files; vite pre-bundles it for the browser.
    const { train, test } = nn.data.mnist({ trainSize: 256, testSize: 64 });
    expect(train.x.shape).toEqual([256, 784]);
    expect(train.y.shape).toEqual([256, 10]);
    expect(test.x.shape).toEqual([64, 784]);
    expect(train.labels).toHaveLength(256);
    let lo = Infinity, hi = -Infinity;
    for (const v of train.x.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(0.9); // real digits, not an empty or all-zero stub
    expect(hi).toBeLessThanOrEqual(1);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [784], units: 32, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    let steps = 0;
    const history = await model.fit(train.x, train.y, {
      batchSize: 32, epochs: 3, seed: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { steps++; } }],
    });
    expect(steps).toBe(3 * 8);
    const loss = history.history.loss;
    for (const v of loss) expect(Number.isFinite(v)).toBe(true);
    expect(loss.at(-1)!).toBeLessThan(0.8 * loss[0]);
    const result = model.evaluate(test.x, test.y);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.accuracy).toBeGreaterThan(0.3); // chance is 0.1
    const p = model.predict(test.x);
    expect(p.shape).toEqual([64, 10]);
    for (let r = 0; r < 64; r++) expect(p.data.subarray(r * 10, r * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    model.dispose();
  });
});

describe('convolutional networks', () => {
  it('trains a CNN (conv, batch norm, pooling, dropout, residual add) on MNIST digits: forward and backward in the browser', async () => {
    nn.setSeed(4);
    const { train, test } = nn.data.mnist({ trainSize: 512, testSize: 128 });
    const input = nn.input({ shape: [784] });
    let x = nn.layers.reshape({ targetShape: [28, 28, 1] }).apply(input);
    x = nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
    let h = nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x);
    h = nn.layers.batchNormalization().apply(h);
    x = nn.layers.activation({ activation: 'relu' }).apply(nn.layers.add().apply([h, x]));
    x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
    x = nn.layers.dropout({ rate: 0.2 }).apply(nn.layers.flatten().apply(x));
    const model = nn.model({ inputs: input, outputs: nn.layers.dense({ units: 10, activation: 'softmax' }).apply(x) });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.x, train.y, { batchSize: 32, epochs: 3, seed: 1, verbose: 0 });
    const loss = history.history.loss;
    expect(loss.at(-1)!).toBeLessThan(0.7 * loss[0]);
    const result = model.evaluate(test.x, test.y);
    expect(result.accuracy).toBeGreaterThan(0.5); // chance is 0.1
    const a = model.predict(test.x), b = model.predict(test.x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data)); // dropout off, batch norm on moving statistics
    model.dispose();
  });
});
