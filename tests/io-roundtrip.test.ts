// simdnn → save → load → identical predictions and weights, for every layer type, Sequential and functional.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed } from './helpers/kernels.js';
import { artifactsOf, batchFor, bytesInUse, cnn, everyLayerSequential, maxAbsDiff, mlp, randomizeWeights, residualConcat } from './helpers/io-models.js';

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
  expect(Array.from(b.predict(x).data)).toEqual(Array.from(a.predict(x).data));
}

describe(`save/load round trip (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel][] = [
    ['Dense MLP', mlp], ['CNN', cnn], ['every layer (Sequential)', everyLayerSequential], ['residual + concatenate (functional)', residualConcat],
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
      expect(maxAbsDiff(resumed.predict(x).data, model.predict(x).data)).toBeLessThanOrEqual(tol);
      model.dispose();
      resumed.dispose();
    }
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
