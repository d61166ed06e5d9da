// softsign, exponential, swish (silu), mish and gelu: kernels against float64 with error bounds
// derived from each formula, layer gradient checks, save/load, and TensorFlow.js 4.22 both ways.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import type { ActivationName } from '../src/activations.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { artifactsOf, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Kernel = (...args: number[]) => void;

const seed = freshSeed();
const EPS = 2 ** -24; // f32 unit roundoff
const SQRT_HALF = Math.SQRT1_2;

/** erfc for x ≥ 0 in float64 by its continued fraction (x > 2) or series of erf (x ≤ 2): both to ~1e-15. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x <= 2) {
    let term = x, sum = x;
    for (let n = 1; n < 60; n++) { term *= (-x * x) / n; sum += term / (2 * n + 1); }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0; // Lentz-free backward evaluation of erfc's continued fraction, 80 terms
  for (let n = 80; n >= 1; n--) f = (n / 2) / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}
const Phi = (x: number) => 0.5 * erfc(-x * SQRT_HALF);
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** The tanh approximation's 2u = 2√(2/π)(x + 0.044715x³) and its slope. */
const geluArg2 = (x: number) => 2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
const geluArg2Slope = (x: number) => 2 * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

interface Smooth {
  name: 'softsign' | 'exponential' | 'swish' | 'mish' | 'gelu' | 'geluApproximate';
  f: (x: number) => number;
  df: (x: number) => number;
  /** Sum of the magnitudes of f' 's terms: where f' crosses 0 its rounding error is relative to these. */
  dScale: (x: number) => number;
  /** Bound on |kernel − f| / |f| at x (forward) and |kernel − f'| / dScale (backward), from the formula. */
  fTol: (x: number) => number;
  dTol: (x: number) => number;
  fromInput: boolean;
}

const SMOOTH: Smooth[] = [
  // y = x/(1 + |x|): one add and one divide, 2 roundings. f' = (1 − |y|)² from y: |y| carries ~2ε absolute,
  // so 1 − |y| = 1/(1 + |x|) carries 2ε(1 + |x|) relative, doubled by the square.
  { name: 'softsign', f: (x) => x / (1 + Math.abs(x)), df: (x) => 1 / (1 + Math.abs(x)) ** 2, dScale: (x) => 1 / (1 + Math.abs(x)) ** 2,
    fTol: () => 4 * EPS, dTol: (x) => 8 * EPS * (1 + Math.abs(x)) + 4 * EPS, fromInput: false },
  // exp4 is Cephes expf, within 2 ulps; x is exact in f32, so no conditioning from the input.
  { name: 'exponential', f: Math.exp, df: Math.exp, dScale: Math.exp, fTol: () => 4 * EPS, dTol: () => 6 * EPS, fromInput: false },
  // x·sigmoid(x): exp (2 ulps), add, divide, multiply; f' = s(1 + x(1 − s)) adds a few more, and 1 − s
  // carries ε absolute, relative to the term x·s(1 − s) that is |x|ε·s: bounded by 8ε(1 + |x|).
  { name: 'swish', f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    dScale: (x) => sigmoid(x) * (1 + Math.abs(x) * (1 - sigmoid(x))), fTol: () => 8 * EPS, dTol: (x) => 12 * EPS * (1 + Math.abs(x)), fromInput: true },
  // x·n/(n + 2) from one exp (2 ulps) and ~6 roundings; f' = g + x(1 − g²)σ(x), and 1 − g² loses
  // ε absolute to cancellation as g → 1, relative to the term that is ~|x|ε: 16ε(1 + |x|).
  { name: 'mish', f: (x) => x * Math.tanh(softplus(x)),
    df: (x) => { const g = Math.tanh(softplus(x)); return g + x * (1 - g * g) * sigmoid(x); },
    dScale: (x) => { const g = Math.tanh(softplus(x)); return Math.abs(g) + Math.abs(x) * (1 - g * g) * sigmoid(x); },
    fTol: () => 12 * EPS, dTol: (x) => 16 * EPS * (1 + Math.abs(x)), fromInput: true },
  // x·Φ(x) with Φ from Numerical Recipes' erfc (relative error < 1.2e-7 by its Chebyshev fit) times
  // e^{−x²/2}: rounding x²/2 in f32 costs ε·x²/2 relative after exp (gelu's condition grows as x² for
  // x < 0), plus exp's 2 ulps and ~12 roundings of the polynomial: 1.2e-7 + 16ε + ε·x².
  { name: 'gelu', f: (x) => x * Phi(x), df: (x) => Phi(x) + x * phi(x), dScale: (x) => Phi(x) + Math.abs(x) * phi(x),
    fTol: (x) => 1.2e-7 + 16 * EPS + EPS * x * x, dTol: (x) => 1.2e-7 + 20 * EPS + 2 * EPS * x * x * (1 + Math.abs(x)), fromInput: true },
  // 0.5x(1 + tanh u) = x·sigmoid(2u): 2u carries up to ~6ε relative (5 roundings), i.e. 6ε|2u| absolute,
  // which sigmoid turns into at most that much relative error (its condition is |2u|(1 − s) ≤ |2u|), plus
  // sigmoid's ~5ε: 8ε(1 + |2u|).
  { name: 'geluApproximate', f: (x) => 0.5 * x * (1 + Math.tanh(geluArg2(x) / 2)),
    df: (x) => { const s = sigmoid(geluArg2(x)); return s + x * s * (1 - s) * geluArg2Slope(x); },
    dScale: (x) => { const s = sigmoid(geluArg2(x)); return s + Math.abs(x) * s * (1 - s) * geluArg2Slope(x); },
    fTol: (x) => 8 * EPS * (1 + Math.abs(geluArg2(x))), dTol: (x) => 16 * EPS * (1 + Math.abs(geluArg2(x))), fromInput: true },
];

