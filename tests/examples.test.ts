// The examples, through the built package entry ('simdnn' resolves to dist/ via the exports map).
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { mnistCnn } from '../examples/mnist-cnn.js';
import { residualCnn } from '../examples/residual-cnn.js';
import { inceptionNet } from '../examples/inception-block.js';

describe('examples', () => {
  it('the example CNN reaches at least 93% test accuracy in 5 epochs (batch 64, Adam 1e-3)', async () => {
    await nn.ready();
    nn.setSeed(1);
    const { train, test } = nn.data.mnist();
    const model = mnistCnn();
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: 5, batchSize: 64, seed: 1, verbose: 0 });
    const result = model.evaluate(test.x, test.y, { batchSize: 512 });
    expect(result.accuracy).toBeGreaterThanOrEqual(0.93);
    model.dispose();
  });

  for (const [name, build] of [['residual network', residualCnn], ['inception block', inceptionNet]] as const) {
    it(`the ${name} example trains: loss falls over two short epochs`, async () => {
      await nn.ready();
      nn.setSeed(2);
      const { train } = nn.data.mnist({ trainSize: 768 });
      const model = build();
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const history = await model.fit(train.x, train.y, { epochs: 2, batchSize: 64, seed: 2, verbose: 0 });
      expect(history.history.loss[1]).toBeLessThan(history.history.loss[0]);
      expect(model.summary()).toContain('Connected to');
      model.dispose();
    });
  }
});

describe('the main job', () => {
  it('npm start trains, prints a line per epoch and ends with the results table', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/mnist-mlp.ts', '--epochs', '2', '--hidden', '32'], {
      encoding: 'utf8', timeout: 120_000,
    });
    const epochLines = out.split('\n').filter((l) => /^Epoch \d+\/2 - [\d.]+s - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/.test(l));
    expect(epochLines).toHaveLength(2);
    expect(out).toMatch(/\| library \| time \(s\) \| test accuracy \| test loss \| train accuracy \| train loss \|/);
    const row = out.split('\n').find((l) => l.startsWith('| simdnn'))!;
    const [, , time, testAcc] = row.split('|').map((c) => c.trim());
    expect(Number(time)).toBeGreaterThan(0);
    expect(Number(testAcc)).toBeGreaterThan(0.8);
  });
});
