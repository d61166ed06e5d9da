// Every loss of the Keras catalogue in a model: evaluate against a float64 reference of Keras's
// formula on the model's own predictions, gradients against central differences of evaluate's loss
// (with and without sample weights), every accepted spelling, options, and the label errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

const EPS = Math.fround(1e-7);
const IN = 4, N = 13;
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
const norm = (v: number[]) => Math.sqrt(sum(v.map((x) => x * x)));
const hingeLabel = (y: number) => (y === 0 ? -1 : y);
const logCosh = (x: number) => Math.log1p(2 * Math.sinh(x / 2) ** 2);
const sign = (rng: () => number) => (rng() < 0.5 ? -1 : 1);

interface Case {
  loss: nn.LossName;
  /** Other spellings compile accepts for it: snake_case, short names, TF.js names, the Keras class name. */
  aliases: string[];
  activation: nn.ActivationName;
  units: number;
  perRow: boolean;
  /** Labels for the model's initial predictions, kept at least 0.2 away from the loss's kinks (a NaN row: no such label, drop the sample). */
  labels(p: Float32Array, rng: () => number): Float32Array;
  term(p: number[], y: number[]): number;
  /** Magnitude of a term's parts where they can cancel (default |term|). */
  scale?(p: number[], y: number[]): number;
  /** Finite-difference step on the weights (default 1e-2). */
  h?: number;
}

/** p ± an offset whose size avoids the kinks listed (|p − y| in [lo, hi]). */
const offsetLabels = (lo: number, hi: number) => (p: Float32Array, rng: () => number) => Float32Array.from(p, (v) => v + sign(rng) * (lo + (hi - lo) * rng()));

