// Several inputs, several outputs and shared layers in the TF.js Layers format: simdnn ↔ TF.js 4.22 (cpu backend)
// predict the same within 1e-5 both ways, simdnn → simdnn bit-identically (a model used as a layer twice too), and
// malformed connections (missing nodes, other tensors, repeated outputs, inputs that are not InputLayers) are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, bytesInUse, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/**
 * Tolerance: float32 sums of at most 10 products of values below 1.5 through three layers, in another order than
 * tfjs's: a few roundings of 2^-24 relative each, far below 1e-5.
 */
const TOLERANCE = 1e-5;

/** a, b: [6] → one dense(5, relu) applied to both → concatenate → 'cls' dense(3, softmax) and 'reg' dense(1). */
function twoHeads(): nn.Functional<nn.Tensor[]> {
  const a = nn.input({ shape: [6], name: 'a' });
  const b = nn.input({ shape: [6], name: 'b' });
  const shared = nn.layers.dense({ units: 5, activation: 'relu', name: 'shared' });
  const joined = nn.layers.concatenate({ name: 'joined' }).apply([shared.apply(a), shared.apply(b)]);
  const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
  const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(joined);
  return nn.model({ inputs: [a, b], outputs: [cls, reg], name: 'two_heads' });
}

/**
 * Two shared layers crossed: 'inner' maps a and b, then 'outer' maps inner(b) before inner(a), so outer's node 0
 * reads inner's node 1; the two results are added and feed one output.
 */
function crossed(): nn.Functional<nn.Tensor> {
  const a = nn.input({ shape: [4], name: 'a' });
  const b = nn.input({ shape: [4], name: 'b' });
  const inner = nn.layers.dense({ units: 4, activation: 'tanh', name: 'inner' });
  const outer = nn.layers.dense({ units: 3, name: 'outer' });
  const ia = inner.apply(a);
  const ib = inner.apply(b);
  const sum = nn.layers.add({ name: 'sum' }).apply([outer.apply(ib), outer.apply(ia)]);
  return nn.model({ inputs: [a, b], outputs: sum, name: 'crossed' });
}

/**
 * Shared layers at different depths: M, N, M again, then L, and L applied to the input too. A loader that
 * applies each layer's ready nodes pass after pass in the layer list's order (TF.js) makes L(x) before
 * L(M(N(M(x)))); the file numbers L's nodes in that order.
 */
function depths(): nn.Functional<nn.Tensor[]> {
  const x = nn.input({ shape: [3], name: 'x' });
  const m = nn.layers.dense({ units: 3, activation: 'tanh', name: 'm' });
  const n = nn.layers.dense({ units: 3, activation: 'tanh', name: 'n' });
  const l = nn.layers.dense({ units: 3, name: 'l' });
  const deep = l.apply(m.apply(n.apply(m.apply(x))));
  const shallow = l.apply(x);
  return nn.model({ inputs: x, outputs: [deep, nn.layers.activation({ activation: 'sigmoid', name: 'shallow' }).apply(shallow)], name: 'depths' });
}

/** A Sequential encoder applied to both inputs of a siamese model; the codes multiplied and concatenated, then a head. */
function siamese(): { encoder: nn.Sequential; model: nn.Functional<nn.Tensor> } {
  const encoder = nn.sequential({ name: 'encoder', layers: [
    nn.layers.dense({ inputShape: [5], units: 4, activation: 'tanh', name: 'enc_hidden' }),
    nn.layers.dense({ units: 3, name: 'enc_code' }),
  ] });
  const a = nn.input({ shape: [5], name: 'left' });
  const b = nn.input({ shape: [5], name: 'right' });
  const ea = encoder.apply(a) as nn.SymbolicTensor;
  const eb = encoder.apply(b) as nn.SymbolicTensor;
  const both = nn.layers.concatenate({ name: 'both' }).apply([ea, eb, nn.layers.multiply({ name: 'product' }).apply([ea, eb])]);
  const out = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(both);
  return { encoder, model: nn.model({ inputs: [a, b], outputs: out, name: 'siamese' }) };
}

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

/** Random weights for a tfjs model. */
function randomizeTf(model: tf.LayersModel, s: number): void {
  const rng = makeRng(s);
  model.setWeights(model.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((p: number, d) => p * (d as number), 1), rng, -0.8, 0.8), w.shape as number[])));
}

