// Embedding: rows looked up exactly, gradients by finite differences inside a model, the table
// gradient as the float64 scatter-add, zeros for a layer before it, bad indices refused per batch
// (naming the layer, the value and its position, with no memory taken), maskZero, configs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { checkModelGradients } from './helpers/gradcheck.js';
import { allocWasm, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { artifactsOf, bytesInUse } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** n·size random indices below inputDim, as float32. */
function indexBatch(n: number, shape: number[], inputDim: number, rng: () => number): nn.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return nn.tensor(Float32Array.from({ length: n * size }, () => Math.floor(rng() * inputDim)), [n, ...shape]);
}

describe(`Embedding forward and gradients (seed ${seed})`, () => {
  // [inputDim, outputDim, per-sample index shape]
  const cases: [number, number, number[]][] = [[7, 3, [5]], [1, 1, [1]], [33, 17, [3, 4]], [5, 8, [7]]];
  cases.forEach(([inputDim, outputDim, shape], ci) => {
    it(`inputDim ${inputDim}, outputDim ${outputDim}, indices [${shape}]: each output is its index's row, exactly`, () => {
      const rng = makeRng(seed + ci);
      const layer = nn.layers.embedding({ inputShape: shape, inputDim, outputDim });
      const model = nn.sequential({ layers: [layer] });
      const x = indexBatch(3, shape, inputDim, rng);
      const y = model.predict(x) as nn.Tensor;
      expect(y.shape).toEqual([3, ...shape, outputDim]);
      const [table] = layer.getWeights();
      expect(table.shape).toEqual([inputDim, outputDim]);
      for (let i = 0; i < x.size; i++) {
        expect(Array.from(y.data.subarray(i * outputDim, (i + 1) * outputDim))).toEqual(Array.from(table.data.subarray(x.data[i] * outputDim, (x.data[i] + 1) * outputDim)));
      }
      model.dispose();
    });
  });

  it('the default initialiser is Keras\'s: uniform in ±0.05', () => {
    nn.setSeed(seed);
    const model = nn.sequential({ layers: [nn.layers.embedding({ inputShape: [2], inputDim: 50, outputDim: 40 })] });
    model.predict(nn.tensor(new Float32Array([0, 1]), [1, 2]));
    const [table] = model.getWeights();
    expect(Math.max(...table.data.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...table.data.map(Math.abs))).toBeGreaterThan(0.04); // 2,000 draws reach near the edge
    model.dispose();
  });

  it('embedding → conv1d → global average pooling → dense: every weight\'s loss gradient by finite differences (repeated indices)', () => {
    nn.setSeed(seed + 10);
    const model = nn.sequential({ layers: [
      nn.layers.embedding({ inputShape: [6], inputDim: 4, outputDim: 5, embeddingsInitializer: 'glorotUniform' }),
      nn.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'tanh' }),
      nn.layers.globalAveragePooling1d(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed + 11);
    const x = indexBatch(5, [6], 4, rng); // 30 indices over 4 rows: every row is hit several times
    const y = nn.data.toCategorical(Uint8Array.from({ length: 5 }, () => Math.floor(rng() * 3)), 3);
    checkModelGradients(model, x, y, 1e-2, 2e-2);
    model.dispose();
  });

  it('embeddingsRegularizer adds its penalty on the table to the loss', () => {
    const make = (penalised: boolean) => nn.sequential({ layers: [
      nn.layers.embedding({ inputShape: [3], inputDim: 4, outputDim: 2, ...(penalised ? { embeddingsRegularizer: nn.regularizers.l2({ l2: 0.1 }) } : {}) }),
      nn.layers.flatten(), nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    const [plain, penalised] = [make(false), make(true)];
    const rng = makeRng(seed + 15);
    const weights = plain.getWeights().map((w) => nn.tensor(randomArray(w.size, rng), [...w.shape]));
    plain.setWeights(weights);
    penalised.setWeights(weights);
    for (const m of [plain, penalised]) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = indexBatch(4, [3], 4, rng), y = nn.data.toCategorical(new Uint8Array([0, 1, 1, 0]), 2);
    const l2 = 0.1 * weights[0].data.reduce((s, w) => s + w * w, 0);
    // The two losses differ by the penalty, summed in float32 over 8 weights: a few ulps of the loss (≈ 1).
    expect(Math.abs(penalised.evaluate(x, y).loss - plain.evaluate(x, y).loss - l2)).toBeLessThan(1e-6);
    plain.dispose();
    penalised.dispose();
  });

  it('the table gradient is the scatter-add of the output gradient, and a layer before gets zeros', () => {
    const { arena } = getBackend();
    const rng = makeRng(seed + 20);
    const [inputDim, outputDim, steps, n] = [3, 5, 7, 2];
    const layer = nn.layers.embedding({ inputDim, outputDim });
    layer.build([[steps]]);
    const indices = Float32Array.from({ length: n * steps }, () => Math.floor(rng() * inputDim));
    const grad = randomArray(n * steps * outputDim, rng);
    const input = toWasm(getBackend(), indices), output = allocWasm(getBackend(), n * steps * outputDim);
    const gradOutput = toWasm(getBackend(), grad), gradInput = allocWasm(getBackend(), n * steps);
    const call = standaloneCall(layer, n, { inputs: [input], output, gradOutput, gradInputs: [gradInput] });
    layer.forward(n, call, true);
    layer.backward(n, call);
    const table = layer.params[0];
    const got = arena.f32.slice(table.grad >>> 2, (table.grad >>> 2) + table.size);
    for (let r = 0; r < inputDim; r++) for (let j = 0; j < outputDim; j++) {
      let exact = 0, magnitude = 0, terms = 0;
      indices.forEach((v, i) => { if (v === r) { exact += grad[i * outputDim + j]; magnitude += Math.abs(grad[i * outputDim + j]); terms++; } });
      // In-order float32 sum of `terms` values: within (terms − 1)·u·Σ|g| of the exact sum.
      expect(Math.abs(got[r * outputDim + j] - exact)).toBeLessThanOrEqual(Math.max(terms - 1, 0) * 2 ** -24 * magnitude);
    }
    expect(Array.from(fromWasm(getBackend(), gradInput, n * steps))).toEqual(new Array(n * steps).fill(0));
    call.release();
    for (const ptr of [input, output, gradOutput, gradInput]) arena.release(ptr);
    layer.dispose();
  });
});

describe(`Embedding refuses bad indices per batch (seed ${seed})`, () => {
  // NaN and ±Infinity in x are refused by the model before any layer (the layer's own check of them is below).
  const bad: [string, number, string][] = [
    ['a fraction', 2.5, '2.5'], ['inputDim itself', 6, '6'], ['a negative index', -1, '-1'], ['a large index', 1e9, '1000000000'],
  ];
  bad.forEach(([label, value, shown], ci) => {
    it(`${label}: predict and fit throw naming the layer, the value and its [sample, row, step] position, and take no memory`, async () => {
      const rng = makeRng(seed + 30 + ci);
      const model = nn.sequential({ layers: [nn.layers.embedding({ name: 'words', inputShape: [2, 9], inputDim: 6, outputDim: 3 }), nn.layers.flatten(), nn.layers.dense({ units: 2, activation: 'softmax' })] });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const x = indexBatch(4, [2, 9], 6, rng);
      const y = nn.data.toCategorical(new Uint8Array([0, 1, 1, 0]), 2);
      await model.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0 });
      model.predict(x);
      const [b, r, t] = [Math.floor(rng() * 4), Math.floor(rng() * 2), Math.floor(rng() * 9)];
      x.data[(b * 2 + r) * 9 + t] = value;
      const message = new RegExp(`^Embedding 'words': input value ${shown.replace('.', '\\.')} at \\[${b}, ${r}, ${t}\\] of the batch is not an integer index in \\[0, 6\\)`);
      const before = bytesInUse();
      expect(() => model.predict(x)).toThrow(message);
      expect(bytesInUse()).toBe(before);
      await expect(model.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0, shuffle: false })).rejects.toThrow(message);
      model.dispose();
    });
  });
});

