// examples/multi-io-mnist at small sizes, through the built package ('simdnn' resolves to dist/):
// the hint's noise, the Keras keys of History and evaluate, the loss weights, the shapes
// predict returns, and the same training from inputs and targets given as lists or by name.
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { hintedDigits, multiIoCompileArgs, multiIoModel, multiIoStudy } from '../examples/multi-io-mnist.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();

describe(`examples/multi-io-mnist (seed ${seed})`, () => {
  it('the hint is the parity, wrong for the given fraction of samples', async () => {
    await nn.ready();
    const { test } = nn.data.mnist({ seed });
    const even = Float32Array.from(test.labels, (l) => (l % 2 === 0 ? 1 : 0));
    expect(Array.from(hintedDigits(test, 0, seed).inputs.hint.data)).toEqual(Array.from(even));
    expect(Array.from(hintedDigits(test, 1, seed).inputs.hint.data)).toEqual(Array.from(even, (e) => 1 - e));
    const set = hintedDigits(test, 0.25, seed);
    expect(Array.from(set.targets.even.data)).toEqual(Array.from(even));
    expect(set.inputs.hint.shape).toEqual([test.labels.length, 1]);
    const wrong = set.inputs.hint.data.reduce((s, h, i) => s + (h !== even[i] ? 1 : 0), 0) / even.length;
    // 2,004 draws: the standard deviation of the fraction is 0.0097; 0.06 is six of them.
    expect(Math.abs(wrong - 0.25)).toBeLessThan(0.06);
  });

  it('trains two heads from two inputs: Keras keys, even_loss weighted by 0.5, one prediction per output', async () => {
    await nn.ready();
    const { train } = nn.data.mnist({ seed, trainSize: 256 });
    const set = hintedDigits(train, 0.25, seed);
    const run = async (byName: boolean) => {
      nn.setSeed(seed);
      const model = multiIoModel();
      model.compile(multiIoCompileArgs(3e-3));
      const history = byName
        ? await model.fit(set.inputs, set.targets, { epochs: 4, batchSize: 32, seed, verbose: 0 })
        : await model.fit([set.inputs.image, set.inputs.hint], [set.targets.digit, set.targets.even], { epochs: 4, batchSize: 32, seed, verbose: 0 });
      return { model, history };
    };
    const { model, history } = await run(false);
    expect(model.inputs.map((t) => t.name)).toEqual(['image', 'hint']);
    expect(Object.keys(history.history).sort()).toEqual(['digit_accuracy', 'digit_loss', 'even_accuracy', 'even_loss', 'loss']);
    const loss = history.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);

    const logs = { ...model.evaluate([set.inputs.image, set.inputs.hint], [set.targets.digit, set.targets.even], { batchSize: 256 }) } as Record<string, number>;
    expect(Object.keys(logs).sort()).toEqual(['digit_accuracy', 'digit_loss', 'even_accuracy', 'even_loss', 'loss']);
    // Keras 3 logs each output's loss times its weight, so they add up to the total.
    expect(logs.loss).toBeCloseTo(logs.digit_loss + logs.even_loss, 5);
    model.compile({ ...multiIoCompileArgs(), lossWeights: { digit: 1, even: 1 } });
    const unweighted = { ...model.evaluate([set.inputs.image, set.inputs.hint], [set.targets.digit, set.targets.even], { batchSize: 256 }) } as Record<string, number>;
    expect(unweighted.digit_loss).toBe(logs.digit_loss);
    expect(unweighted.even_loss).toBeCloseTo(2 * logs.even_loss, 5);

    const predictions = model.predict([set.inputs.image, set.inputs.hint]) as nn.Tensor[];
    expect(predictions.map((p) => p.shape)).toEqual([[256, 10], [256, 1]]);
    for (let i = 0; i < 256; i++) {
      const row = predictions[0].data.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    expect(predictions[1].data.every((p) => p > 0 && p < 1)).toBe(true);
    model.dispose();

    // Inputs and targets by name: the same model, data and seed train the same way.
    const named = await run(true);
    expect(named.history.history).toEqual(history.history);
    named.model.dispose();
  });

  it('the study reports test figures under the Keras names, validation included', async () => {
    const lines: string[] = [];
    const result = await multiIoStudy({ epochs: 1, trainSize: 200, seed, log: (l) => lines.push(l) });
    expect(Object.keys(result.history.history)).toEqual(expect.arrayContaining(['val_loss', 'val_digit_accuracy', 'val_even_accuracy', 'val_digit_loss', 'val_even_loss']));
    for (const key of ['loss', 'digit_loss', 'even_loss', 'digit_accuracy', 'even_accuracy']) expect(Number.isFinite(result.test[key]), key).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^test \(2004 digits\): digit accuracy [\d.]+, even accuracy [\d.]+/);
    await expect(multiIoStudy({ hintNoise: 1.5, log: () => {} })).rejects.toThrow('multiIoStudy: hintNoise must be in [0, 1], got 1.5');
  });
});