/** tfjs predictions for simdnn input tensors, one array per output. */
function tfPredict(model: tf.LayersModel, xs: nn.Tensor[]): Float32Array[] {
  const out = model.predict(xs.map((x) => tf.tensor(x.data, [...x.shape])));
  return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
}

/** simdnn predictions, one array per output. */
function ourPredict(model: nn.LayersModel, xs: nn.Tensor[]): Float32Array[] {
  const out = model.predict(xs);
  return (Array.isArray(out) ? out : [out]).map((t) => t.data);
}

type Topology = { class_name: string; config: { layers: { name: string; class_name: string; inbound_nodes: unknown[][] }[]; input_layers: unknown; output_layers: unknown } };

describe(`simdnn → TensorFlow.js (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel][] = [
    ['two inputs, two outputs, a dense layer shared by both inputs', twoHeads],
    ['two shared layers crossed (a node reads another layer\'s later node)', crossed],
    ['a Sequential encoder applied to both inputs of a siamese model', () => siamese().model],
    ['shared layers at different depths (TF.js applies a later node of a layer first)', depths],
  ];
  cases.forEach(([name, make], ci) => {
    it(`${name}: tf.loadLayersModel predicts every output the same within 1e-5`, async () => {
      const model = make();
      randomizeWeights(model, seed + ci);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
      expect(loaded.inputNames).toEqual(model.inputNames);
      expect(loaded.outputNames).toEqual(model.outputNames);
      expect(loaded.weights.length).toBe(model.getWeights().length); // a shared layer's weights once
      const xs = model.inputShapes.map((shape, i) => batchFor(shape, 4, seed + 10 * ci + i));
      const ours = ourPredict(model, xs);
      const theirs = tfPredict(loaded, xs);
      expect(theirs.length).toBe(ours.length);
      ours.forEach((o, i) => expect(maxAbsDiff(theirs[i], o)).toBeLessThan(TOLERANCE));
      loaded.dispose();
      model.dispose();
    });
  });

  it('writes one InputLayer per input, one entry per shared layer with an inbound node per application, and outputs as [name, node, 0]', async () => {
    const model = twoHeads();
    const top = (await artifactsOf(model)).modelTopology as Topology;
    expect(top.config.input_layers).toEqual([['a', 0, 0], ['b', 0, 0]]);
    expect(top.config.output_layers).toEqual([['cls', 0, 0], ['reg', 0, 0]]);
    expect(top.config.layers.map((l) => l.name)).toEqual(['a', 'b', 'shared', 'joined', 'cls', 'reg']);
    const entry = (name: string) => top.config.layers.find((l) => l.name === name)!;
    expect(entry('shared').inbound_nodes).toEqual([[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    expect(entry('joined').inbound_nodes).toEqual([[['shared', 0, 0, {}], ['shared', 1, 0, {}]]]);
    model.dispose();
  });

  it('a shared layer\'s nodes are numbered in the order a TF.js or Keras loader applies them, not in graph order', async () => {
    const model = depths();
    const top = (await artifactsOf(model)).modelTopology as Topology;
    expect(top.config.layers.find((l) => l.name === 'l')!.inbound_nodes).toEqual([[['x', 0, 0, {}]], [['m', 1, 0, {}]]]);
    expect(top.config.output_layers).toEqual([['l', 1, 0], ['shallow', 0, 0]]);
    model.dispose();
  });

  it('node indices count the applications in this model only: a layer applied elsewhere first is node 0 here', async () => {
    const shared = nn.layers.dense({ units: 2, name: 'shared' });
    shared.apply(nn.input({ shape: [3], name: 'elsewhere' })); // application 0, in another graph
    const x = nn.input({ shape: [3], name: 'x' });
    const y = shared.apply(x);                                     // application 1 globally, node 0 of this model
    const z = nn.layers.dense({ units: 2, name: 'head' }).apply(shared.apply(x)); // application 2, node 1 here
    const model = nn.model({ inputs: x, outputs: [y, z] });
    randomizeWeights(model, seed + 5);
    const artifacts = await artifactsOf(model);
    const top = artifacts.modelTopology as Topology;
    expect(top.config.layers.find((l) => l.name === 'shared')!.inbound_nodes).toEqual([[['x', 0, 0, {}]], [['x', 0, 0, {}]]]);
    expect(top.config.output_layers).toEqual([['shared', 0, 0], ['head', 0, 0]]);
    expect(top.config.layers.find((l) => l.name === 'head')!.inbound_nodes).toEqual([[['shared', 1, 0, {}]]]);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const xs = [batchFor([3], 3, seed + 6)];
    const ours = ourPredict(model, xs);
    tfPredict(loaded, xs).forEach((t, i) => expect(maxAbsDiff(t, ours[i])).toBeLessThan(TOLERANCE));
    loaded.dispose();
    model.dispose();
    shared.dispose();
  });
});

describe(`TensorFlow.js → simdnn (seed ${seed})`, () => {
  function tfTwoHeads(): tf.LayersModel {
    const a = tf.input({ shape: [6], name: 'a' });
    const b = tf.input({ shape: [6], name: 'b' });
    const shared = tf.layers.dense({ units: 5, activation: 'relu', name: 'shared' });
    const joined = tf.layers.concatenate({ name: 'joined' }).apply([shared.apply(a) as tf.SymbolicTensor, shared.apply(b) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined) as tf.SymbolicTensor;
    const reg = tf.layers.dense({ units: 1, name: 'reg' }).apply(joined) as tf.SymbolicTensor;
    return tf.model({ inputs: [a, b], outputs: [cls, reg] });
  }
  function tfCrossed(): tf.LayersModel {
    const a = tf.input({ shape: [4], name: 'a' });
    const b = tf.input({ shape: [4], name: 'b' });
    const inner = tf.layers.dense({ units: 4, activation: 'tanh', name: 'inner' });
    const outer = tf.layers.dense({ units: 3, name: 'outer' });
    const ia = inner.apply(a) as tf.SymbolicTensor;
    const ib = inner.apply(b) as tf.SymbolicTensor;
    const ob = outer.apply(ib) as tf.SymbolicTensor; // outer's node 0 reads inner's node 1
    const oa = outer.apply(ia) as tf.SymbolicTensor;
    return tf.model({ inputs: [a, b], outputs: [tf.layers.add({ name: 'sum' }).apply([ob, oa]) as tf.SymbolicTensor, oa] });
  }
  /** {@link depths} in TF.js, which numbers l's nodes in the order they were made (TF.js itself may not reload this). */
  function tfDepths(): tf.LayersModel {
    const x = tf.input({ shape: [3], name: 'x' });
    const m = tf.layers.dense({ units: 3, activation: 'tanh', name: 'm' });
    const n = tf.layers.dense({ units: 3, activation: 'tanh', name: 'n' });
    const l = tf.layers.dense({ units: 3, name: 'l' });
    const deep = l.apply(m.apply(n.apply(m.apply(x)))) as tf.SymbolicTensor;
    const shallow = tf.layers.activation({ activation: 'sigmoid', name: 'shallow' }).apply(l.apply(x)) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: [deep, shallow] });
  }
  const cases: [string, () => tf.LayersModel][] = [
    ['two inputs, two outputs, a dense layer shared by both inputs', tfTwoHeads],
    ['shared layers at different depths, a node made first reading a layer\'s second node', tfDepths],
    ['two shared layers crossed, a shared layer\'s second node as an output', tfCrossed],
  ];
  cases.forEach(([name, make], ci) => {
    it(`${name}: nn.loadModel predicts every output the same within 1e-5`, async () => {
      const model = make();
      randomizeTf(model, seed + 20 + ci);
      const before = bytesInUse();
      const ours = await nn.loadModel(await tfjsArtifacts(model) as nn.io.ModelArtifacts);
      expect(ours.inputNames).toEqual(model.inputNames);
      expect(ours.outputNames).toEqual(model.outputNames);
      expect(ours.layers.map((l) => l.name)).toEqual(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name));
      const xs = ours.inputShapes.map((shape, i) => batchFor(shape, 5, seed + 30 + 10 * ci + i));
      const out = ours.predict(xs);
      expect(Array.isArray(out)).toBe(true); // a list of outputs in the file gives a list
      const theirs = tfPredict(model, xs);
      (out as nn.Tensor[]).forEach((o, i) => expect(maxAbsDiff(o.data, theirs[i])).toBeLessThan(TOLERANCE));
      ours.dispose();
      expect(bytesInUse()).toBe(before);
      model.dispose();
    });
  });
});

describe(`simdnn → simdnn (seed ${seed})`, () => {
  const cases: [string, () => nn.LayersModel][] = [
    ['two inputs, two outputs, a shared dense layer', twoHeads],
    ['two shared layers crossed', crossed],
    ['shared layers at different depths', depths],
    ['a siamese model using a Sequential encoder twice', () => siamese().model],
    ['a siamese model using a two-input functional model twice', () => {
      const p = nn.input({ shape: [3], name: 'p' });
      const q = nn.input({ shape: [2], name: 'q' });
      const pair = nn.model({ name: 'pair', inputs: [p, q], outputs: nn.layers.dense({ units: 2, activation: 'tanh', name: 'pair_dense' })
        .apply(nn.layers.concatenate({ name: 'pair_cat' }).apply([p, q])) });
      const a = nn.input({ shape: [3], name: 'a' });
      const b = nn.input({ shape: [2], name: 'b' });
      const first = pair.apply([a, b]) as nn.SymbolicTensor;
      const second = pair.apply([nn.layers.dense({ units: 3, name: 'a2' }).apply(a), b]) as nn.SymbolicTensor;
      return nn.model({ inputs: [a, b], outputs: [first, nn.layers.add({ name: 'sum' }).apply([first, second])] });
    }],
  ];
  cases.forEach(([name, make], ci) => {
    it(`${name}: saves, loads and predicts bit-identically; the loaded model saves the same file`, async () => {
      const model = make();
      randomizeWeights(model, seed + 50 + ci);
      const artifacts = await artifactsOf(model);
      const loaded = await nn.loadModel(nn.io.fromModelJSON(JSON.stringify(nn.io.toModelJSON(artifacts).modelJSON), nn.io.toModelJSON(artifacts).weightFiles));
      expect(loaded.inputNames).toEqual(model.inputNames);
      expect(loaded.outputNames).toEqual(model.outputNames);
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const xs = model.inputShapes.map((shape, i) => batchFor(shape, 3, seed + 60 + 10 * ci + i));
      const ours = ourPredict(model, xs);
      ourPredict(loaded, xs).forEach((o, i) => expect(Array.from(o)).toEqual(Array.from(ours[i])));
      expect(Array.isArray(loaded.predict(xs))).toBe(Array.isArray(model.predict(xs)));
      expect((await artifactsOf(loaded)).modelTopology).toEqual(artifacts.modelTopology);
      loaded.dispose();
      model.dispose();
    });
  });

  it('an input named as a layer is renamed in the file; the loaded model takes data keyed by the new name', async () => {
    const a = nn.input({ shape: [2], name: 'dense' });
    const b = nn.input({ shape: [2], name: 'dense_input' });
    const model = nn.model({ inputs: [a, b], outputs: nn.layers.add({ name: 'dense_input_input' }).apply([nn.layers.dense({ units: 2, name: 'dense' }).apply(a), b]) });
    const top = (await artifactsOf(model)).modelTopology as Topology;
    expect(top.config.input_layers).toEqual([['dense_input', 0, 0], ['dense_input_input_input', 0, 0]]);
    const loaded = await nn.loadModel(await artifactsOf(model));
    expect(loaded.inputNames).toEqual(['dense_input', 'dense_input_input_input']);
    loaded.dispose();
    model.dispose();
  });

  it('a per-output training config and optimizer state round-trip: the loaded model evaluates the same losses', async () => {
    const model = twoHeads();
    randomizeWeights(model, seed + 70);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: { cls: 'categoricalCrossentropy', reg: 'meanSquaredError' }, lossWeights: { cls: 1, reg: 0.5 } });
    const xs = [batchFor([6], 6, seed + 71), batchFor([6], 6, seed + 72)];
    const ys = [nn.data.toCategorical(new Uint8Array([0, 1, 2, 0, 1, 2]), 3), batchFor([1], 6, seed + 73)];
    await model.fit(xs, ys, { epochs: 2, batchSize: 3, shuffle: false, verbose: 0 });
    const loaded = await nn.loadModel(await artifactsOf(model, { includeOptimizer: true }));
    expect(await loaded.evaluate(xs, ys)).toEqual(await model.evaluate(xs, ys));
    await model.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0 });
    await loaded.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false, verbose: 0 });
    expect(loaded.getWeights().map((w) => Array.from(w.data))).toEqual(model.getWeights().map((w) => Array.from(w.data)));
    loaded.dispose();
    model.dispose();
  });
});

describe('malformed multi-input, multi-output and shared-layer files', () => {
  type Layers = Topology['config']['layers'];
  async function edited(fn: (config: Topology['config'], layer: (name: string) => Layers[number]) => void): Promise<nn.io.ModelArtifacts> {
    const model = twoHeads();
    const artifacts = await artifactsOf(model);
    model.dispose();
    const copy = JSON.parse(JSON.stringify(artifacts.modelTopology)) as Topology;
    fn(copy.config, (name) => copy.config.layers.find((l) => l.name === name)!);
    return { ...artifacts, modelTopology: copy as never };
  }
  const cases: [string, Parameters<typeof edited>[0], string | RegExp][] = [
    ['a reference to a node that does not exist', (_, layer) => { layer('joined').inbound_nodes[0][1] = ['shared', 2, 0, {}]; },
      "layer 'joined' (Concatenate): reference ['shared', 2, 0, {}] asks for node 2 of layer 'shared', which has 2 nodes (0..1)"],
    ['a reference to an InputLayer\'s node 1', (_, layer) => { layer('shared').inbound_nodes[1] = [['b', 1, 0, {}]]; },
      "layer 'shared' (Dense) inbound node 1: reference ['b', 1, 0, {}] asks for node 1 of layer 'b', which has 1 node (0)"],
    ['a reference to a second output tensor', (_, layer) => { layer('cls').inbound_nodes[0][0] = ['joined', 0, 1, {}]; },
      "layer 'cls' (Dense): reference ['joined', 0, 1] asks for output 1 of layer 'joined', which has 1 output (0)"],
    ['an output tensor index other than 0', (config) => { config.output_layers = [['cls', 0, 0], ['reg', 0, 2]]; },
      "output_layers: reference ['reg', 0, 2] asks for output 2 of layer 'reg', which has 1 output (0)"],
    ['a node index that is not an integer', (_, layer) => { layer('joined').inbound_nodes[0][0] = ['shared', 0.5, 0, {}]; },
      "layer 'joined' (Concatenate): reference ['shared', 0.5, 0, {}] must have integer node and tensor indices"],
    ['an output listed twice', (config) => { config.output_layers = [['cls', 0, 0], ['reg', 0, 0], ['cls', 0, 0]]; },
      "modelTopology: output_layers lists ['cls', 0, 0] twice"],
    ['an input listed twice', (config) => { config.input_layers = [['a', 0, 0], ['a', 0, 0]]; },
      "modelTopology: input_layers lists ['a', 0, 0] twice"],
    ['an input_layers entry that is not an InputLayer', (config) => { config.input_layers = [['a', 0, 0], ['shared', 1, 0]]; },
      "modelTopology: input_layers lists 'shared', a Dense layer; each model input must be an InputLayer"],
    ['an empty output_layers', (config) => { config.output_layers = []; },
      'modelTopology: output_layers must be a non-empty list of [layerName, nodeIndex, tensorIndex], got []'],
    ['a layer with no inbound nodes', (_, layer) => { layer('reg').inbound_nodes = []; },
      "layer 'reg' (Dense): inbound_nodes must list at least one application of the layer, got []"],
    ['a shared layer applied to an input of another shape', (config) => {
      (config.layers[1] as unknown as { config: { batch_input_shape: unknown } }).config.batch_input_shape = [null, 7];
    }, /Dense 'shared': already built for input \[6\], cannot reuse it for \[7\]/],
    ['a cycle through a shared layer\'s second node', (_, layer) => { layer('shared').inbound_nodes[1] = [['cls', 0, 0, {}]]; },
      /modelTopology: the graph has a cycle through layer '(shared|joined|cls)'/],
    ['an input the outputs need but the file does not list', (config) => { config.input_layers = [['a', 0, 0]]; },
      /the outputs depend on b, which is not among the inputs \(a\)/],
  ];
  cases.forEach(([what, edit, message]) => {
    it(`${what} is refused naming it; memory is left as it was`, async () => {
      const artifacts = await edited(edit);
      const before = bytesInUse();
      await expect(nn.loadModel(artifacts)).rejects.toThrow(message);
      expect(bytesInUse()).toBe(before);
    });
  });
});
