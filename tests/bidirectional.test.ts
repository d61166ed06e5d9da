// Bidirectional around SimpleRNN, LSTM and GRU: outputs against the float64 reference run both
// ways and merged, gradients through time, save and load, TensorFlow.js 4.22 both ways (config
// format and forward_/backward_ weight names as TF.js saves them), and its errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, maxAbsDiff } from './helpers/io-models.js';
import { runCell, stepTolerance, type CellConfig } from './helpers/recurrent-ref.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

const T = 5, F = 3, U = 4;
/** Weights in ±1/(F + U + 1), inputs in ±1: the bound stepTolerance assumes. */
const SCALE = 1 / (F + U + 1);
type Kind = CellConfig['kind'];
type Mode = nn.layers.MergeMode;

function recurrent(kind: Kind, options: Record<string, unknown>): nn.layers.Recurrent {
  const args = { units: U, ...(kind === 'SimpleRNN' ? {} : { recurrentActivation: 'sigmoid' }), ...options } as never;
  return kind === 'SimpleRNN' ? nn.layers.simpleRNN(args) : kind === 'LSTM' ? nn.layers.lstm(args) : nn.layers.gru(args);
}

function randomize(layer: nn.Layer, s: number, scale = SCALE): void {
  const rng = makeRng(s);
  layer.setWeights(layer.getWeights().map((w) => nn.tensor(randomArray(w.size, rng, -scale, scale), [...w.shape])));
}

/**
 * The float64 Bidirectional: the template's direction and the other one from their weights, the
 * second layer's sequence put back in the order of the first's, merged.
 */
function reference(kind: Kind, options: Record<string, unknown>, mode: Mode, weights: Float32Array[], x: Float32Array, n: number) {
  const per = weights.length / 2;
  const cfg = (goBackwards: boolean): CellConfig => ({
    kind, units: U, activation: 'tanh', recurrentActivation: 'sigmoid', resetAfter: Boolean(options.resetAfter), goBackwards,
  });
  const w = (from: number) => ({ kernel: weights[from], recurrent: weights[from + 1], bias: per === 3 ? weights[from + 2] : null });
  const backwards = Boolean(options.goBackwards);
  const fwd = runCell(cfg(backwards), w(0), x, n, T, F), bwd = runCell(cfg(!backwards), w(per), x, n, T, F);
  const seq = Boolean(options.returnSequences), steps = seq ? T : 1;
  const a = seq ? fwd.sequence : fwd.h, b = seq ? bwd.sequence : bwd.h;
  const out: number[] = [];
  for (let r = 0; r < n; r++) for (let t = 0; t < steps; t++) {
    const av = Array.from(a.subarray((r * steps + t) * U, (r * steps + t + 1) * U));
    const tb = seq ? steps - 1 - t : t;
    const bv = Array.from(b.subarray((r * steps + tb) * U, (r * steps + tb + 1) * U));
    if (mode === 'concat') out.push(...av, ...bv);
    else out.push(...av.map((v, j) => (mode === 'sum' ? v + bv[j] : mode === 'mul' ? v * bv[j] : (v + bv[j]) / 2)));
  }
  const states = [fwd.h, ...(fwd.c ? [fwd.c] : []), bwd.h, ...(bwd.c ? [bwd.c] : [])];
  return { out, states };
}

const CASES: [Kind, Record<string, unknown>, Mode][] = [
  ['LSTM', { returnSequences: true }, 'concat'],
  ['LSTM', {}, 'ave'],
  ['GRU', { returnSequences: true }, 'sum'],
  ['GRU', { resetAfter: true }, 'mul'],
  ['SimpleRNN', { returnSequences: true }, 'mul'],
  ['SimpleRNN', { goBackwards: true, returnSequences: true }, 'concat'],
];
const label = ([kind, options, mode]: (typeof CASES)[number]): string => `${kind} ${JSON.stringify(options)} ${mode}`;

