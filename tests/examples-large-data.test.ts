// examples/large-data at a small size, through the built package ('simdnn' resolves to dist/):
// the digits written as IDX files and streamed into fit train well above chance, and every epoch
// prints its resident memory. RSS itself is not asserted: it depends on the collector and on
// whatever else the test process holds.
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { largeDataNet, largeDataStudy } from '../examples/large-data.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();

describe(`examples/large-data (seed ${seed})`, () => {
  it('is 784 → 128 → 10', async () => {
    await nn.ready();
    const model = largeDataNet();
    expect(model.countParams()).toBe(784 * 128 + 128 + 128 * 10 + 10);
    model.dispose();
  });

  it.each([[false], [true]])('2 epochs over 2 shifted copies of 1,500 digits (gzip %s): above chance, one RSS line per epoch', async (gzip) => {
    const lines: string[] = [];
    const result = await largeDataStudy({ epochs: 2, copies: 2, trainSize: 1500, batchSize: 32, shuffleBuffer: 512, gzip, seed, log: (l) => lines.push(l) });
    expect(result.epochs).toHaveLength(2);
    // Chance is 0.1; 3,000 streamed samples of an MLP land far above it for every seed.
    expect(result.test.accuracy).toBeGreaterThan(0.5);
    expect(result.epochs[1].accuracy).toBeGreaterThan(0.5);
    for (const row of result.epochs) expect(row.rssMiB).toBeGreaterThan(0);
    // Plain IDX: headers (16 and 8 bytes) and one byte per pixel and label; gzip hides the count until read.
    if (!gzip) expect([result.trainBytes, result.trainSamples]).toEqual([2 * 1500 * (784 + 1) + 16 + 8, 3000]);
    expect(lines.filter((l) => /^epoch \d\/2: .*RSS [\d.]+ MiB, [\d.]+ s$/.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^after fit \(weights = their moving average\): test accuracy [\d.]+/);
  });
});
