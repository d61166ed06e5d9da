// LayerNormalization: predictions against a float64 reference over one or several trailing axes,
// finite-difference gradients of input, gamma and beta, the errors for axes it does not take,
// save/load, and TensorFlow.js 4.22 both ways (cpu backend) within 1e-5.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel): Promise<nn.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved as nn.io.ModelArtifacts;
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): Float32Array {
  return (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
}

/** Float64 layer normalisation of each group of `cols` consecutive values; gamma/beta flat over them (Keras reshapes them so). */
function reference(x: Float32Array, cols: number, gamma: Float32Array | null, beta: Float32Array | null, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += cols) {
    let mu = 0, v = 0;
    for (let c = 0; c < cols; c++) mu += x[o + c] / cols;
    for (let c = 0; c < cols; c++) v += (x[o + c] - mu) ** 2 / cols;
    for (let c = 0; c < cols; c++) y[o + c] = (gamma ? gamma[c] : 1) * (x[o + c] - mu) / Math.sqrt(v + eps) + (beta ? beta[c] : 0);
  }
  return y;
}

describe(`LayerNormalization (seed ${seed})`, () => {
  // [label, options, per-sample input, values normalised together, gamma/beta shape]
  const cases: [string, nn.layers.LayerNormalizationArgs, number[], number, number[]][] = [
    ['dense features, defaults', {}, [7], 7, [7]],
    ['channels of a feature map', { axis: -1 }, [3, 4, 5], 5, [5]],
    ['the last two axes', { axis: [2, 3], epsilon: 1e-2 }, [3, 4, 5], 20, [4, 5]],
    ['every axis, given out of order', { axis: [-1, 1, 2] }, [2, 3, 3], 18, [3, 2, 3]],
    ['no scale', { scale: false }, [2, 17], 17, [17]],
    ['no centre', { center: false, axis: 2 }, [3, 1], 1, [1]],
  ];
  cases.forEach(([label, options, input, cols, paramShape], ci) => {
    it(`${label}: gradients of input, gamma and beta`, () => {
      nn.setSeed(seed + ci);
      const layer = nn.layers.layerNormalization(options);
      // Random gamma and beta so both gradients are probed away from their initial values.
      layer.build([input]);
      const rng = makeRng(seed + 100 + ci);
      layer.setWeights(layer.getWeights().map((w) => nn.tensor(randomArray(w.size, rng, -1.5, 1.5), [...w.shape])));
      checkLayerGradients({ layer, inputShapes: [input], batch: 3, rng: makeRng(seed + ci), h: 1e-3 });
      expect(layer.params.map((p) => [p.name, [...p.shape]])).toEqual([
        ...(options.scale === false ? [] : [['gamma', paramShape]]), ...(options.center === false ? [] : [['beta', paramShape]]),
      ]);
      layer.dispose();
    });

    it(`${label}: predictions against the float64 reference`, () => {
      const layer = nn.layers.layerNormalization({ ...options, inputShape: input });
      const model = nn.sequential({ layers: [layer] });
      randomizeWeights(model, seed + 20 + ci);
      const x = batchFor(input, 4, seed + 30 + ci);
      const [gamma, beta] = [options.scale === false ? null : layer.getWeights()[0].data, options.center === false ? null : layer.getWeights().at(-1)!.data];
      const want = reference(x.data, cols, gamma, beta, options.epsilon ?? 1e-3);
      // Normalised values are O(1) and the sums have at most 20 terms: f32 rounding stays below 1e-5.
      expect(maxAbsDiff((model.predict(x) as nn.Tensor).data, want)).toBeLessThan(1e-5);
      model.dispose();
    });
  });

  it('axes it cannot take are refused, naming the layer, the axis and the input', () => {
    const build = (axis: unknown, input: number[]) => () => nn.layers.layerNormalization({ name: 'ln', axis: axis as number }).build([input]);
    expect(build(1, [4, 5, 6])).toThrow("LayerNormalization 'ln': axis 1 is not supported for input [null, 4, 5, 6]; only trailing axes are (the last 1: [3])");
    expect(build([1, 3], [4, 5, 6])).toThrow('axis [1,3] is not supported for input [null, 4, 5, 6]; only trailing axes are (the last 2: [2,3])');
    expect(build(0, [4])).toThrow("LayerNormalization 'ln': axis 0 is the batch axis of input [null, 4]; layer normalisation is per sample");
    expect(build(-3, [4, 5])).toThrow('axis -3 is the batch axis');
    expect(build(3, [4, 5])).toThrow("LayerNormalization 'ln': axis 3 is out of range for input [null, 4, 5] (axes 1 to 2, or -1 to -2)");
    expect(build([2, -1], [4, 5])).toThrow("LayerNormalization 'ln': axis [2,-1] names an axis twice");
    expect(() => nn.layers.layerNormalization({ axis: 1.5 })).toThrow('axis must be an integer or a non-empty list of integers, got 1.5');
    expect(() => nn.layers.layerNormalization({ axis: [] })).toThrow('got []');
    expect(() => nn.layers.layerNormalization({ epsilon: 0 })).toThrow('epsilon must be a positive number, got 0');
    expect(() => nn.layers.layerNormalization({ beta_initializer: 'ones' } as never)).toThrow("LayerNormalization: unknown option 'beta_initializer'; did you mean 'betaInitializer'?");
  });

  it('inside a model: loss gradients of every weight', () => {
    nn.setSeed(seed + 40);
    const model = nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [5, 4, 2], filters: 3, kernelSize: 2, activation: 'tanh' }),
      nn.layers.layerNormalization({ axis: [-3, -2, -1] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 4 }),
      nn.layers.layerNormalization({ gammaInitializer: 'heNormal' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed + 41), n = 4;
    const x = nn.tensor(randomArray(n * 5 * 4 * 2, rng), [n, 5, 4, 2]);
    const y = nn.data.toCategorical(Uint8Array.from({ length: n }, () => Math.floor(rng() * 3)), 3);
    checkModelGradients(model, x, y, 1e-2, 2e-2);
    model.dispose();
  });

  it('penalties on gamma and beta are added to the loss', () => {
    const twin = (penalised: boolean) => nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [4], units: 5 }),
      nn.layers.layerNormalization(penalised ? { gammaRegularizer: nn.regularizers.l2({ l2: 0.05 }), betaRegularizer: nn.regularizers.l1({ l1: 0.02 }) } : {}),
    ] });
    const [plain, penalised] = [twin(false), twin(true)];
    randomizeWeights(plain, seed + 60);
    penalised.setWeights(plain.getWeights());
    for (const m of [plain, penalised]) m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = batchFor([4], 6, seed + 61), y = batchFor([5], 6, seed + 62);
    const [, , gamma, beta] = plain.getWeights().map((w) => Array.from(w.data));
    const penalty = 0.05 * gamma.reduce((s, v) => s + v * v, 0) + 0.02 * beta.reduce((s, v) => s + Math.abs(v), 0);
    expect(penalised.evaluate(x, y).loss - plain.evaluate(x, y).loss).toBeCloseTo(penalty, 5);
    plain.dispose();
    penalised.dispose();
  });
});

