// examples/autoencoder at a reduced size, through the built package ('simdnn' resolves to dist/):
// the reconstructions beat predicting the mean digit, the PNG is a valid file whose top row holds
// the originals, and the small PNG encoder round-trips through zlib with correct CRCs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { autoencoderModel, autoencoderStudy, imageGrid, main } from '../examples/autoencoder.js';
import { crc32, encodeGrayPng } from '../examples/png.js';
import { freshSeed } from './helpers/kernels.js';

const seed = freshSeed();
const dir = mkdtempSync(join(tmpdir(), 'simdnn-autoencoder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A grayscale PNG read back: its size and pixels, every chunk's CRC checked. */
function decodeGrayPng(file: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  expect(Array.from(file.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at < file.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...file.subarray(at + 4, at + 8));
    expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(crc32(file.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data: file.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const header = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const width = header.getUint32(0), height = header.getUint32(4);
  expect(Array.from(chunks[0].data.subarray(8))).toEqual([8, 0, 0, 0, 0]); // 8-bit grayscale, no interlace
  const raw = inflateSync(chunks[1].data);
  expect(raw.length).toBe(height * (width + 1));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0); // filter type none
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

describe('examples/png', () => {
  it('CRC-32 gives the standard check values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('a grayscale image round-trips, odd sizes included; a wrong pixel count is refused', () => {
    for (const [w, h] of [[1, 1], [3, 2], [17, 5]]) {
      const pixels = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + seed) & 255);
      const back = decodeGrayPng(encodeGrayPng(pixels, w, h));
      expect([back.width, back.height]).toEqual([w, h]);
      expect(Array.from(back.pixels)).toEqual(Array.from(pixels));
    }
    expect(() => encodeGrayPng(new Uint8Array(5), 2, 3)).toThrow('encodeGrayPng: expected 2·3 pixels for a 2x3 image, got 5');
  });
});

describe(`examples/autoencoder (seed ${seed})`, () => {
  it('the model squeezes a digit into 7x7x8 and draws it back at 28x28', async () => {
    await nn.ready();
    const model = autoencoderModel();
    expect(model.getLayer('code').outputShape).toEqual([7, 7, 8]);
    expect(model.layers.filter((l) => l.className === 'Conv2DTranspose').map((l) => l.outputShape)).toEqual([[14, 14, 16], [28, 28, 1]]);
    expect(model.outputShape).toEqual([784]);
    model.dispose();
  });

  it('trained on 1,000 digits for 3 epochs, it reconstructs test digits better than the mean digit does; the grid shows them', async () => {
    const lines: string[] = [];
    const out = join(dir, 'study');
    const result = await autoencoderStudy({ epochs: 3, batchSize: 32, trainSize: 1000, testSize: 300, seed, out, log: (l) => lines.push(l) });
    expect(result.testMse).toBeLessThan(result.meanImageMse);
    expect(result.epochSeconds).toHaveLength(3);
    expect(result.epochSeconds.every((s) => s > 0)).toBe(true);
    const loss = result.history.history.loss;
    expect(loss[2]).toBeLessThan(loss[0]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^test reconstruction MSE [\d.]+ over 300 digits \(predicting the mean training digit: [\d.]+\); 3 epochs of 1000 digits, [\d.]+ s per epoch; grid written to /);

    // The grid: the first test sample of each digit, originals in the top row, as the test split holds them.
    const { test } = nn.data.mnist({ seed, trainSize: 1000, testSize: 300 });
    expect(result.shown.map((i) => test.labels[i])).toEqual([...new Set(test.labels)].sort((a, b) => a - b));
    const png = decodeGrayPng(readFileSync(result.png));
    const expected = imageGrid([test.x.data, test.x.data], result.shown);
    expect([png.width, png.height]).toEqual([expected.width, expected.height]);
    const topHalf = png.width * (png.height / 2);
    expect(Array.from(png.pixels.subarray(0, topHalf))).toEqual(Array.from(expected.pixels.subarray(0, topHalf)));
  });

  it('the command line reads its flags', async () => {
    const out = join(dir, 'cli');
    const result = await main(['--epochs', '1', '--batch-size', '16', '--train-size', '64', '--test-size', '20', '--seed', String(seed), '--out', out]);
    expect(result.epochSeconds).toHaveLength(1);
    expect(result.png).toBe(join(out, 'reconstructions.png'));
    await expect(autoencoderStudy({ epochs: 0, log: () => {} })).rejects.toThrow('autoencoderStudy: epochs must be an integer in [1, Infinity], got 0');
  });
});
