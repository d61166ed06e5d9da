// SimpleRNN, LSTM and GRU in files: save and load back (configs, weights, returned states in a
// functional graph), TensorFlow.js 4.22 both ways (its outputs on the same weights agree within a
// tolerance from the step count), and what a file may not ask for.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, maxAbsDiff } from './helpers/io-models.js';
import { stepTolerance } from './helpers/recurrent-ref.js';

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

/** Weights in ±scale, the same draws for a simdnn or a tfjs model of the same layout. */
function weightsFor(shapes: number[][], s: number, scale: number): Float32Array[] {
  const rng = makeRng(s);
  return shapes.map((shape) => randomArray(shape.reduce((a, b) => a * b, 1), rng, -scale, scale));
}

function setNn(model: nn.LayersModel, s: number, scale: number): void {
  const shapes = model.getWeights().map((w) => [...w.shape]);
  model.setWeights(weightsFor(shapes, s, scale).map((v, i) => nn.tensor(v, shapes[i])));
}

function setTf(model: tf.LayersModel, s: number, scale: number): void {
  const shapes = model.getWeights().map((w) => w.shape as number[]);
  model.setWeights(weightsFor(shapes, s, scale).map((v, i) => tf.tensor(v, shapes[i])));
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): Float32Array[] {
  const out = model.predict(tf.tensor(x.data, [...x.shape]));
  return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
}

function nnPredict(model: nn.LayersModel, x: nn.Tensor): Float32Array[] {
  const out = model.predict(x);
  return (Array.isArray(out) ? out : [out]).map((t) => t.data);
}

const T = 7, F = 3, U = 5;
/** Weights in ±1/(F + U + 1) and inputs in ±1 (the bound of stepTolerance). */
const SCALE = 1 / (F + U + 1);
const input = (s: number, n = 4): nn.Tensor => nn.tensor(randomArray(n * T * F, makeRng(s)), [n, T, F]);

/** One configuration, as simdnn and tfjs factories see it. */
interface Config { label: string; kind: 'SimpleRNN' | 'LSTM' | 'GRU'; options: Record<string, unknown> }
const CONFIGS: Config[] = [
  { label: 'SimpleRNN', kind: 'SimpleRNN', options: { units: U } },
  { label: 'SimpleRNN relu, goBackwards, sequences', kind: 'SimpleRNN', options: { units: U, activation: 'relu', goBackwards: true, returnSequences: true } },
  { label: 'LSTM (TF.js defaults)', kind: 'LSTM', options: { units: U } },
  { label: 'LSTM sigmoid gates, sequences, goBackwards, unitForgetBias', kind: 'LSTM',
    options: { units: U, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true, unitForgetBias: true } },
  { label: 'LSTM no bias, input dropout (training only)', kind: 'LSTM', options: { units: U, useBias: false, dropout: 0.3 } },
  { label: 'GRU (reset before, TF.js)', kind: 'GRU', options: { units: U } },
  { label: 'GRU sigmoid gates, goBackwards, sequences', kind: 'GRU', options: { units: U, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true } },
];

function nnLayer(c: Config, extra: Record<string, unknown> = {}): nn.Layer {
  const args = { ...c.options, ...extra } as never;
  return c.kind === 'SimpleRNN' ? nn.layers.simpleRNN(args) : c.kind === 'LSTM' ? nn.layers.lstm(args) : nn.layers.gru(args);
}

function tfLayer(c: Config, extra: Record<string, unknown> = {}): tf.layers.Layer {
  const args = { ...c.options, ...extra } as never;
  return c.kind === 'SimpleRNN' ? tf.layers.simpleRNN(args) : c.kind === 'LSTM' ? tf.layers.lstm(args) : tf.layers.gru(args);
}

/** Both sides compute in float32: twice one side's bound against float64. */
const interopTolerance = (kind: Config['kind']): number => 2 * stepTolerance(kind, T, F, U);