describe('Embedding options and configs', () => {
  it('NaN reaching the layer from another layer is refused by the layer too', () => {
    const { arena } = getBackend();
    const layer = nn.layers.embedding({ inputDim: 3, outputDim: 2 });
    layer.build([[5]]);
    const input = toWasm(getBackend(), new Float32Array([0, 1, 2, 1, 0, 2, NaN, 1, 0, 0])), output = allocWasm(getBackend(), 20);
    const call = standaloneCall(layer, 2, { inputs: [input], output });
    expect(() => layer.forward(2, call, false)).toThrow(/input value NaN at \[1, 1\] of the batch is not an integer index in \[0, 3\)/);
    call.release();
    arena.release(input);
    arena.release(output);
    layer.dispose();
  });

  it('inputLength gives the input shape (tfjs), and must match a given one', () => {
    const layer = nn.layers.embedding({ inputDim: 4, outputDim: 2, inputLength: 5 });
    expect(layer.declaredInputShape).toEqual([5]);
    const model = nn.sequential({ layers: [layer] });
    expect(model.outputShape).toEqual([5, 2]);
    model.dispose();
    expect(() => nn.layers.embedding({ inputDim: 4, outputDim: 2, inputLength: 5 }).build([[6]])).toThrow(/Embedding 'embedding(_\d+)?': inputLength \[5\] does not match the input's per-sample shape \[6\]/);
  });

  it('maskZero true is refused with the reason, from the factory and from a file; false is accepted', async () => {
    expect(() => nn.layers.embedding({ inputDim: 4, outputDim: 2, maskZero: true })).toThrow(/maskZero true is not supported: simdnn does not propagate masks/);
    expect(nn.layers.embedding({ inputDim: 4, outputDim: 2, maskZero: false }).maskZero).toBe(false);
    const model = nn.sequential({ layers: [nn.layers.embedding({ inputShape: [3], inputDim: 4, outputDim: 2 })] });
    const artifacts = await artifactsOf(model);
    model.dispose();
    const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0].config.mask_zero = true;
    await expect(nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] }))
      .rejects.toThrow(/layer 'embedding(_\d+)?' \(Embedding\): mask_zero: maskZero true is not supported/);
  });

  it('saves and loads back with the same config and predictions', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.embedding({ inputDim: 11, outputDim: 4, inputLength: [2, 3], embeddingsRegularizer: nn.regularizers.l1({ l1: 0.01 }) }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    const artifacts = await artifactsOf(model);
    const config = (artifacts.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0].config;
    expect(config).toMatchObject({ input_dim: 11, output_dim: 4, input_length: [2, 3], mask_zero: false, batch_input_shape: [null, 2, 3] });
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = indexBatch(3, [2, 3], 11, makeRng(seed + 50));
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  it('bad options are named', () => {
    expect(() => nn.layers.embedding({ inputDim: 4, output_dim: 2 } as unknown as nn.layers.EmbeddingArgs)).toThrow(/Embedding: unknown option 'output_dim'; did you mean 'outputDim'\?/);
    expect(() => nn.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => nn.layers.embedding({ inputDim: 3, outputDim: 1.5 })).toThrow(/outputDim must be a positive integer, got 1\.5/);
    expect(() => nn.layers.embedding({ inputDim: 2 ** 24 + 1, outputDim: 1 })).toThrow(/inputDim must be at most 2\^24 = 16777216 .* got 16777217/);
    expect(() => nn.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 'yes' as unknown as boolean })).toThrow(/maskZero must be true or false, got 'yes'/);
    expect(() => nn.layers.embedding({ inputDim: 3, outputDim: 2, inputLength: 0 })).toThrow(/inputLength must be a positive integer, got 0/);
  });
});