describe(`Bidirectional against the float64 reference (seed ${seed})`, () => {
  CASES.forEach((c, ci) => {
    it(`${label(c)}: merged output and the states of both layers`, () => {
      const [kind, options, mode] = c;
      const layer = nn.layers.bidirectional({ layer: recurrent(kind, { ...options, returnState: true }), mergeMode: mode });
      const x = nn.input({ shape: [T, F] });
      const model = nn.model({ inputs: x, outputs: layer.apply(x) });
      randomize(layer, seed + ci);
      const n = 3, xs = randomArray(n * T * F, makeRng(seed + 10 + ci));
      const got = model.predict(nn.tensor(xs, [n, T, F])) as nn.Tensor[];
      const want = reference(kind, options, mode, layer.getWeights().map((w) => w.data), xs, n);
      // Each direction within stepTolerance; a merge adds at most one rounding (mul: of a product of two values ≤ 1).
      const tol = 2 * stepTolerance(kind, T, F, U);
      expect(got[0].shape).toEqual([n, ...(options.returnSequences ? [T] : []), mode === 'concat' ? 2 * U : U]);
      expect(maxAbsDiff(got[0].data, want.out)).toBeLessThan(tol);
      expect(got.slice(1).map((t) => t.shape)).toEqual(want.states.map(() => [n, U]));
      got.slice(1).forEach((t, k) => expect(maxAbsDiff(t.data, want.states[k])).toBeLessThan(tol));
      model.dispose();
    });
  });
});

describe(`Bidirectional gradients through time (seed ${seed})`, () => {
  CASES.forEach((c, ci) => {
    for (const returnState of [false, true]) {
      it(`${label(c)}${returnState ? ', returnState' : ''}: inputs and both layers' weights`, () => {
        const [kind, options, mode] = c;
        const layer = nn.layers.bidirectional({ layer: recurrent(kind, { ...options, returnState }), mergeMode: mode });
        layer.build([[T, F]]);
        randomize(layer, seed + 100 + 2 * ci + Number(returnState));
        checkLayerGradients({ layer, inputShapes: [[T, F]], batch: 2, rng: makeRng(seed + 200 + ci), h: 1e-2 });
        layer.dispose();
      });
    }
  });
});