describe(`recurrent layers save and load (seed ${seed})`, () => {
  it('a Sequential of every layer kind and option loads back with the same configs, weights and predictions', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.lstm({ inputShape: [T, F], units: 6, returnSequences: true, recurrentActivation: 'sigmoid', unitForgetBias: true, kernelRegularizer: nn.regularizers.l2({ l2: 1e-3 }), dropout: 0.2, seed: 7 }),
      nn.layers.gru({ units: 5, returnSequences: true, resetAfter: true, goBackwards: true, activation: 'relu' }),
      nn.layers.gru({ units: 4, returnSequences: true, useBias: false, recurrentActivation: 'hardSigmoidKeras3' }),
      nn.layers.simpleRNN({ units: 3, activation: 'elu', recurrentInitializer: 'glorotUniform' }),
      nn.layers.dense({ units: 2 }),
    ] });
    setNn(model, seed, 0.3);
    const loaded = await nn.loadModel(await artifactsOf(model));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(loaded.getWeights().map((w) => Array.from(w.data))).toEqual(model.getWeights().map((w) => Array.from(w.data)));
    const x = input(seed + 1);
    expect(nnPredict(loaded, x)).toEqual(nnPredict(model, x));
    const gru = loaded.layers[1].getConfig();
    expect([gru.reset_after, gru.go_backwards, gru.activation]).toEqual([true, true, 'relu']);
    expect(loaded.layers[2].getConfig()).toMatchObject({ recurrent_activation: 'hard_sigmoid', dtype: { class_name: 'DTypePolicy' } });
    model.dispose();
    loaded.dispose();
  });

  it('returned states in a functional graph: [layer, node, tensor] references save and load', async () => {
    const x = nn.input({ shape: [T, F], name: 'tokens' });
    const [seq, h, c] = nn.layers.lstm({ units: U, returnSequences: true, returnState: true, name: 'encoder' }).apply(x);
    const last = nn.layers.simpleRNN({ units: 2, name: 'reader' }).apply(seq);
    const fromC = nn.layers.dense({ units: 2, name: 'from_c' }).apply(c);
    const model = nn.model({ inputs: x, outputs: [last, h, fromC] });
    setNn(model, seed + 2, 0.3);
    const artifacts = await artifactsOf(model);
    const topology = artifacts.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown }[]; output_layers: unknown } };
    expect(topology.config.output_layers).toEqual([['reader', 0, 0], ['encoder', 0, 1], ['from_c', 0, 0]]);
    expect(topology.config.layers.find((l) => l.name === 'from_c')!.inbound_nodes).toEqual([[['encoder', 0, 2, {}]]]);
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.outputNames).toEqual(['reader', 'encoder_1', 'from_c']);
    const xs = input(seed + 3);
    expect(nnPredict(loaded, xs)).toEqual(nnPredict(model, xs));
    model.dispose();
    loaded.dispose();
  });

  it('what a file may not ask for is refused by name', async () => {
    const model = nn.sequential({ layers: [nn.layers.lstm({ inputShape: [T, F], units: 2 })] });
    const artifacts = await artifactsOf(model);
    model.dispose();
    const edit = (key: string, value: unknown): nn.io.ModelArtifacts => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      topology.config.layers[0].config[key] = value;
      return { ...artifacts, modelTopology: topology as never };
    };
    await expect(nn.loadModel(edit('stateful', true))).rejects.toThrow(/option 'stateful' = true is not supported/);
    await expect(nn.loadModel(edit('recurrent_dropout', 0.25))).rejects.toThrow(/recurrentDropout 0.25 is not supported/);
    await expect(nn.loadModel(edit('recurrent_activation', 'softmax'))).rejects.toThrow(/recurrentActivation 'softmax' is not supported in a recurrent cell/);
    await expect(nn.loadModel(edit('recurrent_activation', 'bogus'))).rejects.toThrow(/recurrent_activation 'bogus' is not supported/);
    await expect(nn.loadModel(edit('time_major', true))).rejects.toThrow(/time_major/);
    await expect(nn.loadModel(edit('cell_clip', 3))).rejects.toThrow(/option 'cell_clip' \(3\) is not supported/);
    // A reference to a state the layer does not return.
    const x = nn.input({ shape: [T, F] });
    const [, h] = nn.layers.gru({ units: 2, returnState: true, name: 'g' }).apply(x);
    const m2 = nn.model({ inputs: x, outputs: h });
    const a2 = await artifactsOf(m2);
    m2.dispose();
    const t2 = structuredClone(a2.modelTopology) as { config: { output_layers: unknown } };
    t2.config.output_layers = [['g', 0, 2]];
    await expect(nn.loadModel({ ...a2, modelTopology: t2 as never })).rejects.toThrow("output_layers: reference ['g', 0, 2] asks for output 2 of layer 'g', which has 2 outputs (0..1)");
  });
});

