// examples/transfer-learning at a small size, through the built package ('simdnn' and
// 'simdnn/node' resolve to dist/): the saved base loads exactly, stays bit-identical while frozen,
// moves when fine-tuned, and both tasks are learnt well above chance (1 in 5).
import { describe, expect, it } from 'vitest';
import { BASE_LAYERS, digitCnn, transferLearning } from '../examples/transfer-learning.js';
import { sameBits } from '../examples/digit-subsets.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();

describe(`examples/transfer-learning (seed ${seed})`, () => {
  it('freezes the loaded base while the new head trains, then fine-tunes it; both tasks above chance', async () => {
    const result = await transferLearning({ sourceSize: 1000, sourceEpochs: 1, targetSize: 150, headEpochs: 4, fineTuneEpochs: 2, seed, log: () => {} });
    const { trained, loaded, afterHead, afterFineTune } = result.base;
    expect(trained).toHaveLength(2 * BASE_LAYERS.length); // kernel and bias of each convolution
    expect(sameBits(loaded, trained)).toBe(true); // file:// round trip
    expect(sameBits(afterHead, loaded)).toBe(true); // frozen
    expect(sameBits(afterFineTune, afterHead)).toBe(false); // unfrozen at the next compile

    const model = digitCnn('count', 5);
    const head = ['hidden', 'output'].reduce((s, name) => s + model.getLayer(name).countParams(), 0);
    expect(result.trainableParams).toEqual({ head, fineTune: model.countParams() });
    model.dispose();

    expect(result.targetTrainSize).toBe(150);
    // Over ten seeds at this size the lowest accuracies were 0.87 (source) and 0.67 (head).
    expect(result.sourceAccuracy).toBeGreaterThan(0.6);
    expect(result.headAccuracy).toBeGreaterThan(0.4);
    expect(result.fineTuneAccuracy).toBeGreaterThan(0.4);
  });

  it('names a bad option', async () => {
    await expect(transferLearning({ targetSize: 0, log: () => {} })).rejects.toThrow('transferLearning: targetSize must be an integer in [10, Infinity], got 0');
    await expect(transferLearning({ fineTuneLearningRate: 2, log: () => {} })).rejects.toThrow('fineTuneLearningRate must be in (0, 1), got 2');
  });
});
