// examples/mnist-lstm at a small size, through the built package ('simdnn' resolves to dist/):
// the network reads a digit as 28 rows of 28 pixels, and its test accuracy rises well above chance.
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { mnistLstm, mnistLstmStudy } from '../examples/mnist-lstm.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();

describe(`examples/mnist-lstm (seed ${seed})`, () => {
  it('is rows → LSTM → softmax over 10 digits', async () => {
    await nn.ready();
    const model = mnistLstm(16);
    expect(model.layers.map((l) => l.className)).toEqual(['Reshape', 'LSTM', 'Dense']);
    expect(model.layers[1].inputShapes).toEqual([]); // built on first use
    const p = model.predict(nn.tensor(new Float32Array(2 * 784), [2, 784])) as nn.Tensor;
    expect(p.shape).toEqual([2, 10]);
    // LSTM(16) on 28 features: 4·16·(28 + 16 + 1) weights; the head 16·10 + 10.
    expect(model.countParams()).toBe(4 * 16 * 45 + 170);
    model.dispose();
  });

  it('5 small epochs of LSTM(32) on 2,000 digits: test accuracy well above chance (0.1), one time per epoch', async () => {
    const lines: string[] = [];
    const result = await mnistLstmStudy({ epochs: 5, trainSize: 2000, testSize: 500, units: 32, batchSize: 32, learningRate: 3e-3, seed, log: (l) => lines.push(l) });
    expect(result.test.accuracy).toBeGreaterThan(0.5);
    expect(result.epochSeconds).toHaveLength(5);
    expect(result.params).toBe(4 * 32 * 61 + 330);
    expect(lines.at(-1)).toMatch(/^LSTM\(32\) on rows of 2000 digits: test accuracy [\d.]+ on 500 digits, test loss [\d.]+, [\d.]+ s per epoch$/);
  });
});
