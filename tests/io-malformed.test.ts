// Malformed model.json and weights that do not match the manifest: an error naming the problem, and no wasm memory kept.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { artifactsOf, bytesInUse, cnn, mlp, residualConcat } from './helpers/io-models.js';

beforeAll(() => nn.ready());

type Files = Record<string, Uint8Array>;

/** model.json text and weight files of a small saved model. */
async function savedFiles(make: () => nn.LayersModel = mlp, options?: nn.io.SaveOptions & nn.io.ShardOptions): Promise<{ json: nn.io.ModelJSON; files: Files }> {
  const model = make();
  if (options?.includeOptimizer) {
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  }
  const { modelJSON, weightFiles } = nn.io.toModelJSON(await artifactsOf(model, options), options);
  model.dispose();
  return { json: JSON.parse(JSON.stringify(modelJSON)), files: weightFiles };
}

/** Loads and expects an error matching `message`, with the arena as it was before. */
async function expectFailure(json: unknown, files: Files, message: RegExp): Promise<void> {
  const before = bytesInUse();
  await expect(nn.loadModel(nn.io.fromModelJSON(json, files))).rejects.toThrow(message);
  expect(bytesInUse()).toBe(before);
}

describe('malformed model.json', () => {
  it('not JSON, truncated, or not an object', async () => {
    const { json, files } = await savedFiles();
    const text = JSON.stringify(json);
    await expectFailure('this is not json', files, /model.json is not valid JSON/);
    await expectFailure(text.slice(0, Math.floor(text.length / 2)), files, /model.json is not valid JSON \(truncated or corrupt\?\)/);
    await expectFailure('', files, /not valid JSON/);
    await expectFailure('[1, 2]', files, /expected a JSON object with modelTopology and weightsManifest, got \[1, 2\]/);
    await expectFailure(new TextEncoder().encode(text.slice(0, 40)), files, /not valid JSON/);
  });

  it('another format, missing modelTopology or weightsManifest', async () => {
    const { json, files } = await savedFiles();
    await expectFailure({ ...json, format: 'graph-model' }, files, /format is 'graph-model', expected 'layers-model'/);
    await expectFailure({ ...json, modelTopology: undefined }, files, /missing modelTopology/);
    await expectFailure({ ...json, weightsManifest: undefined }, files, /missing weightsManifest/);
    await expectFailure({ ...json, weightsManifest: [{ paths: 'weights.bin', weights: [] }] }, files, /weightsManifest\[0\] must be \{ paths: string\[\], weights/);
    await expect(nn.loadModel({ modelTopology: 'x' } as never)).rejects.toThrow(/missing modelTopology/);
    await expect(nn.loadModel(42 as never)).rejects.toThrow(/expected a URL string, model artifacts/);
    await expect(nn.loadModel('gopher://model')).rejects.toThrow(/no handler for 'gopher:\/\/model'/);
  });

  it('a topology that is not Keras JSON, or has unknown layers or options', async () => {
    const { json, files } = await savedFiles();
    const topo = json.modelTopology as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const edit = (fn: (t: typeof topo) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(json));
      fn(copy.modelTopology);
      return copy;
    };
    await expectFailure(edit((t) => { t.class_name = 'GraphModel'; }), files, /class_name 'GraphModel' is not supported; expected 'Sequential', 'Model' or 'Functional'/);
    await expectFailure(edit((t) => { t.config.layers = []; }), files, /non-empty 'layers' list/);
    await expectFailure(edit((t) => { t.config.layers[1].class_name = 'Conv3D'; }), files, /layer '.*' \(Conv3D\): layer class 'Conv3D' is not supported/);
    await expectFailure(edit((t) => { t.config.layers[1].config.units = -3; }), files, /config 'units' must be a positive integer, got -3/);
    await expectFailure(edit((t) => { t.config.layers[1].config.activation = 'hard_shrink'; }), files, /activation 'hard_shrink' is not supported/);
    await expectFailure(edit((t) => { t.config.layers[1].config.mystery = 1; }), files, /option 'mystery' \(1\) is not supported/);
    await expectFailure(edit((t) => { delete t.config.layers[0].config.batch_input_shape; }), files, /needs batch_input_shape/);
    await expectFailure(edit((t) => { t.config.layers[0].config.batch_input_shape = [null, null]; }), files, /variable sizes other than the batch are not supported/);
    await expectFailure(edit((t) => { t.config.layers[0].config.dtype = 'int32'; }), files, /dtype 'int32' is not supported/);
  });
});

