/**
 * The runtime matrix's workload, shared by every runtime's entry file: plain ESM, no imports,
 * no runtime globals beyond ECMAScript and WebAssembly (but `fetch` in the browsers' fetchFixtures). The entry hands in the library (`nn`,
 * imported from 'simdnn/core' as a user would) and the saved MNIST model's files; the result is
 * JSON the runner compares with Node's.
 *
 * - `dense`: a 2-layer dense net (13-37-3) trained with SGD + momentum on a fixed synthetic set.
 * - `cnn`: a tiny CNN (conv, batch norm, max pool, dropout, dense) trained with Adam on fixed
 *   synthetic 8x8 images; dropout and shuffling draw from the seeded generator.
 * - `inference`: the saved 784-128-10 MNIST MLP loaded from model.json + weights.bin and run on
 *   the saved test digits.
 * Weights and predictions are returned as hex of their float32 bytes (little-endian), so the
 * runner can demand bit-identical results.
 */

/** Integer-only generator for the synthetic data (independent of the library's own). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Hex of the float32 bytes (little-endian, as typed arrays are on every runtime here). */
export function hexOf(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

/** FNV-1a (32-bit) over a string: a short fingerprint for the summary table. */
export function fingerprint(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function weightsReport(model, loss) {
  const weights = model.getWeights().map((w) => ({ shape: w.shape, hex: hexOf(w.data) }));
  return { weights, loss, fingerprint: fingerprint(weights.map((w) => w.hex).join('|')) };
}

/** 13 features, 3 classes from a fixed rule; 256 samples (odd sizes: the SIMD tails run too). */
async function trainDense(nn) {
  const n = 256, features = 13, classes = 3;
  const rand = lcg(12345);
  const x = new Float32Array(n * features);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0;
    for (let f = 0; f < features; f++) {
      const v = rand() * 2 - 1;
      x[i * features + f] = v;
      if (f < 6) a += v; else b += v;
    }
    labels[i] = a > 0.5 ? 0 : b > 0 ? 1 : 2;
  }
  nn.setSeed(1);
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [features], units: 37, activation: 'relu' }),
    nn.layers.dense({ units: classes, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(nn.tensor(x, [n, features]), nn.data.toCategorical(labels, classes), {
    epochs: 5, batchSize: 32, shuffle: true, seed: 2, verbose: 0,
  });
  const report = weightsReport(model, history.history.loss);
  model.dispose();
  return report;
}

/** 8x8x1 images of a vertical or a horizontal bar plus noise; 64 samples. */
async function trainCnn(nn) {
  const n = 64, side = 8;
  const rand = lcg(777);
  const x = new Float32Array(n * side * side);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const vertical = i % 2;
    const at = Math.floor(rand() * side);
    labels[i] = vertical;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const on = vertical ? c === at : r === at;
        x[i * side * side + r * side + c] = (on ? 1 : 0) + 0.2 * (rand() - 0.5);
      }
    }
  }
  nn.setSeed(2);
  const model = nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [side, side, 1], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
    nn.layers.batchNormalization(),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(nn.tensor(x, [n, side, side, 1]), nn.data.toCategorical(labels, 2), {
    epochs: 3, batchSize: 16, shuffle: true, seed: 3, verbose: 0,
  });
  const report = weightsReport(model, history.history.loss);
  model.dispose();
  return report;
}

/**
 * Loads the saved MNIST model and predicts the saved digits.
 * `source`: what `nn.loadModel` takes (a URL string or a handler); by default the files in memory.
 */
async function infer(nn, { modelJSON, weights, inputs, source }) {
  const model = await nn.loadModel(source ?? nn.io.fromModelJSON(modelJSON, { 'weights.bin': weights }));
  const x = new Float32Array(inputs instanceof ArrayBuffer ? inputs : inputs.buffer.slice(inputs.byteOffset, inputs.byteOffset + inputs.byteLength));
  const rows = x.length / 784;
  const p = model.predict(nn.tensor(x, [rows, 784]));
  const out = { shape: p.shape, hex: hexOf(p.data), classes: Array.from(p.argMax(-1).data) };
  model.dispose();
  return { ...out, fingerprint: fingerprint(out.hex) };
}

/** A GEMM large enough to split, on the current threads then on one: 'bit-identical' or 'DIFFERENT'. */
function threadsGemm(nn) {
  const rand = lcg(99);
  const a = nn.tensor(Float32Array.from({ length: 301 * 257 }, () => rand() - 0.5), [301, 257]);
  const b = nn.tensor(Float32Array.from({ length: 257 * 263 }, () => rand() - 0.5), [257, 263]);
  const threaded = hexOf(nn.ops.matMul(a, b).data);
  return { threads: nn.backend().threads, hex: threaded };
}

/**
 * Runs the whole workload. `fixtures`: { modelJSON (text), weights (bytes), inputs (float32
 * bytes, N x 784), source? }; `train: false` runs the inference only.
 */
export async function runWorkload(nn, fixtures, { train = true } = {}) {
  const now = () => (typeof performance === 'object' ? performance.now() : Date.now());
  const t0 = now();
  // Two threads where the runtime has them (the runner prints backend(): threads, or why not).
  await nn.ready({ threads: 2, ...fixtures.readyOptions });
  const t1 = now();
  const result = { timings: { readyMs: t1 - t0 }, backend: nn.backend(), threadsGemm: threadsGemm(nn) };
  if (train) {
    result.dense = await trainDense(nn);
    result.cnn = await trainCnn(nn);
  }
  const t2 = now();
  result.timings.trainMs = t2 - t1;
  result.inference = await infer(nn, fixtures);
  result.timings.inferMs = now() - t2;
  return result;
}

/** For runtimes that can also load the main entry ('simdnn', with the bundled MNIST digits). */
export function checkMainEntry(full) {
  const { train } = full.data.mnist({ trainSize: 16, testSize: 16 });
  if (train.x.shape.join() !== '16,784') throw new Error(`main entry: mnist train.x has shape ${train.x.shape}`);
  return `ok (data.mnist ${train.x.shape.join('x')})`;
}

/** The saved model and digits over HTTP, from the staging folder served at `base` (browsers). */
export async function fetchFixtures(base) {
  const get = async (path) => {
    const response = await fetch(`${base}/${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return response;
  };
  return {
    modelJSON: await (await get('fixtures/mnist-mlp/model.json')).text(),
    weights: new Uint8Array(await (await get('fixtures/mnist-mlp/weights.bin')).arrayBuffer()),
    inputs: await (await get('fixtures/inputs.bin')).arrayBuffer(),
  };
}
