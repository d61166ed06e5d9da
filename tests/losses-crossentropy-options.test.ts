// The cross-entropies' Keras options in models: fromLogits on a linear output gives the fused
// softmax/sigmoid model's loss and gradients bit for bit while predict returns the logits;
// labelSmoothing against float64 references; gradient checks; 'accuracy' and 'crossentropy' on logits.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkModelGradients, modelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

const IN = 5, N = 11, C = 4;
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const logSumExp = (z: number[]) => { const m = Math.max(...z); return m + Math.log(sum(z.map((v) => Math.exp(v - m)))); };
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

type Kind = 'categorical' | 'sparse' | 'binary';
const lossName = { categorical: 'categoricalCrossentropy', sparse: 'sparseCategoricalCrossentropy', binary: 'binaryCrossentropy' } as const;

function model(kind: Kind, activation: nn.ActivationName, s: number): nn.LayersModel {
  nn.setSeed(s);
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [IN], units: 6, activation: 'tanh' }),
    nn.layers.dense({ units: kind === 'binary' ? 3 : C, activation }),
  ] });
}

function data(kind: Kind, s: number) {
  const rng = makeRng(s);
  const x = nn.tensor(randomArray(N * IN, rng, -1.5, 1.5), [N, IN]);
  const classes = Array.from({ length: N }, () => Math.floor(rng() * C));
  const y = kind === 'sparse' ? nn.tensor(classes)
    : kind === 'categorical' ? nn.data.toCategorical(classes, C)
      : nn.tensor(Float32Array.from({ length: N * 3 }, (_, i) => (i % 4 === 0 ? rng() : Math.round(rng()))), [N, 3]);
  return { x, y, classes };
}

/** The mean loss in float64 from the logits z, with Keras's label smoothing s. */
function referenceLoss(kind: Kind, z: Float32Array, y: nn.Tensor, s: number): number {
  if (kind === 'binary') {
    return sum(Array.from(z, (v, i) => { const t = y.data[i] * (1 - s) + s / 2; return softplus(v) - v * t; })) / z.length;
  }
  let total = 0;
  for (let r = 0; r < N; r++) {
    const row = Array.from(z.subarray(r * C, (r + 1) * C)), l = logSumExp(row);
    const labels = kind === 'sparse' ? row.map((_, j) => (j === y.data[r] ? 1 : 0)) : Array.from(y.data.subarray(r * C, (r + 1) * C));
    total += sum(labels.map((t, j) => (t * (1 - s) + s / C) * (l - row[j])));
  }
  return total / N;
}

for (const kind of ['categorical', 'sparse', 'binary'] as Kind[]) {
  const fused = kind === 'binary' ? 'sigmoid' : 'softmax';
  describe(`${lossName[kind]} options (seed ${seed})`, () => {
    it(`fromLogits on a linear output: the ${fused} model's loss and gradients bit for bit; predict gives the logits`, () => {
      const { x, y } = data(kind, seed);
      const probs = model(kind, fused, seed), logits = model(kind, 'linear', seed);
      logits.setWeights(probs.getWeights());
      probs.compile({ optimizer: 'sgd', loss: lossName[kind] });
      const factory = (nn.losses as unknown as Record<string, (a: object) => nn.losses.Loss>)[lossName[kind]];
      logits.compile({ optimizer: 'sgd', loss: factory({ fromLogits: true }) });
      expect(logits.evaluate(x, y, { batchSize: 4 }).loss).toBe(probs.evaluate(x, y, { batchSize: 4 }).loss);
      const a = modelGradients(probs, x, y), b = modelGradients(logits, x, y);
      a.forEach((g, i) => expect(b[i]).toEqual(g));
      const z = (logits.predict(x) as nn.Tensor).data, p = (probs.predict(x) as nn.Tensor).data;
      const activated = kind === 'binary' ? Array.from(z, (v) => 1 / (1 + Math.exp(-v)))
        : Array.from(z, (_, i) => { const r = Math.floor(i / C), row = Array.from(z.subarray(r * C, (r + 1) * C)); return Math.exp(z[i] - logSumExp(row)); });
      activated.forEach((v, i) => expect(Math.abs(p[i] - v)).toBeLessThan(1e-6));
      const want = referenceLoss(kind, z, y, 0);
      expect(Math.abs(logits.evaluate(x, y).loss - want) / want).toBeLessThan(2e-6);
      probs.dispose();
      logits.dispose();
    });

    if (kind !== 'sparse') {
      it('labelSmoothing matches Keras\'s smoothed labels in float64, fused and from logits, and its gradient checks out', () => {
        const { x, y } = data(kind, seed + 1);
        const factory = (nn.losses as unknown as Record<string, (a: object) => nn.losses.Loss>)[lossName[kind]];
        const s = Math.fround(0.05 + 0.4 * makeRng(seed)());
        const logits = model(kind, 'linear', seed + 1);
        logits.compile({ optimizer: 'sgd', loss: factory({ fromLogits: true, labelSmoothing: s }) });
        const z = (logits.predict(x) as nn.Tensor).data;
        const want = referenceLoss(kind, z, y, s);
        // The kernels' 2e-6 of the loss's parts (all ≥ 0 for the categorical loss; binary's parts: softplus and |z·t|).
        const parts = kind === 'binary' ? sum(Array.from(z, (v) => softplus(v) + Math.abs(v))) / z.length : want;
        expect(Math.abs(logits.evaluate(x, y, { batchSize: 3 }).loss - want)).toBeLessThan(4e-6 * parts);
        checkModelGradients(logits, x, y);
        const probs = model(kind, fused, seed + 1);
        probs.setWeights(logits.getWeights());
        probs.compile({ optimizer: 'sgd', loss: factory({ labelSmoothing: s }) });
        expect(probs.evaluate(x, y, { batchSize: 3 }).loss).toBe(logits.evaluate(x, y, { batchSize: 3 }).loss);
        checkModelGradients(probs, x, y);
        logits.dispose();
        probs.dispose();
      });
    }

    it("'accuracy' and 'crossentropy' read logits when the loss takes them", () => {
      const { x, y, classes } = data(kind, seed + 2);
      const m = model(kind, 'linear', seed + 2);
      const factory = (nn.losses as unknown as Record<string, (a: object) => nn.losses.Loss>)[lossName[kind]];
      const options = kind === 'sparse' ? { fromLogits: true } : { fromLogits: true, labelSmoothing: 0.2 };
      m.compile({ optimizer: 'sgd', loss: factory(options), metrics: ['accuracy', 'crossentropy'] });
      const z = (m.predict(x) as nn.Tensor).data;
      const result = m.evaluate(x, y, { batchSize: 4 });
      // The metric is the loss without its label smoothing.
      expect(Math.abs(result.crossentropy - referenceLoss(kind, z, y, 0)) / result.crossentropy).toBeLessThan(2e-6);
      const correct = kind === 'binary'
        ? Array.from(z).filter((v, i) => (v > 0 ? 1 : 0) === y.data[i]).length / z.length // sigmoid(z) > 0.5 ⇔ z > 0
        : classes.filter((c, r) => { const row = Array.from(z.subarray(r * C, (r + 1) * C)); return row.indexOf(Math.max(...row)) === c; }).length / N;
      expect(result.accuracy).toBeCloseTo(correct, 12);
      m.dispose();
    });
  });
}