const CASES: Case[] = [
  {
    loss: 'meanSquaredError', aliases: ['mean_squared_error', 'mse', 'MSE', 'MeanSquaredError'], activation: 'linear', units: 3, perRow: false,
    labels: offsetLabels(0, 1), term: ([p], [y]) => (p - y) ** 2,
  },
  {
    loss: 'meanAbsoluteError', aliases: ['mean_absolute_error', 'mae', 'MAE', 'MeanAbsoluteError'], activation: 'linear', units: 3, perRow: false,
    labels: offsetLabels(0.2, 1), term: ([p], [y]) => Math.abs(p - y),
  },
  {
    loss: 'meanAbsolutePercentageError', aliases: ['mean_absolute_percentage_error', 'mape', 'MAPE', 'MeanAbsolutePercentageError'],
    activation: 'linear', units: 3, perRow: false,
    // Labels of size ≥ 0.5 on either side of the prediction.
    labels: (p, rng) => Float32Array.from(p, (v) => { const y = sign(rng) * (0.5 + rng()); return Math.abs(y - v) < 0.2 ? -y : y; }),
    term: ([p], [y]) => (100 * Math.abs(y - p)) / Math.max(Math.abs(y), EPS),
  },
  {
    loss: 'meanSquaredLogarithmicError', aliases: ['mean_squared_logarithmic_error', 'msle', 'MSLE', 'MeanSquaredLogarithmicError'],
    activation: 'softplus', units: 3, perRow: false,
    labels: (p, rng) => Float32Array.from(p, () => 3 * rng()),
    term: ([p], [y]) => (Math.log(Math.max(p, EPS) + 1) - Math.log(Math.max(y, EPS) + 1)) ** 2,
  },
  {
    // Errors in [0.2, 0.8] (quadratic) or [1.2, 2] (linear) around delta = 1.
    loss: 'huber', aliases: ['Huber'], activation: 'linear', units: 3, perRow: false,
    labels: (p, rng) => Float32Array.from(p, (v) => v + sign(rng) * (rng() < 0.5 ? 0.2 + 0.6 * rng() : 1.2 + 0.8 * rng())),
    term: ([p], [y]) => { const e = Math.abs(p - y); return e <= 1 ? 0.5 * e * e : e - 0.5; },
  },
  {
    loss: 'logCosh', aliases: ['log_cosh', 'logcosh', 'LogCosh'], activation: 'linear', units: 3, perRow: false,
    labels: offsetLabels(0, 3), term: ([p], [y]) => logCosh(p - y),
  },
  {
    // −1/1 labels whose margin 1 − y·p stays 0.2 away from 0.
    loss: 'hinge', aliases: ['Hinge'], activation: 'linear', units: 3, perRow: false,
    labels: (p, rng) => Float32Array.from(p, (v) => { const y = sign(rng); return Math.abs(1 - y * v) < 0.2 ? -y : y; }),
    term: ([p], [y]) => Math.max(1 - hingeLabel(y) * p, 0),
  },
  {
    loss: 'squaredHinge', aliases: ['squared_hinge', 'SquaredHinge'], activation: 'linear', units: 3, perRow: false,
    // 0/1 labels here (read as −1/1, Keras's conversion).
    labels: (p, rng) => Float32Array.from(p, (v) => { const y = sign(rng); return (Math.abs(1 - y * v) < 0.2 ? -y : y) > 0 ? 1 : 0; }),
    term: ([p], [y]) => Math.max(1 - hingeLabel(y) * p, 0) ** 2,
  },
  {
    loss: 'categoricalHinge', aliases: ['categorical_hinge', 'CategoricalHinge'], activation: 'linear', units: 4, perRow: true,
    // One-hot rows whose class keeps the loss 0.2 away from 0 and the largest (1 − y_j)·p_j (the labelled
    // class's is 0) 0.2 clear of the next.
    labels: (p, rng) => {
      const y = new Float32Array(p.length);
      for (let r = 0; r < p.length / 4; r++) {
        const row = Array.from(p.subarray(4 * r, 4 * r + 4));
        const ok = [0, 1, 2, 3].filter((c) => {
          const negs = row.map((v, j) => (j === c ? 0 : v)).sort((a, b) => b - a);
          return Math.abs(negs[0] - row[c] + 1) > 0.2 && negs[0] - negs[1] > 0.2;
        });
        if (ok.length > 0) y[4 * r + ok[Math.floor(rng() * ok.length)]] = 1;
        else y.fill(NaN, 4 * r, 4 * r + 4);
      }
      return y;
    },
    term: (p, y) => Math.max(Math.max(...p.map((v, j) => (1 - y[j]) * v)) - sum(p.map((v, j) => y[j] * v)) + 1, 0),
  },
  {
    loss: 'kullbackLeiblerDivergence', aliases: ['kullback_leibler_divergence', 'kl_divergence', 'kld', 'KLD', 'KLDivergence'],
    activation: 'softmax', units: 4, perRow: true,
    labels: (p, rng) => {
      const y = Float32Array.from(p, () => (rng() < 0.25 ? 0 : rng()));
      for (let r = 0; r < p.length / 4; r++) { const s = sum(y.subarray(4 * r, 4 * r + 4)) || 1; for (let j = 0; j < 4; j++) y[4 * r + j] /= s; }
      return y;
    },
    term: (p, y) => sum(y.map((t, j) => { const yc = Math.min(Math.max(t, EPS), 1), pc = Math.min(Math.max(p[j], EPS), 1); return yc * Math.log(yc / pc); })),
    scale: (p, y) => sum(y.map((t, j) => { const yc = Math.min(Math.max(t, EPS), 1); return yc * (Math.abs(Math.log(yc)) + Math.abs(Math.log(p[j]))); })),
  },
  {
    loss: 'poisson', aliases: ['Poisson'], activation: 'exponential', units: 3, perRow: false,
    labels: (p, rng) => Float32Array.from(p, () => Math.floor(4 * rng())),
    term: ([p], [y]) => p - y * Math.log(p + EPS),
    scale: ([p], [y]) => Math.abs(p) + Math.abs(y * Math.log(p + EPS)),
  },
  {
    loss: 'cosineSimilarity', aliases: ['cosine_similarity', 'cosine_proximity', 'cosineProximity', 'CosineSimilarity'],
    activation: 'linear', units: 3, perRow: true,
    labels: (p, rng) => randomArray(p.length, rng, -1, 1),
    term: (p, y) => -sum(p.map((v, j) => v * y[j])) / (Math.max(norm(p), EPS) * Math.max(norm(y), EPS)),
    scale: (p, y) => sum(p.map((v, j) => Math.abs(v * y[j]))) / (Math.max(norm(p), EPS) * Math.max(norm(y), EPS)),
    // Its curvature grows as 1/‖p‖²: a step of 1e-2 is too coarse where a prediction's norm is 0.2.
    h: 2e-3,
  },
];

function build(c: Case, s: number): nn.LayersModel {
  nn.setSeed(s);
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [IN], units: 6, activation: 'tanh' }),
    nn.layers.dense({ units: c.units, activation: c.activation }),
  ] });
}

