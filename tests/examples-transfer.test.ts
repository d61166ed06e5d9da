// examples/transfer-learning at a small size, through the built package ('simdnn' and
// 'simdnn/node' resolve to dist/): the saved base loads exactly, stays bit-identical while frozen,
// moves when fine-tuned, and both tasks are learnt well above chance (1 in 5); the new head's
// model shares the pretrained layers.
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { BASE_LAYERS, digitCnn, transferLearning, withNewHead } from '../examples/transfer-learning.js';
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
    // Over 22 seeds at this size the lowest accuracies were 0.87 (source) and 0.67 (head).
    expect(result.sourceAccuracy).toBeGreaterThan(0.6);
    expect(result.headAccuracy).toBeGreaterThan(0.4);
    expect(result.fineTuneAccuracy).toBeGreaterThan(0.4);
  });

  it('the new head sits on the pretrained layers themselves; either model can be disposed first', async () => {
    await nn.ready();
    nn.setSeed(seed);
    const { test } = nn.data.mnist({ seed, testSize: 7 });
    const pretrained = digitCnn('pretrained', 5);
    const expected = Array.from((pretrained.predict(test.x) as nn.Tensor).data);
    const transfer = withNewHead(pretrained, 3);
    for (const name of ['image', 'conv1', 'pool1', 'conv2', 'pool2', 'flatten']) expect(transfer.getLayer(name)).toBe(pretrained.getLayer(name));
    for (const name of ['hidden', 'output']) expect(transfer.getLayer(name)).not.toBe(pretrained.getLayer(name));
    expect((transfer.predict(test.x) as nn.Tensor).shape).toEqual([7, 3]);
    transfer.dispose();
    expect(Array.from((pretrained.predict(test.x) as nn.Tensor).data)).toEqual(expected);
    pretrained.dispose();
  });

  it('names a bad option', async () => {
    await expect(transferLearning({ targetSize: 0, log: () => {} })).rejects.toThrow('transferLearning: targetSize must be an integer in [10, Infinity], got 0');
    await expect(transferLearning({ fineTuneLearningRate: 2, log: () => {} })).rejects.toThrow('fineTuneLearningRate must be in (0, 1), got 2');
  });
});
