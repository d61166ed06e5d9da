// Models saved by Keras 3 itself (tests/fixtures/keras3, written by scripts/fixtures/make_keras3.py with Keras 3.15 on
// torch): the topology is the .keras archive's config.json as Keras wrote it, the weights are under their Keras 3
// paths. simdnn loads each and predicts what Keras predicted; values it cannot honour are refused by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { artifactsOf, bytesInUse, maxAbsDiff } from './helpers/io-models.js';

beforeAll(() => nn.ready());

const FIXTURES = join(__dirname, 'fixtures', 'keras3');

interface Reference { keras: string; x: { shape: number[]; data: number[] }; y: { shape: number[]; data: number[] } }

function files(name: string): { json: nn.io.ModelJSON; weights: Record<string, Uint8Array>; reference?: Reference } {
  const dir = join(FIXTURES, name);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as nn.io.ModelJSON;
  const weights = { 'weights.bin': new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
  let reference: Reference | undefined;
  try {
    reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
  } catch {
    reference = undefined;
  }
  return { json, weights, reference };
}

async function load(json: unknown, weights: Record<string, Uint8Array>): Promise<nn.LayersModel> {
  return nn.loadModel(nn.io.fromModelJSON(json, weights));
}

/** Every layer config (at any depth of nesting) of a Keras topology, with its class name. */
function layerConfigs(topology: unknown): { class_name: string; config: Record<string, unknown> }[] {
  const out: { class_name: string; config: Record<string, unknown> }[] = [];
  const walk = (entry: { class_name: string; config: { layers?: unknown[] } & Record<string, unknown> }): void => {
    out.push(entry);
    for (const child of entry.config.layers ?? []) walk(child as typeof entry);
  };
  walk(topology as never);
  return out;
}

/**
 * Keras (torch, float32) and simdnn sum products in different orders: outputs of magnitude ≤ 2 differ by a few
 * float32 roundings (2^-24 relative) of sums of at most ~40 terms through a handful of layers: well below 1e-5
 * (measured: at most 6e-8).
 */
const TOLERANCE = 1e-5;

describe('models saved by Keras 3', () => {
  const cases: [string, string[]][] = [
    ['cnn', ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dropout', 'Dense']],
    ['every_layer', ['RandomFlip', 'RandomTranslation', 'RandomRotation', 'RandomZoom', 'GaussianNoise', 'Conv2D', 'BatchNormalization', 'Activation',
      'MaxPooling2D', 'AveragePooling2D', 'Reshape', 'Dense', 'Flatten', 'Dropout', 'Dense', 'Dense']],
    ['residual', ['Conv2D', 'Conv2D', 'BatchNormalization', 'Add', 'Conv2D', 'Concatenate', 'GlobalAveragePooling2D', 'Dense']],
    // A functional model nested in a Sequential nested in a functional model: inlined into one graph.
    ['nested', ['Dense', 'Dense', 'Add', 'Dense', 'Dense']],
    // Keras 3's bilinear UpSampling2D samples at half-pixel centres: read so (TF.js's o/s would be 0.16 off here).
    ['shape_layers', ['ZeroPadding2D', 'Conv2D', 'Cropping2D', 'UpSampling2D', 'ZeroPadding2D', 'Permute', 'Cropping2D', 'UpSampling2D',
      'GlobalMaxPooling2D', 'GlobalAveragePooling2D', 'Permute', 'Flatten', 'RepeatVector', 'Permute', 'Flatten', 'Dense']],
  ];
  for (const [name, classes] of cases) {
    it(`${name}: loads and predicts what Keras predicted; saves and loads again unchanged`, async () => {
      const { json, weights, reference } = files(name);
      const model = await load(json, weights);
      expect(model.layers.map((l) => l.className)).toEqual(classes);
      const x = nn.tensor(new Float32Array(reference!.x.data), reference!.x.shape);
      const y = model.predict(x) as nn.Tensor;
      expect(y.shape).toEqual(reference!.y.shape);
      expect(maxAbsDiff(y.data, reference!.y.data)).toBeLessThan(TOLERANCE);
      const again = await nn.loadModel(await artifactsOf(model));
      expect(Array.from((again.predict(x) as nn.Tensor).data)).toEqual(Array.from(y.data));
      model.dispose();
      again.dispose();
    });
  }

  it('the files hold the keys Keras 3 writes today (optional: false, quantization_config: null, nested Functional)', () => {
    const cnn = layerConfigs(files('cnn').json.modelTopology);
    expect(cnn.find((l) => l.class_name === 'InputLayer')!.config).toMatchObject({ optional: false });
    expect(cnn.find((l) => l.class_name === 'Dense')!.config).toHaveProperty('quantization_config', null);
    expect(layerConfigs(files('nested').json.modelTopology).map((l) => l.class_name)).toContain('Functional');
  });

  it('a nested model keeps its layer names; a frozen one freezes its layers', async () => {
    const { json, weights } = files('nested');
    const model = await load(json, weights);
    expect(model.layers.map((l) => l.name)).toEqual(['base_hidden', 'base_mix', 'base_skip', 'middle_dense', 'outer_head']);
    model.dispose();
    const frozen = JSON.parse(JSON.stringify(json));
    const middle = frozen.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Sequential');
    middle.config.trainable = false;
    const loaded = await load(frozen, weights);
    expect(loaded.layers.map((l) => l.trainable)).toEqual([false, false, false, false, true]);
    loaded.dispose();
  });

  it('a nested model applied twice is inlined twice, sharing its layers; one given the wrong number of inputs is refused naming it', async () => {
    const { json, weights, reference } = files('nested');
    const twice = JSON.parse(JSON.stringify(json));
    const layers = twice.modelTopology.config.layers as { class_name: string; name: string; inbound_nodes: unknown[] }[];
    const middle = layers.find((l) => l.class_name === 'Sequential')!;
    middle.inbound_nodes = [middle.inbound_nodes[0], middle.inbound_nodes[0]];
    // The head reads the second application: the same layers on the same input, so Keras's predictions.
    const head = layers.find((l) => l.name === 'outer_head')!;
    head.inbound_nodes = JSON.parse(JSON.stringify(head.inbound_nodes).replace('["middle",0,0]', '["middle",1,0]'));
    const model = await load(twice, weights);
    expect(model.layers.map((l) => l.name)).toEqual(['base_hidden', 'base_mix', 'base_skip', 'middle_dense', 'outer_head']);
    const y = model.predict(nn.tensor(new Float32Array(reference!.x.data), reference!.x.shape)) as nn.Tensor;
    expect(maxAbsDiff(y.data, reference!.y.data)).toBeLessThan(TOLERANCE);
    model.dispose();
    const twoInputs = JSON.parse(JSON.stringify(json));
    const base = twoInputs.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Sequential').config.layers
      .find((l: { class_name: string }) => l.class_name === 'Functional');
    base.config.input_layers = [['features', 0, 0], ['features', 0, 0]];
    await expect(load(twoInputs, weights)).rejects.toThrow(/modelTopology: nested model 'base' has 2 inputs \(features, features\) but its application 0 gives 1/);
  });

  it('references to a nested model or inside it that name no node are refused naming them; memory is left as it was', async () => {
    const { json, weights } = files('shared_multi');
    type Entry = { name: string; config: { layers: Entry[] }; inbound_nodes: { args: { config: { keras_history: unknown[] } }[] }[] };
    const edit = (fn: (layer: (name: string) => Entry) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(json));
      fn((name) => copy.modelTopology.config.layers.find((l: Entry) => l.name === name));
      return copy;
    };
    const innerDense = (layer: (name: string) => Entry): Entry => layer('scale').config.layers.find((l) => l.name === 'scale_dense')!;
    const cases: [unknown, string][] = [
      [edit((layer) => { (layer('joined').inbound_nodes[0].args[0] as unknown as Entry['inbound_nodes'][0]['args'])[1].config.keras_history = ['scale', 2, 0]; }),
        "modelTopology: reference ['scale', 2, 0] asks for output 0 of application 2 of nested model 'scale', which has 1 output and 2 applications"],
      [edit((layer) => { (layer('joined').inbound_nodes[0].args[0] as unknown as Entry['inbound_nodes'][0]['args'])[0].config.keras_history = ['scale', 0, 1]; }),
        "modelTopology: reference ['scale', 0, 1] asks for output 1 of application 0 of nested model 'scale', which has 1 output and 2 applications"],
      [edit((layer) => { innerDense(layer).inbound_nodes[0].args[0].config.keras_history = ['code', 1, 0]; }),
        "modelTopology: nested model 'scale': reference ['code', 1, 0] to its input 'code' must be [name, 0, 0]"],
      [edit((layer) => { // a second inner Dense reading scale_dense's node 1, which the model does not have
        const extra = JSON.parse(JSON.stringify(innerDense(layer))) as Entry;
        Object.assign(extra, { name: 'extra', config: { ...extra.config, name: 'extra' } });
        extra.inbound_nodes[0].args[0].config.keras_history = ['scale_dense', 1, 0];
        layer('scale').config.layers.push(extra); }),
        "modelTopology: nested model 'scale': reference ['scale_dense', 1, 0] asks for node 1 of layer 'scale_dense', which has 1 inside the model"],
      [edit((layer) => { layer('scale').inbound_nodes = []; }), "modelTopology: nested model 'scale' must be applied at least once; got inbound nodes []"],
      [edit((layer) => { layer('scale').config.layers.push(5 as never); }), "modelTopology: a layer of 'scale' must be { class_name, config }, got 5"],
    ];
    for (const [broken, message] of cases) {
      const before = bytesInUse();
      await expect(load(broken, weights), message).rejects.toThrow(message);
      expect(bytesInUse()).toBe(before);
    }
  });

  it('a value simdnn cannot honour is refused naming the layer and the key; memory is left as it was', async () => {
    const { json, weights } = files('cnn');
    const edit = (fn: (layers: { class_name: string; config: Record<string, unknown> }[]) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(json));
      fn(copy.modelTopology.config.layers);
      return copy;
    };
    const dense = (layers: { class_name: string; config: Record<string, unknown> }[]) => layers.find((l) => l.class_name === 'Dense')!.config;
    const conv = (layers: { class_name: string; config: Record<string, unknown> }[]) => layers.find((l) => l.class_name === 'Conv2D')!.config;
    const cases: [unknown, RegExp][] = [
      [edit((l) => { dense(l).quantization_config = { class_name: 'Int8QuantizationConfig', config: {} }; }), /layer 'dense' \(Dense\): option 'quantization_config' = .*Int8QuantizationConfig.* is not supported/],
      [edit((l) => { dense(l).lora_rank = 4; }), /layer 'dense' \(Dense\): option 'lora_rank' = 4 is not supported/],
      [edit((l) => { l[0].config.optional = true; }), /\(InputLayer\): option 'optional' = true is not supported \(supported: false\)/],
      [edit((l) => { conv(l).groups = 2; }), /Conv2D 'conv2d': input channels \(1\) must be divisible by groups \(2\)/], // groups are supported, but not on 1 channel
      [edit((l) => { conv(l).activation = 'celu'; }), /layer 'conv2d' \(Conv2D\): activation 'celu' is not supported/],
      [edit((l) => { conv(l).data_format = 'channels_first'; }), /option 'data_format' = 'channels_first' is not supported/],
      [edit((l) => { dense(l).kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }; }), /layer 'dense' \(Dense\): option 'kernel_constraint' = .* is not supported/],
      [edit((l) => { dense(l).dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } }; }), /layer 'dense' \(Dense\): dtype .*mixed_float16.* is not supported/],
    ];
    const before = bytesInUse();
    for (const [broken, message] of cases) {
      await expect(load(broken, weights), String(message)).rejects.toThrow(message);
      expect(bytesInUse()).toBe(before);
    }
  });

  it('keys at their default or null are accepted', async () => {
    const { json, weights, reference } = files('cnn');
    const copy = JSON.parse(JSON.stringify(json));
    const dense = copy.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Dense').config;
    Object.assign(dense, { lora_rank: null, lora_alpha: null, quantization_config: null, activity_regularizer: null });
    const model = await load(copy, weights);
    expect(maxAbsDiff((model.predict(nn.tensor(new Float32Array(reference!.x.data), reference!.x.shape)) as nn.Tensor).data, reference!.y.data)).toBeLessThan(TOLERANCE);
    model.dispose();
  });

  it('two_inputs (Add of two inputs, then Dense) loads with both inputs and computes (a + b)·W + bias', async () => {
    const { json, weights } = files('two_inputs');
    const model = await load(json, weights);
    expect(model.inputNames).toEqual(['a', 'b']);
    const [w, bias] = model.getWeights().map((t) => t.data);
    const a = [0.5, -1, 0.25, 1, 0, -0.5];
    const b = [-0.25, 0.5, 1, 0.75, -1, 0.5];
    const y = model.predict([nn.tensor(new Float32Array(a), [2, 3]), nn.tensor(new Float32Array(b), [2, 3])]) as nn.Tensor;
    const expected = [0, 1].map((n) => [0, 1, 2].reduce((s, i) => s + (a[3 * n + i] + b[3 * n + i]) * w[i], bias[0]));
    expect(maxAbsDiff(y.data, expected)).toBeLessThan(TOLERANCE);
    model.dispose();
  });

  it('shared_multi (two inputs, two outputs, shared layers crossed, a nested model applied twice) predicts both outputs as Keras did', async () => {
    const { json, weights } = files('shared_multi');
    const reference = JSON.parse(readFileSync(join(FIXTURES, 'shared_multi', 'reference.json'), 'utf8')) as {
      x: { shape: number[]; data: number[] }[]; y: { shape: number[]; data: number[] }[];
    };
    const model = await load(json, weights);
    expect(model.inputNames).toEqual(['left', 'right']);
    expect(model.outputNames).toEqual(['cls', 'reg']);
    expect(model.layers.map((l) => l.name).sort()).toEqual(['cls', 'crossed', 'joined', 'reg', 'scale_dense', 'shared', 'sum']);
    const xs = reference.x.map((x) => nn.tensor(new Float32Array(x.data), x.shape));
    const ys = model.predict(xs) as nn.Tensor[];
    expect(ys.map((y) => y.shape)).toEqual(reference.y.map((y) => y.shape));
    ys.forEach((y, i) => expect(maxAbsDiff(y.data, reference.y[i].data)).toBeLessThan(TOLERANCE));
    const again = await nn.loadModel(await artifactsOf(model));
    (again.predict(xs) as nn.Tensor[]).forEach((y, i) => expect(Array.from(y.data)).toEqual(Array.from(ys[i].data)));
    again.dispose();
    model.dispose();
  });
});