describe(`Bidirectional in files (seed ${seed})`, () => {
  it('saves TF.js\'s config and weight names, and loads back with the same predictions', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.bidirectional({ inputShape: [T, F], layer: nn.layers.lstm({ units: U, returnSequences: true, name: 'enc' }), mergeMode: 'sum' }),
      nn.layers.bidirectional({ layer: nn.layers.gru({ units: 3, resetAfter: true }), name: 'summary' }),
    ] });
    randomize(model.layers[0], seed + 300, 0.4);
    randomize(model.layers[1], seed + 301, 0.4);
    const artifacts = await artifactsOf(model);
    expect(artifacts.weightSpecs!.map((w) => w.name).slice(0, 6)).toEqual([
      'bidirectional/forward_enc/kernel', 'bidirectional/forward_enc/recurrent_kernel', 'bidirectional/forward_enc/bias',
      'bidirectional/backward_enc/kernel', 'bidirectional/backward_enc/recurrent_kernel', 'bidirectional/backward_enc/bias',
    ].map((name) => name.replace('bidirectional', model.layers[0].name)));
    const config = (artifacts.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0].config;
    expect(config).toMatchObject({ merge_mode: 'sum', layer: { class_name: 'LSTM', config: { name: 'enc', return_sequences: true, go_backwards: false } } });
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.tensor(randomArray(3 * T * F, makeRng(seed + 302)), [3, T, F]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  const TF_CASES: [Kind, Record<string, unknown>, Mode][] = [...CASES.filter(([, o]) => !o.resetAfter), ['LSTM', { returnSequences: true, recurrentActivation: 'hardSigmoid' }, 'ave']];
  TF_CASES.forEach((c, ci) => {
    it(`${label(c)}: simdnn → tf.loadLayersModel and tfjs → nn.loadModel agree within the step-count tolerance`, async () => {
      const [kind, options, mode] = c;
      const tol = 4 * stepTolerance(kind, T, F, U); // two directions, each float32 on both sides
      const mine = nn.sequential({ layers: [nn.layers.bidirectional({ inputShape: [T, F], layer: recurrent(kind, options), mergeMode: mode })] });
      randomize(mine.layers[0], seed + 400 + ci);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(mine) as tf.io.ModelArtifacts));
      const x = nn.tensor(randomArray(4 * T * F, makeRng(seed + 410 + ci)), [4, T, F]);
      const tfOut = (m: tf.LayersModel): Float32Array => (m.predict(tf.tensor(x.data, [4, T, F])) as tf.Tensor).dataSync() as Float32Array;
      expect(maxAbsDiff(tfOut(theirs), (mine.predict(x) as nn.Tensor).data)).toBeLessThan(tol);

      const args = { units: U, ...(kind === 'SimpleRNN' ? {} : { recurrentActivation: 'sigmoid' }), ...options } as never;
      const inner = kind === 'SimpleRNN' ? tf.layers.simpleRNN(args) : kind === 'LSTM' ? tf.layers.lstm(args) : tf.layers.gru(args);
      const built = tf.sequential({ layers: [tf.layers.bidirectional({ inputShape: [T, F], layer: inner as never, mergeMode: mode })] });
      const rng = makeRng(seed + 420 + ci);
      built.setWeights(built.getWeights().map((w) => tf.tensor(randomArray(w.size, rng, -SCALE, SCALE), w.shape)));
      let saved: tf.io.ModelArtifacts | undefined;
      await built.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const loaded = await nn.loadModel(saved as nn.io.ModelArtifacts);
      expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfOut(built))).toBeLessThan(tol);
      for (const m of [theirs, built]) m.dispose();
      for (const m of [mine, loaded]) m.dispose();
    });
  });

  it('Keras\'s backward_layer is read when it mirrors the forward layer, refused otherwise', async () => {
    const model = nn.sequential({ layers: [nn.layers.bidirectional({ inputShape: [T, F], layer: nn.layers.gru({ units: 2, name: 'g' }) })] });
    const artifacts = await artifactsOf(model);
    model.dispose();
    const withBackward = (edit: (c: Record<string, unknown>) => void): nn.io.ModelArtifacts => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      const config = topology.config.layers[0].config;
      const layer = structuredClone(config.layer) as { class_name: string; config: Record<string, unknown> };
      layer.config = { ...layer.config, name: 'backward_g', go_backwards: true };
      edit(layer.config);
      config.backward_layer = { module: 'keras.layers', ...layer, registered_name: null };
      return { ...artifacts, modelTopology: topology as never };
    };
    const loaded = await nn.loadModel(withBackward(() => {}));
    loaded.dispose();
    await expect(nn.loadModel(withBackward((c) => { c.units = 3; }))).rejects.toThrow(/a backward_layer other than the forward layer reading the steps the other way is not supported/);
  });
});

describe('Bidirectional options', () => {
  it('refuses what it cannot wrap or merge, by name', () => {
    expect(() => nn.layers.bidirectional({ layer: nn.layers.dense({ units: 2 }) as never })).toThrow(/layer must be a simpleRNN, lstm or gru layer, got Dense/);
    expect(() => nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 2 }), mergeMode: null as never })).toThrow(/mergeMode null \(the two outputs kept apart\) is not supported/);
    expect(() => nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 2 }), mergeMode: 'max' as never })).toThrow(/mergeMode/);
    expect(() => nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 2 }), merge_mode: 'sum' } as never)).toThrow(/did you mean 'mergeMode'/);
  });

  it('returnState comes from the wrapped layer: [output, forward h, c, backward h, c]', () => {
    const x = nn.input({ shape: [T, F] });
    const outs = nn.layers.bidirectional({ layer: nn.layers.lstm({ units: 3, returnState: true }) }).apply(x);
    expect(outs.map((t) => [...t.shape])).toEqual([[6], [3], [3], [3], [3]]);
    const single = nn.layers.bidirectional({ layer: nn.layers.gru({ units: 3, returnSequences: true }) }).apply(x);
    expect([...single.shape]).toEqual([T, 6]);
  });
});