/** The model, N samples and labels fitted to its initial predictions (drawn from a pool: some samples may have no label clear of the kinks). */
function setup(c: Case, s: number) {
  const rng = makeRng(s);
  const model = build(c, s);
  const pool = 8 * N;
  const xs = randomArray(pool * IN, rng, -1, 1);
  const labels = c.labels((model.predict(nn.tensor(xs, [pool, IN])) as nn.Tensor).data, rng);
  const keep = Array.from({ length: pool }, (_, i) => i).filter((i) => !Number.isNaN(labels[i * c.units])).slice(0, N);
  expect(keep.length).toBe(N);
  const x = nn.tensor(Float32Array.from(keep.flatMap((i) => Array.from(xs.subarray(i * IN, (i + 1) * IN)))), [N, IN]);
  const y = nn.tensor(Float32Array.from(keep.flatMap((i) => Array.from(labels.subarray(i * c.units, (i + 1) * c.units)))), [N, c.units]);
  return { model, x, y, rng };
}

/** Σ_s w_s·(terms of sample s) / (number of terms), and the same of the terms' scales, in float64. */
function reference(c: Case, p: Float32Array, y: Float32Array, w?: ArrayLike<number>): { loss: number; scale: number } {
  const k = c.perRow ? c.units : 1, perSample = c.units / k;
  let loss = 0, scale = 0;
  for (let t = 0; t < p.length / k; t++) {
    const pr = Array.from(p.subarray(t * k, (t + 1) * k)), yr = Array.from(y.subarray(t * k, (t + 1) * k));
    const weight = w ? w[Math.floor(t / perSample)] : 1;
    loss += weight * c.term(pr, yr);
    scale += weight * (c.scale ?? ((a: number[], b: number[]) => Math.abs(c.term(a, b))))(pr, yr);
  }
  const terms = p.length / k;
  return { loss: loss / terms, scale: scale / terms };
}

for (const c of CASES) {
  describe(`${c.loss} in a model (seed ${seed})`, () => {
    it('evaluate (batches of 5) equals the float64 reference on the model\'s predictions, unweighted and weighted', () => {
      const { model, x, y, rng } = setup(c, seed);
      model.compile({ optimizer: 'sgd', loss: c.loss });
      const p = (model.predict(x) as nn.Tensor).data;
      const plain = reference(c, p, y.data);
      // The kernels' bound (2e-6 of the terms' parts, kernels-loss-catalogue.test.ts), with room for the batch sums.
      expect(Math.abs(model.evaluate(x, y, { batchSize: 5 }).loss - plain.loss)).toBeLessThanOrEqual(4e-6 * plain.scale);
      const w = Float32Array.from({ length: N }, (_, i) => (i % 5 === 3 ? 0 : 3 * rng()));
      const weighted = reference(c, p, y.data, w);
      expect(Math.abs(model.evaluate(x, y, { batchSize: 5, sampleWeight: w }).loss - weighted.loss)).toBeLessThanOrEqual(4e-6 * weighted.scale);
      model.dispose();
    });

    it('its gradients match central differences of the loss, unweighted and weighted', () => {
      const { model, x, y, rng } = setup(c, seed + 1);
      model.compile({ optimizer: 'sgd', loss: c.loss });
      checkModelGradients(model, x, y, c.h ?? 1e-2, 2e-2);
      checkModelGradients(model, x, y, c.h ?? 1e-2, 2e-2, Float32Array.from({ length: N }, () => 2 * rng()));
      model.dispose();
    });

    it(`every spelling (${c.aliases.join(', ')}) and nn.losses.${c.loss}() give the same loss and train`, async () => {
      const { model, x, y } = setup(c, seed + 2);
      model.compile({ optimizer: 'sgd', loss: c.loss });
      const want = model.evaluate(x, y).loss;
      for (const name of c.aliases) {
        model.compile({ optimizer: 'sgd', loss: name });
        expect(model.evaluate(x, y).loss, name).toBe(want);
      }
      const factory = (nn.losses as unknown as Record<string, () => nn.losses.Loss>)[c.loss];
      model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.05 }), loss: factory() });
      expect(model.evaluate(x, y).loss).toBe(want);
      const history = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
      expect(history.history.loss.every(Number.isFinite)).toBe(true);
      model.dispose();
    });
  });
}

