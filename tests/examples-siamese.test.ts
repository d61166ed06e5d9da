// examples/siamese-mnist at small sizes, through the built package ('simdnn' resolves to dist/):
// the pairs, one set of encoder weights for both branches (counted once, and a model symmetric in
// its two inputs to the bit, before and after training), and a loss that falls.
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { digitPairs, siameseModel, siameseStudy } from '../examples/siamese-mnist.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();

/** The model's predictions for (left, right) and for (right, left). */
function bothWays(model: nn.LayersModel, left: nn.Tensor, right: nn.Tensor): [Float32Array, Float32Array] {
  const p = model.predict([left, right]) as nn.Tensor;
  const q = model.predict([right, left]) as nn.Tensor;
  return [p.data, q.data];
}

describe(`examples/siamese-mnist (seed ${seed})`, () => {
  it('pairs alternate "same digit" and "different digits"', async () => {
    await nn.ready();
    const { train } = nn.data.mnist({ seed, trainSize: 500 });
    const pairs = digitPairs(train, 51, seed);
    expect(pairs.left.shape).toEqual([51, 784]);
    expect(pairs.right.shape).toEqual([51, 784]);
    expect(Array.from(pairs.same.data)).toEqual(Array.from({ length: 51 }, (_, p) => (p % 2 === 0 ? 1 : 0)));
    const tooFew = { x: nn.tensor(new Float32Array(3 * 784), [3, 784]), labels: Uint8Array.of(0, 0, 1) };
    expect(() => digitPairs(tooFew, 2, seed)).toThrow('digitPairs: every digit needs at least 2 samples');
  });

  it('both branches share one encoder: its weights count once and the model is symmetric, before and after training', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const { train } = nn.data.mnist({ seed, trainSize: 1000 });
    const pairs = digitPairs(train, 256, seed);
    const { model, encoder } = siameseModel(16);
    expect(model.countParams()).toBe(encoder.countParams() + 16 + 1); // the head: one weight per embedding unit, one bias
    for (const layer of encoder.layers) expect(model.layers.filter((l) => l === layer)).toHaveLength(1);

    const [before, swapped] = bothWays(model, pairs.left, pairs.right);
    expect(swapped).toEqual(before);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const conv = encoder.getLayer('encoder_conv1');
    const convBefore = Array.from(conv.getWeights()[0].data);
    const history = await model.fit([pairs.left, pairs.right], pairs.same, { epochs: 4, batchSize: 32, seed, verbose: 0 });
    expect(Array.from(conv.getWeights()[0].data)).not.toEqual(convBefore);
    const [after, afterSwapped] = bothWays(model, pairs.left, pairs.right);
    expect(afterSwapped).toEqual(after);
    expect(after).not.toEqual(before);
    const loss = history.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);

    // The encoder model holds the trained weights: its embeddings and the head's weights give
    // the siamese model's answers (in float64 here, float32 there).
    const ea = (encoder.predict(pairs.left) as nn.Tensor).data;
    const eb = (encoder.predict(pairs.right) as nn.Tensor).data;
    const [w, b] = model.getLayer('same').getWeights().map((t) => t.data);
    for (let p = 0; p < 256; p++) {
      let z = b[0];
      for (let k = 0; k < 16; k++) z += w[k] * (ea[p * 16 + k] - eb[p * 16 + k]) ** 2;
      expect(Math.abs(1 / (1 + Math.exp(-z)) - after[p])).toBeLessThan(1e-4);
    }
    model.dispose();
    encoder.dispose();
  });

  it('the study reports held-out pair accuracy', async () => {
    const lines: string[] = [];
    const result = await siameseStudy({ epochs: 1, pairs: 200, testPairs: 100, seed, log: (l) => lines.push(l) });
    expect(result.test.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.test.accuracy).toBeLessThanOrEqual(1);
    expect(Object.keys(result.history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(result.params.model).toBe(result.params.encoder + 33);
    expect(lines[0]).toMatch(/^held-out pairs \(100, from test digits, half the same digit\): pair accuracy [\d.]+/);
    await expect(siameseStudy({ pairs: 1, log: () => {} })).rejects.toThrow('siameseStudy: pairs must be an integer in [2, Infinity], got 1');
  });
});
