/**
 * The cross-runtime benchmark's one workload (`npm run bench:runtimes`), shared by every
 * runtime's entry file: plain ESM that imports only models.mjs, nothing beyond ECMAScript and WebAssembly. The
 * entry hands in the library (`nn`, from the packed 'simdnn/core') and, where it has one, a
 * clock; bench/runtimes/run.mjs turns the sample times into the table.
 *
 * One process (or Web Worker, or workerd instance) runs one configuration of CONFIGS, because
 * the first `ready()` fixes the build. The steps of PLAN run in that order everywhere:
 * square GEMMs through `nn.ops.matMul`, epochs of the MLP and CNN of models.mjs on
 * synthetic MNIST-shaped data, then the trained MLP's predict at batch 1 and 256. Training is
 * the same sequence of fits on every runtime (seeds fixed), so the trained weights, returned as
 * float32 hex with an FNV-1a hash, can be compared bit for bit.
 */

import { cnnModel, mlpModel } from './models.mjs';

/** The configurations, by the name the runner passes. */
export const CONFIGS = {
  one: { label: '1 thread', ready: {} },
  all: { label: 'all threads', ready: { threads: 'auto' } },
  relaxed: { label: 'relaxed, 1 thread', ready: { simd: 'relaxed' } },
};

export const MLP_SAMPLES = 6000;
export const CNN_SAMPLES = 2000;
/** Rows of the batch-256 predict (one batch per call). */
export const PREDICT_ROWS = 256;

/**
 * The steps, in order: each sample is one call of `step(reps)` (timed by the runtime's clock, or
 * by the host for workerd), after `warmup` untimed calls of `step(1)`. Reps make a sample last
 * ~50 ms or more on a 2-core VM, so a 1 ms clock (workerd) or an HTTP round trip stays small.
 */
export const PLAN = [
  { step: 'gemm256', reps: 60, samples: 5, warmup: 3 },
  { step: 'gemm1024', reps: 1, samples: 5, warmup: 1 },
  { step: 'mlpEpoch', reps: 1, samples: 2, warmup: 1 },
  { step: 'cnnEpoch', reps: 1, samples: 2, warmup: 1 },
  { step: 'predict1', reps: 4000, samples: 21, warmup: 200 },
  { step: 'predict256', reps: 30, samples: 5, warmup: 3 },
];

/** Integer LCG (Numerical Recipes constants): the same integers in every engine. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/**
 * `n` 28x28 images in [0, 1] of 10 classes: each class is 3 rectangles of bright pixels, drawn
 * with integer jitter and noise; label i is drawn from the generator. Pixels are integers / 255.
 */
export function syntheticDigits(n, seed) {
  const next = lcg(seed);
  const boxes = Array.from({ length: 10 }, () => Array.from({ length: 3 }, () => {
    const r = 2 + (next() >>> 24) % 18, c = 2 + (next() >>> 24) % 18;
    return [r, c, r + 3 + (next() >>> 24) % 6, c + 3 + (next() >>> 24) % 6];
  }));
  const x = new Float32Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = (next() >>> 16) % 10;
    labels[i] = label;
    const dr = (next() >>> 24) % 5 - 2, dc = (next() >>> 24) % 5 - 2;
    for (const [r0, c0, r1, c1] of boxes[label]) {
      for (let r = Math.max(0, r0 + dr); r < Math.min(28, r1 + dr); r++) {
        for (let c = Math.max(0, c0 + dc); c < Math.min(28, c1 + dc); c++) x[i * 784 + r * 28 + c] = (160 + (next() >>> 26)) / 255;
      }
    }
    for (let p = 0; p < 784; p++) {
      const v = next() >>> 24;
      if (v < 20) x[i * 784 + p] = v / 255; // sparse faint noise everywhere
    }
  }
  return { x, labels };
}

/** FNV-1a (32-bit) over bytes. */
export function fnv1a(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}

