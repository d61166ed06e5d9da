// The three studies (examples/optimizers, overfitting, augmentation) at small sizes, through the
// built package ('simdnn' and 'simdnn/node' resolve to dist/): files written, one table row per
// run, and the effect each study is about.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { OPTIMIZER_RUNS, main as optimizersMain, optimizerNet, optimizerStudy } from '../examples/optimizers.js';
import { RUN_EARLY, RUN_PLAIN, RUN_REGULARIZED, main as overfittingMain, overfittingStudy } from '../examples/overfitting.js';
import { RUN_AUGMENTED, RUN_PLAIN as RUN_NO_AUG, augmentationNet, augmentationStudy, main as augmentationMain } from '../examples/augmentation.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-studies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = (): void => {};

/** The plot files exist and name every run; the HTML page embeds the SVG. */
function expectPlots(files: { svg: string; html: string; summary: string; histories: string }, runs: string[]): void {
  for (const file of Object.values(files)) expect(existsSync(file), file).toBe(true);
  const svg = readFileSync(files.svg, 'utf8');
  const html = readFileSync(files.html, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(html).toContain('<svg');
  for (const run of runs) {
    expect(svg).toContain(run);
    expect(html).toContain(run);
  }
  // Lines were drawn: one path per (run, split) in each panel at least.
  expect((svg.match(/<path /g) ?? []).length).toBeGreaterThanOrEqual(runs.length * 2);
  expect(Object.keys(JSON.parse(readFileSync(files.histories, 'utf8')))).toEqual(runs);
}

/** The Markdown table has a header, a rule and exactly one line per run, in order. */
function expectTable(table: string, runs: string[]): void {
  const lines = table.split('\n');
  expect(lines).toHaveLength(runs.length + 2);
  runs.forEach((run, i) => expect(lines[i + 2].startsWith(`| ${run} `)).toBe(true));
}

describe('examples/optimizers', () => {
  it('trains all six from the same weights; Rprop full-batch, one step per epoch; Adam ahead of plain SGD', async () => {
    const out = join(dir, 'optimizers');
    const trainSize = 400;
    const epochs = 4;
    const result = await optimizerStudy({ out, epochs, trainSize, valSize: 300, seed: 3, log: quiet });
    const names = OPTIMIZER_RUNS.map((r) => r.name);
    expect(names).toEqual(['SGD', 'Momentum', 'Nesterov', 'RMSprop', 'Adam', 'Rprop (full batch)']);
    expect(result.rows.map((r) => r.run)).toEqual(names);
    expectTable(result.table, names);
    expectPlots(result.files, names);

    const byName = Object.fromEntries(result.rows.map((r) => [r.run, r]));
    for (const row of result.rows) {
      expect(row.epochs).toBe(epochs);
      expect(row.loss).toBeLessThan(result.histories[row.run].history.loss[0]);
    }
    expect(byName['Rprop (full batch)'].batchSize).toBe(trainSize);
    expect(byName['Rprop (full batch)'].steps).toBe(epochs);
    expect(byName.SGD.steps).toBe(epochs * Math.ceil(trainSize / 32));
    // Plain SGD at 0.01 is far behind Adam after a few epochs.
    expect(byName.Adam.loss).toBeLessThan(0.7 * byName.SGD.loss);

    // Same initial weights: Rprop's first full-batch loss (taken before its first step) is the
    // loss of the study's initial network on the whole training subset.
    await nn.ready();
    nn.setSeed(3);
    const initial = optimizerNet();
    initial.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const { train } = nn.data.mnist({ trainSize, seed: 3 });
    const before = initial.evaluate(train.x, train.y, { batchSize: trainSize }).loss;
    initial.dispose();
    expect(result.histories['Rprop (full batch)'].history.loss[0]).toBeCloseTo(before, 4);
  });
});

describe('examples/overfitting', () => {
  it('validation loss turns up while training loss falls; early stopping stops there and restores the best weights', async () => {
    const out = join(dir, 'overfitting');
    const epochs = 30;
    const patience = 3;
    const result = await overfittingStudy({ out, epochs, trainSize: 200, valSize: 400, units: 256, patience, seed: 1, log: quiet });
    const runs = [RUN_PLAIN, RUN_EARLY, RUN_REGULARIZED];
    expect(result.rows.map((r) => r.run)).toEqual(runs);
    expectTable(result.table, runs);
    expectPlots(result.files, runs);
    const [plain, early, regularized] = result.rows;

    // Overfitting: training loss collapses, validation loss ends well above its minimum, reached early.
    expect(plain.epochs).toBe(epochs);
    expect(plain.lastLoss).toBeLessThan(plain.firstLoss / 20);
    expect(plain.lastValLoss).toBeGreaterThan(1.05 * plain.minValLoss);
    expect(plain.bestEpoch).toBeLessThan(epochs - patience);
    // Without regularisation, the cross-entropy columns are the logged losses.
    const plainHistory = result.histories[RUN_PLAIN].history;
    expect(plain.lastValLoss).toBeCloseTo(plainHistory.val_loss[epochs - 1], 5);
    expect(plain.lastLoss).toBeCloseTo(plainHistory.loss[epochs - 1], 5);
    expect(plain.valCrossEntropy).toBeCloseTo(plain.lastValLoss, 4);

    // Early stopping: same weights and order, so the same curve up to where it stopped,
    // `patience` epochs after the best one, before the last epoch; the best weights are back.
    expect(early.stoppedEpoch).not.toBeNull();
    expect(early.stoppedEpoch!).toBeLessThan(epochs);
    expect(early.bestEpoch).toBe(plain.bestEpoch);
    expect(early.stoppedEpoch).toBe(early.bestEpoch + patience);
    expect(early.epochs).toBe(early.stoppedEpoch);
    expect(result.stopper.bestEpoch + 1).toBe(early.bestEpoch);
    const earlyHistory = result.histories[RUN_EARLY].history;
    expect(earlyHistory.val_loss).toEqual(plainHistory.val_loss.slice(0, early.epochs));
    expect(early.valCrossEntropy).toBeCloseTo(early.minValLoss, 4);
    expect(early.valCrossEntropy).toBeLessThan(plain.valCrossEntropy);
    // The plot marks where it stopped.
    expect(readFileSync(result.files.svg, 'utf8')).toContain(`stopped ${early.stoppedEpoch}`);

    // L2 + dropout: its logged loss carries the penalty, the cross-entropy columns do not.
    const regHistory = result.histories[RUN_REGULARIZED].history;
    expect(regularized.lastLoss).toBeLessThan(regHistory.loss[epochs - 1]);
    expect(Number.isFinite(regularized.testAccuracy)).toBe(true);
  });
});

describe('examples/augmentation', () => {
  it('the layers come first; on 300 digits the augmented CNN ends with a lower test loss and a higher test accuracy', async () => {
    await nn.ready();
    const withLayers = augmentationNet(true, 1);
    const without = augmentationNet(false);
    const layers = withLayers.layers;
    expect(layers[0]).toBeInstanceOf(nn.layers.RandomRotation);
    expect(layers[1]).toBeInstanceOf(nn.layers.RandomTranslation);
    expect(layers[2]).toBeInstanceOf(nn.layers.RandomZoom);
    expect(without.layers.some((l) => l instanceof nn.layers.RandomRotation)).toBe(false);
    // Same weight shapes, so both runs start from one snapshot.
    expect(withLayers.getWeights().map((w) => w.shape)).toEqual(without.getWeights().map((w) => w.shape));
    withLayers.dispose();
    without.dispose();

    const out = join(dir, 'augmentation');
    const result = await augmentationStudy({ out, epochs: 30, trainSize: 300, testSize: 500, seed: 1, log: quiet });
    const runs = [RUN_NO_AUG, RUN_AUGMENTED];
    expect(result.rows.map((r) => r.run)).toEqual(runs);
    expectTable(result.table, runs);
    expectPlots(result.files, runs);
    const [plain, augmented] = result.rows;
    // The evaluated test numbers are the last epoch's validation numbers: the layers are inactive in evaluate.
    for (const row of result.rows) {
      const h = result.histories[row.run].history;
      expect(row.testLoss).toBeCloseTo(h.val_loss[h.val_loss.length - 1], 5);
      expect(row.testAccuracy).toBeCloseTo(h.val_accuracy[h.val_accuracy.length - 1], 6);
    }
    expect(plain.cleanTrainAccuracy).toBeGreaterThan(0.99);
    expect(augmented.testLoss).toBeLessThan(0.8 * plain.testLoss);
    expect(augmented.testAccuracy).toBeGreaterThan(plain.testAccuracy + 0.01);
  });
});

describe('the studies\' command lines', () => {
  for (const [name, main] of [['optimizers', optimizersMain], ['overfitting', overfittingMain], ['augmentation', augmentationMain]] as const) {
    it(`${name}: a bad --epochs fails before training, naming the flag`, async () => {
      await expect(main(['--epochs', '0', '--out', join(dir, `${name}-bad`)])).rejects.toThrow(/epochs must be an integer/);
      expect(existsSync(join(dir, `${name}-bad`))).toBe(false);
    });
  }
});