describe(`recurrent layers and TensorFlow.js 4.22 (seed ${seed})`, () => {
  CONFIGS.forEach((c, ci) => {
    it(`${c.label}: simdnn → tf.loadLayersModel, and tfjs → nn.loadModel, agree within the step-count tolerance`, async () => {
      const mine = nn.sequential({ layers: [nnLayer(c, { inputShape: [T, F] })] });
      setNn(mine, seed + 10 + ci, SCALE);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(mine) as tf.io.ModelArtifacts));
      const x = input(seed + 20 + ci);
      const tol = interopTolerance(c.kind);
      expect(maxAbsDiff(tfPredict(theirs, x)[0], nnPredict(mine, x)[0])).toBeLessThan(tol);

      const built = tf.sequential({ layers: [tfLayer(c, { inputShape: [T, F] })] });
      setTf(built, seed + 30 + ci, SCALE);
      const loaded = await nn.loadModel(await tfjsArtifacts(built));
      expect(loaded.layers[0].className).toBe(c.kind);
      expect(maxAbsDiff(nnPredict(loaded, x)[0], tfPredict(built, x)[0])).toBeLessThan(tol);
      for (const m of [theirs, built]) m.dispose();
      for (const m of [mine, loaded]) m.dispose();
    });
  });

  it('returnState: tfjs\'s [output, h, c] of an LSTM and [output, h] of a GRU match simdnn\'s, both ways', async () => {
    for (const [i, c] of [CONFIGS[3], CONFIGS[5]].entries()) {
      const tx = tf.input({ shape: [T, F] });
      const touts = tfLayer(c, { returnState: true }).apply(tx) as tf.SymbolicTensor[];
      const built = tf.model({ inputs: tx, outputs: touts });
      setTf(built, seed + 40 + i, SCALE);
      const loaded = await nn.loadModel(await tfjsArtifacts(built));
      const x = input(seed + 50 + i);
      const want = tfPredict(built, x), got = nnPredict(loaded, x);
      expect(got).toHaveLength(c.kind === 'LSTM' ? 3 : 2);
      got.forEach((g, k) => expect(maxAbsDiff(g, want[k])).toBeLessThan(interopTolerance(c.kind)));
      const back = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(loaded) as tf.io.ModelArtifacts));
      tfPredict(back, x).forEach((t, k) => expect(maxAbsDiff(t, got[k])).toBeLessThan(interopTolerance(c.kind)));
      for (const m of [built, back]) m.dispose();
      loaded.dispose();
    }
  });

  it('a GRU with resetAfter (Keras\'s default) saves reset_after true and a [2, 3·units] bias, which TF.js 4.22 refuses to load', async () => {
    const model = nn.sequential({ layers: [nn.layers.gru({ inputShape: [T, F], units: U, resetAfter: true })] });
    const artifacts = await artifactsOf(model);
    model.dispose();
    expect((artifacts.modelTopology as { config: { layers: { config: { reset_after: boolean } }[] } }).config.layers[0].config.reset_after).toBe(true);
    expect(artifacts.weightSpecs!.map((w) => w.shape)).toEqual([[F, 3 * U], [U, 3 * U], [2, 3 * U]]);
    await expect(tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts))).rejects.toThrow(/reset_after/);
  });
});
