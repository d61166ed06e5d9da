// examples/tensorboard.ts through the built package ('simdnn' and 'simdnn/node' resolve to dist/).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainWithTensorBoard } from '../examples/tensorboard.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-tb-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/tensorboard', () => {
  it('trains two short epochs and writes train/validation event files and the curves page', async () => {
    const logDir = join(dir, 'logs');
    const { history, trainDir, validationDir, plot } = await trainWithTensorBoard({ logDir, epochs: 2, trainSize: 512, progress: false });
    expect(history.epoch).toEqual([0, 1]);
    expect(history.history.loss[1]).toBeLessThan(history.history.loss[0]);
    for (const sub of [trainDir, validationDir]) {
      const files = readdirSync(sub);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
      const bytes = readFileSync(join(sub, files[0]));
      // The first record is the file_version Event; its text is in the file.
      expect(bytes.toString('latin1')).toContain('brain.Event:2');
      expect(bytes.toString('latin1')).toContain('epoch_accuracy');
    }
    expect(readFileSync(trainDir + '/' + readdirSync(trainDir)[0]).toString('latin1')).toContain('batch_loss');
    expect(readFileSync(plot, 'utf8')).toContain('<svg');
  });
});
