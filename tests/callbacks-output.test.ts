// The progress bar (terminal and plain output) and csvLogger, inside real fits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { csvLogger, progressBar } from '../src/node/index.js';
import { smallClassifier } from './helpers/callbacks.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-callbacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, output: { isTTY, columns: 200, write: (s: string) => { chunks.push(s); return true; } } };
}

describe('progress bar', () => {
  it('draws the Keras bar: steps, arrow head, ETA and the running mean of the batch loss', () => {
    const { chunks, output } = sink(true);
    const bar = new nn.callbacks.ProgressBar(output, { interval: 0 });
    bar.setParams({ epochs: 3, steps: 4, samples: 40, batchSize: 10 });
    bar.onEpochBegin(1);
    bar.onBatchEnd(0, { batch: 0, size: 10, loss: 1.0 });
    bar.onBatchEnd(1, { batch: 1, size: 10, loss: 0.5 });
    expect(chunks[0]).toBe('Epoch 2/3\n');
    // floor(30·1/4) = 7: six '=' then '>' then 23 dots.
    expect(chunks[1]).toMatch(/^\r\x1b\[2K1\/4 \[======>\.{23}\] - ETA: \d+s - loss: 1\.0000$/);
    expect(chunks[2]).toMatch(/^\r\x1b\[2K2\/4 \[==============>\.{15}\] - ETA: \d+s - loss: 0\.7500$/);
    bar.onEpochEnd(1, { loss: 0.625, accuracy: 0.5, val_loss: 0.7 });
    expect(chunks.at(-2)).toMatch(/^\r\x1b\[2K4\/4 \[={30}\] - \d+s \d+(ms|us)\/step - loss: 0\.6250 - accuracy: 0\.5000 - val_loss: 0\.7000$/);
    expect(chunks.at(-1)).toBe('\n');
  });

  it('writes one plain line per epoch, without carriage returns, when the output is not a terminal', async () => {
    const { model, x, y, xVal, yVal } = await smallClassifier(7);
    const { chunks, output } = sink(false);
    const history = await model.fit(x, y, {
      epochs: 2, batchSize: 16, verbose: 0, validationData: [xVal, yVal], callbacks: [progressBar({ output })],
    });
    const text = chunks.join('');
    expect(text).not.toContain('\r');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[2]).toBe('Epoch 2/2');
    for (const [i, line] of [lines[1], lines[3]].entries()) {
      expect(line).toMatch(/^3\/3 \[={30}\] - \d+s \d+(ms|us)\/step - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: [\d.]+$/);
      expect(line).toContain(`loss: ${history.history.loss[i].toFixed(4)}`);
      expect(line).toContain(`val_accuracy: ${history.history.val_accuracy[i].toFixed(4)}`);
    }
    model.dispose();
  });

  it('rejects a bad output or width', () => {
    expect(() => new nn.callbacks.ProgressBar({} as never)).toThrow('progressBar: output must have a write(text) method');
    expect(() => progressBar({ width: 0, output: sink(false).output })).toThrow('progressBar: width must be an integer ≥ 1, got 0');
    expect(() => progressBar({ interval: NaN, output: sink(false).output })).toThrow('progressBar: interval must be a finite number ≥ 0, got NaN');
  });
});

describe('csvLogger', () => {
  it('writes a sorted header and one row per epoch with the logged values', async () => {
    const { model, x, y, xVal, yVal } = await smallClassifier(8);
    const path = join(dir, 'sub', 'log.csv');
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, validationData: [xVal, yVal], callbacks: [csvLogger(path)] });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,accuracy,loss,val_accuracy,val_loss');
    expect(lines).toHaveLength(4);
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(',').map(Number);
      expect(cells).toEqual([e, history.history.accuracy[e], history.history.loss[e], history.history.val_accuracy[e], history.history.val_loss[e]]);
    });
    // A second fit replaces the file by default; with append it continues without a second header.
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [csvLogger(path, { separator: ';' })] });
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [csvLogger(path, { separator: ';', append: true })] });
    const appended = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(appended).toHaveLength(4);
    expect(appended[0]).toBe('epoch;accuracy;loss');
    expect(appended.filter((l) => l.startsWith('epoch'))).toHaveLength(1);
    expect(appended.slice(1).map((l) => l.split(';')[0])).toEqual(['0', '0', '1']);
    model.dispose();
  });

  it('rejects an empty path or a separator that would break the rows', () => {
    expect(() => csvLogger('')).toThrow("csvLogger: path must be a non-empty file path, got ''");
    expect(() => csvLogger('a.csv', { separator: '\n' })).toThrow(/csvLogger: separator must be a non-empty string without quotes or newlines/);
  });
});