/** A model's weights as one float32 hex string (little-endian) and its FNV-1a hash. */
function weightsOf(model) {
  let hash = 0x811c9dc5, hex = '';
  for (const w of model.getWeights()) {
    const bytes = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
    hash = fnv1a(bytes, hash);
    for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  return { hash: hash.toString(16).padStart(8, '0'), hex };
}

/**
 * Readies the library for `config` (a key of CONFIGS; `readyOptions` adds e.g. `wasm` for
 * workerd), builds data and models, and returns { backend, steps, weights() }: `steps[name](reps)`
 * runs one step `reps` times (a promise for the epochs).
 */
export async function createBench(nn, config, readyOptions = {}) {
  if (!CONFIGS[config]) throw new Error(`unknown config '${config}' (known: ${Object.keys(CONFIGS).join(', ')})`);
  await nn.ready({ ...CONFIGS[config].ready, ...readyOptions });
  const next = lcg(99);
  const square = (n) => nn.tensor(Float32Array.from({ length: n * n }, () => (next() >>> 8) / 16777216 - 0.5), [n, n]);
  const gemm = (n) => {
    const a = square(n), b = square(n);
    return (reps) => { for (let r = 0; r < reps; r++) nn.ops.matMul(a, b); };
  };
  const { x, labels } = syntheticDigits(MLP_SAMPLES, 2024);
  const xMlp = nn.tensor(x, [MLP_SAMPLES, 784]);
  const yMlp = nn.data.toCategorical(labels, 10);
  const xCnn = nn.tensor(x.slice(0, CNN_SAMPLES * 784), [CNN_SAMPLES, 784]);
  const yCnn = nn.data.toCategorical(labels.slice(0, CNN_SAMPLES), 10);
  const compiled = (build, seed) => {
    nn.setSeed(seed);
    const model = build(nn);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
    return model;
  };
  const mlp = compiled(mlpModel, 1), cnn = compiled(cnnModel, 2);
  const losses = { mlp: [], cnn: [] };
  const epochs = (model, xs, ys, batchSize, seed, log) => async (reps) => {
    for (let r = 0; r < reps; r++) {
      const history = await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: true, seed, verbose: 0 });
      log.push(history.history.loss[0]);
    }
  };
  const one = nn.tensor(x.slice(0, 784), [1, 784]);
  const batch = nn.tensor(x.slice(0, PREDICT_ROWS * 784), [PREDICT_ROWS, 784]);
  const steps = {
    gemm256: gemm(256),
    gemm1024: gemm(1024),
    mlpEpoch: epochs(mlp, xMlp, yMlp, 128, 11, losses.mlp),
    cnnEpoch: epochs(cnn, xCnn, yCnn, 64, 12, losses.cnn),
    predict1: (reps) => { for (let r = 0; r < reps; r++) mlp.predict(one); },
    predict256: (reps) => { for (let r = 0; r < reps; r++) mlp.predict(batch, { batchSize: 256 }); },
  };
  return {
    backend: nn.backend(),
    env: hostEnv(),
    steps,
    weights: () => ({ mlp: weightsOf(mlp), cnn: weightsOf(cnn), losses }),
  };
}

/** What the host offers for threads, for the runner to explain the thread count. */
function hostEnv() {
  const g = globalThis;
  return {
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? null,
    worker: typeof g.Worker === 'function',
    sharedArrayBuffer: typeof g.SharedArrayBuffer === 'function',
    crossOriginIsolated: g.crossOriginIsolated ?? null,
  };
}

/** How `now` behaves: whether it advances during a busy loop, and its smallest step (ms). */
export function probeClock(now) {
  const t0 = now();
  let last = t0, step = Infinity, i = 0;
  for (; i < 2e8 && now() - t0 < 20; i++) {
    const t = now();
    if (t !== last) { step = Math.min(step, t - last); last = t; }
  }
  return { advances: now() > t0, stepMs: Number.isFinite(step) ? step : null };
}

/** Runs PLAN with the runtime's clock: { samples: { step: [ms per call, ...] }, clock }. */
export async function runPlan(bench, now) {
  const samples = {};
  for (const { step, reps, samples: count, warmup } of PLAN) {
    const fn = bench.steps[step];
    for (let w = 0; w < warmup; w++) await fn(1);
    samples[step] = [];
    for (let s = 0; s < count; s++) {
      const t0 = now();
      await fn(reps);
      samples[step].push((now() - t0) / reps);
    }
  }
  return { samples, clock: probeClock(now) };
}

/** The whole workload for one config in one go: what every runtime but workerd runs. */
export async function runBench(nn, config, now, readyOptions = {}) {
  const bench = await createBench(nn, config, readyOptions);
  const { samples, clock } = await runPlan(bench, now);
  return { config, backend: bench.backend, env: bench.env, samples, clock, ...bench.weights() };
}