function run(b: Backend, kernel: string, inputs: Float32Array[], n: number, inPlace: boolean): Float32Array {
  const ptrs = inputs.map((a) => toWasm(b, a));
  const out = inPlace ? ptrs[ptrs.length - 1] : allocWasm(b, n);
  (b.kernels[kernel as keyof typeof b.kernels] as unknown as Kernel)(...ptrs, out, n);
  const r = fromWasm(b, out, n);
  for (const p of inPlace ? ptrs : [...ptrs, out]) b.arena.release(p);
  return r;
}

/** Largest |actual − expected| / (tol(x)·scale(x)) over the elements: the test needs it ≤ 1. */
function worstRatio(actual: Float32Array, expected: number[], X: Float32Array, scale: (i: number) => number, tol: (x: number) => number): number {
  let worst = 0;
  for (let i = 0; i < X.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (tol(X[i]) * scale(i) + 1e-38));
  return worst;
}

describe(`smooth activation kernels against float64 (seed ${seed})`, () => {
  SMOOTH.forEach((act, ai) => {
    for (const n of [1, 3, 7, 33]) {
      it(`${act.name} forward and backward, n=${n}, also in place`, async () => {
        const b = await backend();
        const rng = makeRng(seed + 100 * ai + n);
        const X = randomArray(n, rng, -6, 6), DY = randomArray(n, rng);
        const want = Array.from(X, act.f);
        for (const inPlace of [false, true]) {
          const Y = run(b, `${act.name}Forward`, [X], n, inPlace);
          expect(worstRatio(Y, want, X, (i) => Math.abs(want[i]), act.fTol)).toBeLessThanOrEqual(1);
          const from = act.fromInput ? X : Y;
          const dx = run(b, `${act.name}Backward`, [from, DY], n, inPlace);
          const wantDx = Array.from(X, (x, i) => DY[i] * act.df(x));
          expect(worstRatio(dx, wantDx, X, (i) => Math.abs(DY[i]) * act.dScale(X[i]), act.dTol)).toBeLessThanOrEqual(1);
        }
      });
    }
    it(`${act.name}: extremes stay finite where f is, NaN passes through`, async () => {
      const b = await backend();
      const X = Float32Array.from([-100, -30, -1e-20, 0, 1e-20, 30, NaN]);
      const Y = run(b, `${act.name}Forward`, [X], X.length, false);
      const dx = run(b, `${act.name}Backward`, [act.fromInput ? X : Y, Float32Array.from(X, () => 1)], X.length, false);
      for (let i = 0; i < X.length - 1; i++) {
        expect(Number.isFinite(Y[i])).toBe(true);
        expect(Number.isFinite(dx[i])).toBe(true);
        expect(Math.abs(Y[i] - act.f(X[i]))).toBeLessThanOrEqual(act.fTol(Math.min(Math.abs(X[i]), 6)) * Math.abs(act.f(X[i])) + 1e-37);
      }
      expect(Number.isNaN(Y[X.length - 1])).toBe(true);
    });
  });
});

const NAMES: ActivationName[] = ['softsign', 'exponential', 'swish', 'mish', 'gelu', 'geluApproximate'];