describe(`loss options and label checks (seed ${seed})`, () => {
  it('huber({ delta }) moves the quadratic part: delta 0.5 matches the float64 reference', () => {
    const c = CASES.find((k) => k.loss === 'huber')!;
    const { model, x, y } = setup(c, seed + 3);
    model.compile({ optimizer: 'sgd', loss: nn.losses.huber({ delta: 0.5 }) });
    const p = (model.predict(x) as nn.Tensor).data;
    const half = { ...c, term: ([q]: number[], [t]: number[]) => { const e = Math.abs(q - t); return e <= 0.5 ? 0.5 * e * e : 0.5 * e - 0.125; } };
    const want = reference(half, p, y.data);
    expect(Math.abs(model.evaluate(x, y).loss - want.loss)).toBeLessThanOrEqual(4e-6 * want.scale);
    model.dispose();
  });

  it('labels a loss cannot read are refused, naming the loss, the value and where it is', () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [IN], units: 2 })] });
    const x = nn.tensor(new Float32Array(3 * IN), [3, IN]);
    const refuse = (loss: string, labels: number[], message: string) => {
      m.compile({ optimizer: 'sgd', loss });
      expect(() => m.evaluate(x, nn.tensor(Float32Array.from(labels), [3, 2])), loss).toThrow(message);
    };
    refuse('hinge', [1, -1, 0, 1, 1, 1], 'evaluate: hinge labels mix -1 (flat index 1) and 0 (flat index 2); give -1/1 labels or 0/1 labels (read as -1/1), not both');
    refuse('squaredHinge', [1, 0.5, 0, 1, 1, 1], 'evaluate: squaredHinge labels must be -1 or 1 (or 0 or 1), got 0.5 at flat index 1');
    refuse('poisson', [1, 2, 0, -1, 1, 1], 'evaluate: poisson labels (counts) must be ≥ 0, got -1 at flat index 3');
    refuse('msle', [1, 2, 0, -0.5, 1, 1], 'evaluate: meanSquaredLogarithmicError labels must be ≥ 0, got -0.5 at flat index 3');
    refuse('kld', [0.5, 0.5, 1.5, 0, 1, 0], 'evaluate: kullbackLeiblerDivergence labels (probabilities) must be in [0, 1], got 1.5 at flat index 2');
    m.compile({ optimizer: 'sgd', loss: 'huber' });
    expect(() => m.evaluate(x, nn.tensor(new Float32Array(9), [3, 3]))).toThrow('evaluate: huber needs labels of shape [N, 2] (the model\'s output), got [3, 3]');
    m.dispose();
  });

  it('bad options are refused, naming the loss, the option and its nearest valid name', () => {
    expect(() => nn.losses.huber({ delta: 0 })).toThrow('losses.huber: delta must be a finite number > 0, got 0');
    expect(() => nn.losses.huber({ detla: 2 } as never)).toThrow("losses.huber: unknown option 'detla'; did you mean 'delta'?");
    expect(() => nn.losses.cosineSimilarity({ axis: 1 } as never)).toThrow('losses.cosineSimilarity: axis must be -1 (the last axis), got 1');
    expect(() => nn.losses.categoricalCrossentropy({ labelSmoothing: 1.5 })).toThrow('losses.categoricalCrossentropy: labelSmoothing must be a number in [0, 1], got 1.5');
    expect(() => nn.losses.binaryCrossentropy({ fromLogits: 'yes' } as never)).toThrow("losses.binaryCrossentropy: fromLogits must be true or false, got 'yes'");
    expect(() => nn.losses.sparseCategoricalCrossentropy({ labelSmoothing: 0.1 } as never))
      .toThrow("losses.sparseCategoricalCrossentropy: labelSmoothing is not an option (Keras 3's SparseCategoricalCrossentropy has none); smooth one-hot labels with categoricalCrossentropy({ labelSmoothing })");
    expect(() => nn.losses.poisson({ reduction: 'sum' } as never)).toThrow("losses.poisson: unknown option 'reduction'");
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [IN], units: 2 })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'hubber' })).toThrow("compile: unknown loss 'hubber'; did you mean 'huber'?");
    expect(() => m.compile({ optimizer: 'sgd', loss: 42 as never })).toThrow('compile: loss must be a loss name');
    m.dispose();
  });

  it('poisson: a prediction below −1e-7 makes the loss NaN, and fit says why and what to change', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [1], units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
    m.compile({ optimizer: 'sgd', loss: 'poisson' });
    const x = nn.tensor([[-1], [2]]), y = nn.tensor([[1], [2]]);
    expect(m.evaluate(x, y).loss).toBeNaN();
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(
      "fit: the loss became NaN at epoch 1, batch 1; lower the learning rate or check the data; poisson takes log(prediction + 1e-7), so predictions must stay above -1e-7: give the output layer a positive activation such as 'exponential' or 'softplus'");
    m.dispose();
  });
});