describe('weights that do not match the manifest', () => {
  it('a missing shard, or shards of the wrong byte length', async () => {
    const { json, files } = await savedFiles(cnn);
    const bin = files['weights.bin'];
    await expectFailure(json, {}, /weights file 'weights.bin' .* could not be read: missing weights file 'weights.bin'/);
    await expectFailure(json, { 'weights.bin': bin.slice(0, bin.length - 4) }, new RegExp(`hold ${bin.length - 4} bytes but its 10 weights need ${bin.length} bytes`));
    await expectFailure(json, { 'weights.bin': new Uint8Array(bin.length + 1) }, /hold \d+ bytes but its 10 weights need \d+ bytes/);
    const sharded = await savedFiles(cnn, { shardBytes: 64 });
    const names = Object.keys(sharded.files);
    const { [names[1]]: _dropped, ...rest } = sharded.files;
    await expectFailure(sharded.json, rest, new RegExp(`weights file '${names[1]}'.*could not be read`));
  });

  it('a weight of the wrong shape, missing, extra, duplicated or of an unsupported dtype', async () => {
    const { json, files } = await savedFiles(residualConcat);
    const specs = json.weightsManifest[0].weights;
    const withSpecs = (fn: (s: nn.io.WeightSpec[]) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(json));
      fn(copy.weightsManifest[0].weights);
      return copy;
    };
    // The last layer's kernel with its dimensions swapped: same byte count, wrong shape.
    const last = specs.findIndex((s) => s.name.endsWith('/kernel') && s.shape.length === 2);
    const [a, b] = specs[last].shape;
    await expectFailure(withSpecs((s) => { s[last].shape = [b, a]; }), files,
      new RegExp(`weight '${specs[last].name}' has shape \\[${b}, ${a}\\] but layer '.*' \\(Dense\\) expects \\[${a}, ${b}\\]`));
    await expectFailure(withSpecs((s) => { s[last].name = 'elsewhere/kernel'; }), files, new RegExp(`no weight '${specs[last].name}'`));
    await expectFailure(withSpecs((s) => { s[0].dtype = 'float64'; }), files, /dtype 'float64' is not supported/);
    await expectFailure(withSpecs((s) => { s[0].shape = [-1]; }), files, /shape must be a list of non-negative integers/);
    await expectFailure(withSpecs((s) => { s[1].name = s[0].name; }), files, /appears twice/);
    const extra = withSpecs((s) => { s.push({ name: 'ghost/kernel', shape: [1], dtype: 'float32' }); });
    await expectFailure(extra, { 'weights.bin': new Uint8Array([...files['weights.bin'], 0, 0, 0, 0]) }, /weight 'ghost\/kernel' matches no weight/);
  });

  it('broken optimizer state or training config fails after building, and frees everything', async () => {
    const { json, files } = await savedFiles(mlp, { includeOptimizer: true });
    const broken = JSON.parse(JSON.stringify(json));
    const specs: nn.io.WeightSpec[] = broken.weightsManifest[0].weights;
    const m = specs.findIndex((s) => s.name.endsWith('/m'));
    specs[m].name = 'nowhere/m';
    await expectFailure(broken, files, /optimizer state: weight '.*\/m' is missing from the manifest/);
    await expectFailure({ ...json, trainingConfig: { ...json.trainingConfig, loss: 'ctc' } }, files, /unknown loss 'ctc'/);
    await expectFailure({ ...json, trainingConfig: { ...json.trainingConfig, optimizer_config: { class_name: 'Ftrl', config: {} } } }, files, /optimizer 'Ftrl' is not supported/);
    await expectFailure({ ...json, trainingConfig: { ...json.trainingConfig, optimizer_config: { class_name: 'RMSProp', config: { learningRate: 0.1, decay: 1.5 } } } }, files, /optimizer RMSProp: rmsprop: rho must be a number in \[0, 1\)/);
    await expectFailure({ ...json, trainingConfig: { ...json.trainingConfig, optimizer_config: { class_name: 'Adamax', config: { learningRate: 0.1, decay: 0.01 } } } }, files, /optimizer Adamax: option 'decay' = 0.01 is not supported/);
  });
});
