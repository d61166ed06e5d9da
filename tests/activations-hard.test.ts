// relu6, hardSigmoid (TF.js and Keras 3 formulas) and hardSwish as layer activations: gradients over
// every region, how configs name them, saving and loading, and TensorFlow.js 4.22 both ways.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import type { ActivationName } from '../src/activations.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
const HARD: ActivationName[] = ['relu6', 'hardSigmoid', 'hardSigmoidKeras3', 'hardSwish'];

beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

describe(`hard activations: gradients (seed ${seed})`, () => {
  HARD.forEach((activation, ai) => {
    it(`${activation} as a layer, inputs over [-8, 8] so every region is probed`, () => {
      const rng = makeRng(seed + ai);
      const layer = nn.layers.activation({ activation });
      checkLayerGradients({ layer, inputShapes: [[4, 11]], batch: 3, rng, input: () => rng() * 16 - 8, h: 1e-3 });
      layer.dispose();
    });
    it(`${activation} after a convolution (fused or, for hardSwish, from the kept pre-activation)`, () => {
      const rng = makeRng(seed + 10 + ai);
      nn.setSeed(seed + ai);
      const layer = nn.layers.conv2d({ filters: 5, kernelSize: 2, activation, biasInitializer: 'ones' });
      checkLayerGradients({ layer, inputShapes: [[4, 3, 3]], batch: 2, rng, input: () => rng() * 6 - 3, h: 1e-3 });
      layer.dispose();
    });
  });
});

/** n samples of `width` values in [-4, 4]: wide enough that every activation leaves its linear part. */
function wideBatch(n: number, s: number, width = 4): nn.Tensor {
  return nn.tensor(randomArray(n * width, makeRng(s), -4, 4), [n, width]);
}

function hardModel(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [5], units: 7, activation: 'hardSigmoidKeras3' }),
    nn.layers.dense({ units: 6, activation: 'hardSwish' }),
    nn.layers.dense({ units: 6, activation: 'relu6' }),
    nn.layers.activation({ activation: 'hardSigmoid' }),
  ] });
}

describe(`hard activations: configs and files (seed ${seed})`, () => {
  it('configs name them as TF.js (relu6, hardSigmoid) and Keras 3 (hard_swish, hard_sigmoid with its dtype object) do', () => {
    const model = hardModel();
    const configs = model.layers.map((l) => l.getConfig());
    expect(configs.map((c) => c.activation)).toEqual(['hard_sigmoid', 'hard_swish', 'relu6', 'hardSigmoid']);
    expect(configs[0].dtype).toEqual({ module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null });
    model.dispose();
  });

  it('a saved model loads back with the same activations and predictions', async () => {
    const model = hardModel();
    randomizeWeights(model, seed);
    const loaded = await nn.loadModel(await artifactsOf(model));
    expect(loaded.layers.map((l) => l.activationName)).toEqual(['hardSigmoidKeras3', 'hardSwish', 'relu6', 'hardSigmoid']);
    const x = wideBatch(6, seed + 1, 5);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  it("'hard_sigmoid' is Keras 3's formula only with Keras 3's dtype object, TF.js's otherwise; Keras 3's 'hard_silu' reads as hardSwish", async () => {
    const model = hardModel();
    randomizeWeights(model, seed + 5);
    const artifacts = await artifactsOf(model);
    const edit = (change: (layers: { config: Record<string, unknown> }[]) => void): nn.io.ModelArtifacts => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      change(topology.config.layers);
      return { ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] };
    };
    const asTfjs = await nn.loadModel(edit((layers) => { layers[0].config.dtype = 'float32'; layers[1].config.activation = 'hard_silu'; }));
    expect(asTfjs.layers.map((l) => l.activationName)).toEqual(['hardSigmoid', 'hardSwish', 'relu6', 'hardSigmoid']);
    asTfjs.dispose();
    model.dispose();
  });

  it("the two formulas differ: a Keras 3 'hard_sigmoid' layer read as TF.js's predicts otherwise", async () => {
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [5], units: 7, activation: 'hardSigmoidKeras3' })] });
    randomizeWeights(model, seed + 6);
    const artifacts = await artifactsOf(model);
    const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[0].config.dtype = 'float32';
    const asTfjs = await nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] });
    // 0.2·s + 0.5 against s/6 + 0.5 differ by s/30 wherever either is unclipped (|s| < 3).
    const x = wideBatch(6, seed + 7, 5);
    expect(maxAbsDiff((asTfjs.predict(x) as nn.Tensor).data, (model.predict(x) as nn.Tensor).data)).toBeGreaterThan(1e-3);
    asTfjs.dispose();
    model.dispose();
  });
});

describe(`hard activations and TensorFlow.js 4.22 (seed ${seed})`, () => {
  it('simdnn → tf.loadLayersModel: relu6 and hardSigmoid (clip(0.2x + 0.5)) predict the same within 1e-5', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [4], units: 9, activation: 'relu6' }),
      nn.layers.dense({ units: 5, activation: 'hardSigmoid' }),
      nn.layers.activation({ activation: 'relu6' }),
    ] });
    randomizeWeights(model, seed + 2);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
    const x = wideBatch(8, seed + 3);
    const theirs = (loaded.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(theirs, (model.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });

  it('tfjs → nn.loadModel: relu6 and hardSigmoid read as TF.js computes them', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [4], units: 9, activation: 'relu6', biasInitializer: 'ones' }),
      tf.layers.dense({ units: 5, activation: 'hardSigmoid' }),
    ] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await nn.loadModel(saved as nn.io.ModelArtifacts);
    // tfjs writes hardSigmoid as 'hard_sigmoid', with a string dtype.
    expect((saved!.modelTopology as { config: { layers: { config: { activation: string } }[] } }).config.layers[1].config.activation).toBe('hard_sigmoid');
    expect(loaded.layers.map((l) => l.activationName)).toEqual(['relu6', 'hardSigmoid']);
    const x = wideBatch(8, seed + 4);
    const theirs = (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync();
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, theirs)).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });
});
