// A small text classifier (embedding → conv1d → globalMaxPooling1d → dense) learns a synthetic
// task that needs word order: which of three two-word phrases a sentence contains. Chance is 1/3;
// held-out accuracy must pass 0.8 for every seed.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

const VOCAB = 20, LENGTH = 16;
/** Words 1 and 2 make the phrases; the filler words (3 … 19) never contain them. */
const PHRASES: [number, number][] = [[1, 2], [2, 1], [1, 1]];

/**
 * n sentences of filler words, each holding one phrase at a random place; the label is which
 * phrase. The classes share their words, so only their order tells them apart.
 */
function sentences(n: number, rng: () => number): { x: nn.Tensor; y: nn.Tensor; labels: Uint8Array } {
  const x = new Float32Array(n * LENGTH);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < LENGTH; t++) x[i * LENGTH + t] = 3 + Math.floor(rng() * (VOCAB - 3));
    const label = Math.floor(rng() * PHRASES.length);
    const at = Math.floor(rng() * (LENGTH - 1));
    x[i * LENGTH + at] = PHRASES[label][0];
    x[i * LENGTH + at + 1] = PHRASES[label][1];
    labels[i] = label;
  }
  return { x: nn.tensor(x, [n, LENGTH]), y: nn.data.toCategorical(labels, PHRASES.length), labels };
}

describe(`text classification with embedding and conv1d (seed ${seed})`, () => {
  it('learns which phrase a sentence holds: held-out accuracy above 0.8 (chance 1/3)', async () => {
    nn.setSeed(seed);
    const rng = makeRng(seed);
    const train = sentences(600, rng), test = sentences(300, rng);
    const model = nn.sequential({ layers: [
      nn.layers.embedding({ inputDim: VOCAB, outputDim: 8, inputLength: LENGTH }),
      nn.layers.conv1d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      nn.layers.globalMaxPooling1d(),
      nn.layers.dense({ units: PHRASES.length, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = model.evaluate(test.x, test.y).accuracy!;
    await model.fit(train.x, train.y, { batchSize: 32, epochs: 12, seed, verbose: 0 });
    const after = model.evaluate(test.x, test.y).accuracy!;
    console.log(`text classification, seed ${seed}: held-out accuracy ${before.toFixed(3)} before training, ${after.toFixed(3)} after 12 epochs`);
    expect(after).toBeGreaterThan(0.8);
    model.dispose();
  });

  it('every sequence layer in one model trains on the same task: held-out accuracy above 0.8', async () => {
    nn.setSeed(seed + 1);
    const rng = makeRng(seed + 1);
    const train = sentences(600, rng), test = sentences(300, rng);
    const words = nn.input({ shape: [LENGTH] });
    const embedded = nn.layers.embedding({ inputDim: VOCAB, outputDim: 8 }).apply(words);
    const phrases = nn.layers.conv1d({ filters: 16, kernelSize: 2, padding: 'causal', activation: 'relu' }).apply(embedded);
    const pooled = nn.layers.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }).apply(nn.layers.maxPooling1d({ poolSize: 2, strides: 1 }).apply(phrases));
    const mixed = nn.layers.timeDistributed({ layer: nn.layers.dense({ units: 8, activation: 'tanh' }) }).apply(pooled);
    const summary = nn.layers.concatenate().apply([nn.layers.globalMaxPooling1d().apply(mixed), nn.layers.globalAveragePooling1d().apply(mixed)]);
    const model = nn.model({ inputs: words, outputs: nn.layers.dense({ units: PHRASES.length, activation: 'softmax' }).apply(summary) });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { batchSize: 32, epochs: 12, seed, verbose: 0 });
    const accuracy = model.evaluate(test.x, test.y).accuracy!;
    console.log(`every sequence layer, seed ${seed}: held-out accuracy ${accuracy.toFixed(3)} after 12 epochs`);
    expect(accuracy).toBeGreaterThan(0.8);
    model.dispose();
  });
});