describe(`smooth activations in layers (seed ${seed})`, () => {
  NAMES.forEach((activation, ai) => {
    it(`a Dense with ${activation}: gradients match finite differences`, () => {
      const rng = makeRng(seed + 50 + ai);
      nn.setSeed(seed + ai);
      const layer = nn.layers.dense({ units: 5, activation, biasInitializer: 'ones' });
      checkLayerGradients({ layer, inputShapes: [[4]], batch: 3, rng, input: () => rng() * 4 - 2, h: 1e-3 });
      layer.dispose();
    });
    it(`an activation layer with ${activation} over [-4, 4]: gradients match finite differences`, () => {
      const rng = makeRng(seed + 60 + ai);
      const layer = nn.layers.activation({ activation });
      checkLayerGradients({ layer, inputShapes: [[2, 7]], batch: 3, rng, input: () => rng() * 8 - 4, h: 1e-3 });
      layer.dispose();
    });
  });

  it("'silu' is swish by another name: the same outputs, and a layer reports and saves 'swish'", () => {
    const x = nn.tensor(randomArray(12, makeRng(seed + 70), -4, 4), [3, 4]);
    const silu = nn.sequential({ layers: [nn.layers.activation({ inputShape: [4], activation: 'silu' })] });
    const swish = nn.sequential({ layers: [nn.layers.activation({ inputShape: [4], activation: 'swish' })] });
    expect(Array.from((silu.predict(x) as nn.Tensor).data)).toEqual(Array.from((swish.predict(x) as nn.Tensor).data));
    expect(silu.layers[0].activationName).toBe('swish');
    expect(silu.layers[0].getConfig().activation).toBe('swish');
    silu.dispose();
    swish.dispose();
  });
});

function smoothModel(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [5], units: 7, activation: 'gelu' }),
    nn.layers.dense({ units: 6, activation: 'mish' }),
    nn.layers.dense({ units: 6, activation: 'swish' }),
    nn.layers.dense({ units: 5, activation: 'softsign' }),
    nn.layers.activation({ activation: 'exponential' }),
    nn.layers.dense({ units: 4, activation: 'geluApproximate' }),
  ] });
}

const batch = (n: number, s: number, width: number) => nn.tensor(randomArray(n * width, makeRng(s), -4, 4), [n, width]);

describe(`smooth activations: files and TensorFlow.js 4.22 (seed ${seed})`, () => {
  it('a saved model loads back with the same activations and predictions; Keras 3 \'silu\' reads as swish', async () => {
    const model = smoothModel();
    randomizeWeights(model, seed);
    const artifacts = await artifactsOf(model);
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.activationName)).toEqual(['gelu', 'mish', 'swish', 'softsign', 'exponential', 'geluApproximate']);
    const x = batch(6, seed + 1, 5);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
    topology.config.layers[2].config.activation = 'silu';
    const asKeras3 = await nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] });
    expect(asKeras3.layers[2].activationName).toBe('swish');
    for (const m of [model, loaded, asKeras3]) m.dispose();
  });

  // TF.js 4.22 has softsign, swish, mish, gelu (exact, by erf) and gelu_new (the tanh approximation), not
  // exponential. It writes gelu_new but cannot read it back ("Unknown activation: geluNew"), so
  // geluApproximate is checked only in this direction.
  it('simdnn → tf.loadLayersModel: softsign, swish, mish and gelu predict the same within 1e-5', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [4], units: 9, activation: 'gelu' }),
      nn.layers.dense({ units: 7, activation: 'mish' }),
      nn.layers.dense({ units: 6, activation: 'swish' }),
      nn.layers.dense({ units: 5, activation: 'softsign' }),
    ] });
    randomizeWeights(model, seed + 2);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts));
    const x = batch(8, seed + 3, 4);
    const theirs = (loaded.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync();
    expect(maxAbsDiff(theirs, (model.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });

  it('tfjs → nn.loadModel: softsign, swish, mish, gelu and gelu_new read as TF.js computes them', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'gelu_new', biasInitializer: 'ones' }),
      tf.layers.dense({ units: 9, activation: 'gelu' }),
      tf.layers.dense({ units: 7, activation: 'mish' }),
      tf.layers.dense({ units: 6, activation: 'swish' }),
      tf.layers.dense({ units: 5, activation: 'softsign' }),
    ] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await nn.loadModel(saved as nn.io.ModelArtifacts);
    expect(loaded.layers.map((l) => l.activationName)).toEqual(['geluApproximate', 'gelu', 'mish', 'swish', 'softsign']);
    const x = batch(8, seed + 4, 4);
    const theirs = (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync();
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, theirs)).toBeLessThan(1e-5);
    loaded.dispose();
    model.dispose();
  });
});

beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});