describe(`LayerNormalization save, load and TF.js 4.22 (seed ${seed})`, () => {
  function model(): nn.Sequential {
    return nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [6], units: 12, activation: 'relu' }),
      nn.layers.layerNormalization({ epsilon: 1e-2, betaRegularizer: nn.regularizers.l1({ l1: 1e-3 }) }),
      nn.layers.reshape({ targetShape: [3, 2, 2] }),
      nn.layers.layerNormalization({ axis: [2, 3], center: false }),
      nn.layers.layerNormalization({ axis: [-3, -2, -1], scale: false, gammaInitializer: 'zeros' }),
      nn.layers.flatten(),
    ] });
  }

  it('saves and loads back with the same config and predictions', async () => {
    const m = model();
    randomizeWeights(m, seed + 50);
    const loaded = await nn.loadModel(await artifactsOf(m));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const x = batchFor([6], 3, seed + 51);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('simdnn → tf.loadLayersModel predicts the same within 1e-5', async () => {
    const m = model();
    randomizeWeights(m, seed + 52);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    const x = batchFor([6], 3, seed + 53);
    expect(maxAbsDiff(tfPredict(loaded, x), (m.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel predicts the same within 1e-5 (TF.js writes the axes resolved, as a list)', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [5, 4, 3], filters: 4, kernelSize: 2 }),
      tf.layers.layerNormalization({ axis: -1 }),
      tf.layers.layerNormalization({ axis: [1, 2, 3], epsilon: 0.1, center: false }),
      tf.layers.flatten(),
      tf.layers.layerNormalization({ scale: false }),
    ] });
    const rng = makeRng(seed + 54);
    m.setWeights(m.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((a: number, b) => a * (b as number), 1), rng, -0.8, 0.8), w.shape as number[])));
    const artifacts = await tfjsArtifacts(m);
    const configs = (artifacts.modelTopology as { config: { layers: { config: { axis?: unknown } }[] } }).config.layers.map((l) => l.config.axis);
    expect(configs.slice(1, 3)).toEqual([[3], [1, 2, 3]]);
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.className)).toEqual(['Conv2D', 'LayerNormalization', 'LayerNormalization', 'Flatten', 'LayerNormalization']);
    const x = batchFor([5, 4, 3], 3, seed + 55);
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(m, x))).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it("Keras 3's rms_scaling and a gamma constraint in a file are refused by name", async () => {
    const m = model();
    const artifacts = await artifactsOf(m);
    m.dispose();
    for (const [key, value] of [['rms_scaling', true], ['gamma_constraint', { class_name: 'NonNeg', config: {} }]] as const) {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      topology.config.layers[1].config[key] = value;
      await expect(nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] })).rejects.toThrow(new RegExp(`option '${key}'`));
    }
  });
});
