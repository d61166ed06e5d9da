// simdnn → save → load → identical predictions and weights, for every layer type, Sequential and functional.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed } from './helpers/kernels.js';
import { artifactsOf, augmented, augmentedAtInference, batchFor, bytesInUse, cnn, everyLayerSequential, maxAbsDiff, mergeBranches, mlp, noisyMlp, randomizeWeights, residualConcat } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

function expectSame(a: nn.LayersModel, b: nn.LayersModel, x: nn.Tensor): void {
  expect(b.layers.map((l) => [l.className, l.name])).toEqual(a.layers.map((l) => [l.className, l.name]));
  const wa = a.getWeights(), wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((w, i) => {
    expect(wb[i].shape).toEqual(w.shape);
    expect(Array.from(wb[i].data)).toEqual(Array.from(w.data));
  });
  expect(Array.from((b.predict(x) as nn.Tensor).data)).toEqual(Array.from((a.predict(x) as nn.Tensor).data));
}

describe(`save/load round trip (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel][] = [
    ['Dense MLP', mlp], ['CNN', cnn], ['every layer (Sequential)', everyLayerSequential], ['residual + concatenate (functional)', residualConcat],
    ['every merge, concatenate on axes 1 and 2 (functional)', mergeBranches],
    ['augmentation layers', augmented], ['gaussianNoise MLP', noisyMlp],
  ];
  cases.forEach(([name, make], ci) => {
    it(`${name}: in memory, identical weights and predictions`, async () => {
      const model = make();
      randomizeWeights(model, seed + ci);
      const artifacts = await artifactsOf(model);
      expect(artifacts.format).toBe('layers-model');
      const loaded = await nn.loadModel(artifacts);
      expect(loaded.name).toBe(model.name);
      expect(loaded.inputShape).toEqual(model.inputShape);
      expectSame(model, loaded, batchFor(model.inputShape, 5, seed + 100 + ci));
      // Saving the loaded model gives the same topology and bytes again.
      const again = await artifactsOf(loaded);
      expect(again.modelTopology).toEqual(artifacts.modelTopology);
      expect(new Uint8Array(again.weightData as ArrayBuffer)).toEqual(new Uint8Array(artifacts.weightData as ArrayBuffer));
      model.dispose();
      loaded.dispose();
    });
  });

  it('keeps layer options: activations, padding, strides, dilation, bias, BN settings, dropout rate and seed, regularizers, trainable', async () => {
    const model = everyLayerSequential();
    model.layers[1].trainable = false;
    const loaded = await nn.loadModel(await artifactsOf(model));
    const pick = (m: nn.LayersModel): unknown[] => m.layers.map((l) => {
      const r = l as unknown as Record<string, unknown>;
      return [l.activationName, l.trainable, r.units, r.filters, r.kernelSize, r.strides, r.dilationRate, r.padding, r.useBias, r.poolSize,
        r.momentum, r.epsilon, r.center, r.scale, r.rate, r.seed, r.targetShape, l.params.map((p) => [p.name, p.regularizer])];
    });
    expect(pick(loaded)).toEqual(pick(model));
    model.dispose();
    loaded.dispose();
  });

  it('augmentation layers: the identity at inference, the same options and seeds after loading, so training draws the same augmentations', async () => {
    const model = augmented();
    randomizeWeights(model, seed + 60);
    const artifacts = await artifactsOf(model);
    const loaded = await nn.loadModel(artifacts);
    const pick = (m: nn.LayersModel): unknown[] => m.layers.map((l) => {
      const r = l as unknown as Record<string, unknown>;
      return [l.className, l.name, l.trainable, r.mode, r.seed, r.heightFactor, r.widthFactor, r.factor, r.fillMode, r.interpolation, r.fillValue, r.stddev];
    });
    expect(pick(loaded)).toEqual(pick(model));
    expect(pick(model)[1]).toEqual(['RandomTranslation', model.layers[1].name, true, undefined, (model.layers[1] as nn.layers.RandomTranslation).seed,
      [-0.2, 0.2], [-0.1, 0.3], undefined, 'constant', 'nearest', 0.5, undefined]);
    // Predictions: the augmentations pass their input through, so the bare network with the same weights predicts the same.
    const x = batchFor(model.inputShape, 5, seed + 61);
    const bare = augmentedAtInference();
    bare.setWeights(model.getWeights());
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((bare.predict(x) as nn.Tensor).data));
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(bare.predict(x).data));
    // Training: same seeds, same flips, shifts, rotations, zooms and noise, so the same weights after an epoch.
    const y = nn.data.toCategorical(new Uint8Array(8).map((_, i) => i % 2), 2);
    const xt = batchFor(model.inputShape, 8, seed + 62);
    for (const m of [model, loaded, bare]) {
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
      await m.fit(xt, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    }
    const after = loaded.getWeights();
    model.getWeights().forEach((w, i) => expect(Array.from(after[i].data)).toEqual(Array.from(w.data)));
    // (The augmentations were active: without them the same training ends elsewhere.)
    const plain = bare.getWeights();
    expect(Math.max(...model.getWeights().map((w, i) => maxAbsDiff(w.data, plain[i].data)))).toBeGreaterThan(1e-4);
    [model, loaded, bare].forEach((m) => m.dispose());
  });

  it('writes the augmentation layers with Keras class names and config keys', async () => {
    const model = augmented();
    const top = (await artifactsOf(model)).modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const layers = top.config.layers;
    const base = (i: number): Record<string, unknown> => ({ name: model.layers[i].name, trainable: true });
    const seedOf = (i: number): number => (model.layers[i] as unknown as { seed: number }).seed;
    expect(layers.map((l) => l.class_name)).toEqual(model.layers.map((l) => l.className));
    expect(layers[0].config).toEqual({ ...base(0), mode: 'horizontal', seed: 11, batch_input_shape: [null, 6, 6, 2], dtype: 'float32' });
    expect(layers[1].config).toEqual({ ...base(1), height_factor: [-0.2, 0.2], width_factor: [-0.1, 0.3], fill_mode: 'constant', interpolation: 'nearest', seed: seedOf(1), fill_value: 0.5 });
    expect(layers[2].config).toEqual({ ...base(2), factor: [-0.05, 0.1], fill_mode: 'wrap', interpolation: 'bilinear', seed: 3, fill_value: 0 });
    expect(layers[3].config).toEqual({ ...base(3), height_factor: [-0.2, 0.1], width_factor: null, fill_mode: 'nearest', interpolation: 'bilinear', seed: seedOf(3), fill_value: 0 });
    expect(layers[4].config).toMatchObject({ height_factor: [-0.1, 0.1], width_factor: [0, 0.2], seed: 5 });
    expect(layers[5].config).toEqual({ ...base(5), stddev: 0.2, seed: seedOf(5) });
    expect(layers[8].config).toEqual({ ...base(8), stddev: 0.05, seed: 9 });
    model.dispose();
  });

  it('writes the tfjs topology: class names, snake_case keys, batch_input_shape on the first layer, weight names and order', async () => {
    const model = cnn();
    const a = await artifactsOf(model);
    const top = a.modelTopology as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(top.class_name).toBe('Sequential');
    const [conv, bn] = top.config.layers;
    expect(conv.class_name).toBe('Conv2D');
    expect(conv.config).toMatchObject({ filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], data_format: 'channels_last',
      activation: 'relu', use_bias: true, batch_input_shape: [null, 8, 8, 2], dtype: 'float32', name: model.layers[0].name });
    expect(bn.config).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true });
    expect(top.config.layers[3].config).toMatchObject({ rate: 0.25, noise_shape: null });
    const names = model.layers.map((l) => l.name);
    expect(a.weightSpecs.map((s) => s.name)).toEqual([
      `${names[0]}/kernel`, `${names[0]}/bias`, `${names[1]}/gamma`, `${names[1]}/beta`, `${names[4]}/kernel`, `${names[4]}/bias`,
      `${names[7]}/kernel`, `${names[7]}/bias`, `${names[1]}/moving_mean`, `${names[1]}/moving_variance`,
    ]);
    expect(a.weightSpecs.every((s) => s.dtype === 'float32')).toBe(true);
    model.dispose();
  });

  it('functional topology has InputLayer, inbound_nodes, input_layers and output_layers', async () => {
    const model = residualConcat();
    const top = (await artifactsOf(model)).modelTopology as { class_name: string; config: { layers: { name: string; class_name: string; inbound_nodes: unknown[] }[]; input_layers: unknown; output_layers: unknown } };
    expect(top.class_name).toBe('Model');
    expect(top.config.layers[0]).toMatchObject({ name: 'image', class_name: 'InputLayer', inbound_nodes: [] });
    const add = top.config.layers.find((l) => l.class_name === 'Add')!;
    expect((add.inbound_nodes[0] as unknown[]).length).toBe(2);
    expect(top.config.input_layers).toEqual([['image', 0, 0]]);
    expect(top.config.output_layers).toEqual([[model.layers[model.layers.length - 1].name, 0, 0]]);
    model.dispose();
  });

  it('model.json with one weights.bin, or shards, loads through fromModelJSON', async () => {
    const model = cnn();
    randomizeWeights(model, seed + 7);
    const artifacts = await artifactsOf(model);
    const x = batchFor(model.inputShape, 3, seed);
    for (const shardBytes of [undefined, 100]) {
      const { modelJSON, weightFiles } = nn.io.toModelJSON(artifacts, { shardBytes });
      expect(modelJSON.weightsManifest[0].paths).toEqual(Object.keys(weightFiles));
      if (shardBytes) expect(Object.keys(weightFiles)[0]).toMatch(/^group1-shard1of\d+\.bin$/);
      else expect(Object.keys(weightFiles)).toEqual(['weights.bin']);
      const loaded = await nn.loadModel(nn.io.fromModelJSON(JSON.stringify(modelJSON), weightFiles));
      expectSame(model, loaded, x);
      loaded.dispose();
    }
    model.dispose();
  });

  it('optimizer state round-trips: resumed training equals uninterrupted training (SGD momentum and Adam)', async () => {
    for (const [i, optimizer] of [() => nn.optimizers.adam({ learningRate: 0.01 }), () => nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })].entries()) {
      const x = batchFor([6], 16, seed + 20 + i);
      const y = nn.data.toCategorical(new Uint8Array(16).map((_, j) => j % 3), 3);
      const model = mlp();
      randomizeWeights(model, seed + 30 + i);
      model.compile({ optimizer: optimizer(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const artifacts = await artifactsOf(model, { includeOptimizer: true });
      expect(artifacts.trainingConfig?.optimizer_config.class_name).toBe(i === 0 ? 'Adam' : 'Momentum');
      expect(artifacts.weightSpecs.find((s) => s.name === 'iter')).toEqual({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
      const resumed = await nn.loadModel(artifacts);
      expect(resumed.isCompiled).toBe(true);
      expect(resumed.optimizer.iterations).toBe(4);
      await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      await resumed.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const tol = i === 0 ? 0 : 1e-6; // tfjs stores momentum as −v/lr: one rounding each way
      expect(maxAbsDiff((resumed.predict(x) as nn.Tensor).data, (model.predict(x) as nn.Tensor).data)).toBeLessThanOrEqual(tol);
      model.dispose();
      resumed.dispose();
    }
  });

  const resumable: [string, () => nn.Optimizer, string[], number][] = [
    ['RMSprop', () => nn.optimizers.rmsprop({ learningRate: 0.01 }), ['rms', 'momentum'], 8],
    ['RMSprop with momentum', () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.8 }), ['rms', 'momentum'], 8],
    ['RMSprop centered', () => nn.optimizers.rmsprop({ learningRate: 0.01, centered: true, rho: 0.8 }), ['rms', 'momentum', 'mg'], 8],
    ['RMSprop with momentum, centered', () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true, epsilon: 1e-6 }), ['rms', 'momentum', 'mg'], 8],
    ['Adagrad', () => nn.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.2, epsilon: 1e-6 }), ['accumulator'], 8],
    ['Adadelta', () => nn.optimizers.adadelta({ learningRate: 1, rho: 0.9 }), ['accum_grad', 'accum_var'], 8],
    ['Adamax', () => nn.optimizers.adamax({ learningRate: 0.02, beta2: 0.99 }), ['m', 'v'], 8],
    ['Nadam', () => nn.optimizers.nadam({ learningRate: 0.01, clipNorm: 1 }), ['nadam_m', 'nadam_v'], 8],
    ['Rprop (full batch)', () => nn.optimizers.rprop({ learningRate: 0.02, etas: [0.4, 1.3], stepSizes: [1e-5, 1] }), ['rprop_prev_grad', 'rprop_step'], 16],
  ];
  resumable.forEach(([name, optimizer, suffixes, batchSize], oi) => {
    it(`optimizer state round-trips for ${name}: saved mid-training, loaded and continued equals uninterrupted training`, async () => {
      const x = batchFor([6], 16, seed + 70 + oi);
      const y = nn.data.toCategorical(new Uint8Array(16).map((_, j) => (j * 7) % 3), 3);
      const model = mlp();
      randomizeWeights(model, seed + 80 + oi);
      model.compile({ optimizer: optimizer(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await model.fit(x, y, { epochs: 3, batchSize, shuffle: false, verbose: 0 });
      const steps = model.optimizer.iterations;
      const artifacts = await artifactsOf(model, { includeOptimizer: true });
      const optSpecs = artifacts.weightSpecs.filter((s) => s.group === 'optimizer');
      const params = model.layers.flatMap((l) => l.params.map((p) => `${l.name}/${p.name}`));
      expect(optSpecs.map((s) => s.name)).toEqual(['iter', ...suffixes.flatMap((suffix) => params.map((p) => `${p}/${suffix}`))]);
      const resumed = await nn.loadModel(artifacts);
      expect(resumed.optimizer.className).toBe(model.optimizer.className);
      expect(resumed.optimizer.iterations).toBe(steps);
      // The restored optimizer saves the same config and state again.
      const again = await artifactsOf(resumed, { includeOptimizer: true });
      expect(again.trainingConfig).toEqual(artifacts.trainingConfig);
      expect(new Uint8Array(again.weightData as ArrayBuffer)).toEqual(new Uint8Array(artifacts.weightData as ArrayBuffer));
      await model.fit(x, y, { epochs: 3, batchSize, shuffle: false, verbose: 0 });
      await resumed.fit(x, y, { epochs: 3, batchSize, shuffle: false, verbose: 0 });
      const ours = resumed.getWeights();
      model.getWeights().forEach((w, i) => expect(Array.from(ours[i].data), `${name} weight ${i}`).toEqual(Array.from(w.data)));
      expect(Array.from((resumed.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
      model.dispose();
      resumed.dispose();
    });
  });

  it('includeOptimizer on an uncompiled model fails naming the cause; dispose returns all memory', async () => {
    const before = bytesInUse();
    const model = mlp();
    await expect(model.save(nn.io.withSaveHandler(() => undefined), { includeOptimizer: true })).rejects.toThrow(/compiled/);
    const loaded = await nn.loadModel(await artifactsOf(model));
    model.dispose();
    loaded.dispose();
    expect(bytesInUse()).toBe(before);
  });
});

describe('loading draws no random numbers', () => {
  it('the library generator is where it was: a layer built after a load gets the same weights', async () => {
    await nn.ready();
    const saved = await artifactsOf(mlp());
    const fresh = () => {
      const layer = nn.layers.dense({ units: 5 });
      layer.build([[4]]);
      const w = nn.sequential({ layers: [nn.layers.dense({ inputShape: [4], units: 5 })] });
      const values = w.getWeights()[0].data.slice();
      layer.dispose();
      w.dispose();
      return Array.from(values);
    };
    nn.setSeed(7);
    const expected = fresh();
    nn.setSeed(7);
    const loaded = await nn.loadModel(saved);
    const after = fresh();
    loaded.dispose();
    expect(after).toEqual(expected);
  });
});
