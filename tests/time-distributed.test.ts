// TimeDistributed: the wrapped layer applied to each step equals it applied to the steps folded
// into the batch (bit for bit), finite-difference gradients, trainable, configs with the wrapped
// layer's config inside, weights freed with the wrapper, bad options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, bytesInUse, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

describe(`TimeDistributed (seed ${seed})`, () => {
  // [label, wrapped layer, per-step shape]
  const cases: [string, () => nn.Layer, number[]][] = [
    ['dense, tanh', () => nn.layers.dense({ units: 5, activation: 'tanh' }), [3]],
    ['conv2d 3x3 same, softplus (its own im2col buffer, planned for capacity·steps)', () => nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'softplus' }), [4, 5, 2]],
    ['conv1d causal', () => nn.layers.conv1d({ filters: 3, kernelSize: 2, padding: 'causal', activation: 'sigmoid' }), [6, 3]],
    ['max pooling 2d', () => nn.layers.maxPooling2d({ poolSize: 2 }), [4, 6, 3]],
  ];

  cases.forEach(([label, make, step], ci) => {
    it(`${label}: each step's output is the wrapped layer's on that step, bit for bit`, () => {
      const steps = 3, n = 2;
      const rng = makeRng(seed + ci);
      const wrapped = make();
      const x = nn.input({ shape: [steps, ...step] });
      const model = nn.model({ inputs: x, outputs: nn.layers.timeDistributed({ layer: wrapped }).apply(x) });
      randomizeWeights(model, seed + ci);
      const data = randomArray(n * steps * step.reduce((a, b) => a * b, 1), rng);
      const y = model.predict(nn.tensor(data, [n, steps, ...step])) as nn.Tensor;
      expect(y.shape).toEqual([n, steps, ...wrapped.outputShape]);
      // The same layer on the steps as samples: a model of its own sharing the weights.
      const flat = nn.input({ shape: step });
      const alone = nn.model({ inputs: flat, outputs: wrapped.apply(flat) });
      const want = alone.predict(nn.tensor(data, [n * steps, ...step])) as nn.Tensor;
      expect(Array.from(y.data)).toEqual(Array.from(want.data));
      alone.dispose();
      model.dispose();
    });

    it(`${label}: gradients of the wrapped weights and the input by finite differences`, () => {
      nn.setSeed(seed + 10 + ci);
      const rng = makeRng(seed + 10 + ci);
      // Distinct inputs keep pooling maxima apart from ties. The wrapped activations are smooth: the check
      // skips probes across kinks by the wrapper's own activation, which is linear.
      const input = ci === 3 ? (i: number) => ((i * 7919) % 1009) / 1009 + rng() * 1e-4 : undefined;
      checkLayerGradients({ layer: nn.layers.timeDistributed({ layer: make() }), inputShapes: [[3, ...step]], batch: 2, rng, input, h: ci === 3 ? 1e-4 : 1e-3 });
    });
  });

  it('in a model: dropout inside draws a mask per step, the weights train, and memory does not grow over steps', async () => {
    nn.setSeed(seed + 20);
    const model = nn.sequential({ layers: [
      nn.layers.timeDistributed({ inputShape: [5, 4], layer: nn.layers.dense({ units: 6, activation: 'relu' }) }),
      nn.layers.timeDistributed({ layer: nn.layers.dropout({ rate: 0.5 }) }),
      nn.layers.globalAveragePooling1d(),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed + 21);
    const x = nn.tensor(randomArray(16 * 20, rng), [16, 5, 4]);
    const y = nn.data.toCategorical(Uint8Array.from({ length: 16 }, (_, i) => i % 2), 2);
    const before = model.layers[0].getWeights()[0].data.slice();
    await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
    const inUse = bytesInUse();
    await model.fit(x, y, { batchSize: 8, epochs: 5, verbose: 0 });
    expect(bytesInUse()).toBe(inUse);
    expect(Array.from(model.layers[0].getWeights()[0].data)).not.toEqual(Array.from(before));
    model.dispose();
  });

  it('trainable: a frozen wrapper freezes the wrapped layer; a frozen wrapped layer stays frozen in a trainable wrapper', async () => {
    const wrapped = nn.layers.dense({ units: 3 });
    const wrapper = nn.layers.timeDistributed({ inputShape: [4, 2], layer: wrapped });
    const model = nn.sequential({ layers: [wrapper, nn.layers.flatten(), nn.layers.dense({ units: 1 })] });
    const x = nn.tensor(randomArray(6 * 8, makeRng(seed + 30)), [6, 4, 2]);
    const y = nn.tensor(randomArray(6, makeRng(seed + 31)), [6, 1]);
    for (const [outer, inner] of [[false, true], [true, false]]) {
      wrapper.trainable = outer;
      wrapped.trainable = inner;
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      expect(wrapper.countTrainableParams()).toBe(0);
      const before = wrapper.getWeights().map((w) => Array.from(w.data));
      await model.fit(x, y, { epochs: 1, verbose: 0 });
      expect(wrapper.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    }
    expect(wrapped.trainable).toBe(false); // its own flag is left as set
    wrapper.trainable = true;
    wrapped.trainable = true;
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(wrapper.countTrainableParams()).toBe(9);
    model.dispose();
  });

  it('saves the wrapped layer\'s config inside its own and loads back with the same predictions; weights are named after the wrapper', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.timeDistributed({ inputShape: [3, 4, 4, 2], layer: nn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh' }) }),
      nn.layers.timeDistributed({ layer: nn.layers.flatten() }),
      nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 3, kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }) }), trainable: false }),
    ] });
    randomizeWeights(model, seed + 40);
    const artifacts = await artifactsOf(model);
    const layers = (artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    expect(layers[0].config.layer).toMatchObject({ class_name: 'Conv2D', config: { filters: 2, kernel_size: [3, 3], activation: 'tanh' } });
    expect(artifacts.weightSpecs.map((w) => w.name)).toEqual(
      [`${model.layers[0].name}/kernel`, `${model.layers[0].name}/bias`, `${model.layers[2].name}/kernel`, `${model.layers[2].name}/bias`]);
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(loaded.layers[2].trainable).toBe(false);
    const x = nn.tensor(randomArray(2 * 3 * 32, makeRng(seed + 41)), [2, 3, 4, 4, 2]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  it('disposing the model frees the wrapped layer\'s weights', () => {
    const before = bytesInUse();
    const wrapped = nn.layers.dense({ units: 7 });
    const model = nn.sequential({ layers: [nn.layers.timeDistributed({ inputShape: [4, 5], layer: wrapped })] });
    model.predict(nn.tensor(new Float32Array(40), [2, 4, 5]));
    model.dispose();
    expect(wrapped.isDisposed).toBe(true);
    expect(bytesInUse()).toBe(before);
  });

  it('bad options, inputs and files are named', async () => {
    expect(() => nn.layers.timeDistributed({ layer: { units: 3 } as unknown as nn.Layer })).toThrow(/TimeDistributed: layer must be a Layer .* got \{"units":3\}/);
    const once = nn.layers.dense({ units: 2 });
    nn.layers.timeDistributed({ layer: once }).build([[4, 3]]);
    expect(() => nn.layers.timeDistributed({ layer: once }).build([[4, 3]])).toThrow(/Dense 'dense(_\d+)?' is already wrapped by TimeDistributed 'time_distributed(_\d+)?'; wrap a layer once/);
    const applied = nn.layers.dense({ units: 2 });
    applied.apply(nn.input({ shape: [3] }));
    expect(() => nn.layers.timeDistributed({ layer: applied })).toThrow(/was already applied in a graph; wrap a new layer/);
    expect(() => nn.layers.timeDistributed({ layers: nn.layers.dense({ units: 2 }) } as unknown as nn.layers.TimeDistributedArgs)).toThrow(/unknown option 'layers'; did you mean 'layer'\?/);
    expect(() => nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 2 }) }).build([[6]])).toThrow(/TimeDistributed 'time_distributed(_\d+)?': expects input of rank 3 or more \[batch, steps, \.\.\.\], got \[batch, 6\]/);
    expect(() => nn.layers.timeDistributed({ layer: nn.layers.conv2d({ filters: 2, kernelSize: 2 }) }).build([[3, 5]])).toThrow(/Conv2D 'conv2d(_\d+)?': expects rank-4 input/);
    const model = nn.sequential({ layers: [nn.layers.timeDistributed({ inputShape: [2, 3], layer: nn.layers.dense({ units: 2 }) })] });
    const artifacts = await artifactsOf(model);
    model.dispose();
    const edit = (change: (layer: Record<string, unknown>) => void) => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: { layer: Record<string, unknown> } }[] } };
      change(topology.config.layers[0].config.layer);
      return nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] });
    };
    await expect(edit((l) => { l.class_name = 'PReLU'; })).rejects.toThrow(/wrapped layer '.*' \(PReLU\): layer class 'PReLU' is not supported/);
    await expect(edit((l) => { (l.config as Record<string, unknown>).kernel_constraint = { class_name: 'NonNeg' }; })).rejects.toThrow(/wrapped layer 'dense(_\d+)?' \(Dense\): option 'kernel_constraint'/);
    await expect(edit((l) => { (l.config as Record<string, unknown>).units = 3; })).rejects.toThrow(/weight '.*\/kernel' has shape \[3, 2\] but layer .* expects \[3, 3\]/);
    await expect(edit((l) => { (l.config as Record<string, unknown>).dtype = 'int32'; })).rejects.toThrow(/dtype 'int32' is not supported/);
    await expect(edit((l) => { delete l.config; })).rejects.toThrow(/config 'layer' must be \{ class_name, config \}/);
  });
});
