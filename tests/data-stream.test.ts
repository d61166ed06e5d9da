// Streamed IDX and CIFAR-10 datasets (simdnn/node): a pass in file order gives exactly what the
// whole-file readers give (plain and gzip, every IDX element type), shuffling is a seeded
// permutation within the buffer's reach, a fit from the stream is the fit from the arrays, and
// every check of the whole-file readers still fails with its message, here or when reached.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { cifar10File, fromIdxFiles } from '../src/node/data-files.js';
import { cifar10Dataset, idxDataset, StreamedDataset } from '../src/node/index.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();
const dir = mkdtempSync(join(tmpdir(), 'simdnn-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => nn.ready());

const CODES = { uint8: [0x08, 1], int16: [0x0b, 2], int32: [0x0c, 4], float32: [0x0d, 4], float64: [0x0e, 8] } as const;
type Dtype = keyof typeof CODES;

/** An IDX file from the format's description: magic, big-endian dims, big-endian values. */
function makeIdx(dtype: Dtype, dims: number[], values: ArrayLike<number>): Uint8Array {
  const [code, size] = CODES[dtype];
  const bytes = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, code, dims.length]);
  dims.forEach((d, i) => view.setInt32(4 + 4 * i, d, false));
  const setters = { uint8: view.setUint8, int16: view.setInt16, int32: view.setInt32, float32: view.setFloat32, float64: view.setFloat64 };
  for (let i = 0; i < values.length; i++) setters[dtype].call(view, 4 + 4 * dims.length + size * i, values[i], false);
  return bytes;
}

let fileCount = 0;
function write(bytes: Uint8Array, gzip = false): string {
  const path = join(dir, `f${fileCount++}${gzip ? '.gz' : ''}`);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** n digit-like images [n, 5, 3] of `dtype` and labels in [0, 7). */
function idxPair(n: number, rng: () => number, dtype: Dtype = 'uint8', gzip = false): { images: string; labels: string; classes: number[] } {
  const values = Array.from({ length: n * 15 }, () => (dtype === 'uint8' ? Math.floor(rng() * 256) : dtype.startsWith('float') ? rng() * 4 - 2 : Math.floor(rng() * 2000) - 1000));
  const classes = Array.from({ length: n }, () => Math.floor(rng() * 7));
  return { images: write(makeIdx(dtype, [n, 5, 3], values), gzip), labels: write(makeIdx('uint8', [n], classes), gzip), classes };
}

/** Every batch of one pass, joined. */
async function drain(dataset: StreamedDataset): Promise<{ xs: nn.Tensor[]; ys: nn.Tensor[] }> {
  const xs: nn.Tensor[] = [];
  const ys: nn.Tensor[] = [];
  for await (const batch of dataset) { xs.push(batch.xs); ys.push(batch.ys); }
  return { xs, ys };
}

function joined(parts: nn.Tensor[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, t) => s + t.size, 0));
  let at = 0;
  for (const t of parts) { out.set(t.data, at); at += t.size; }
  return out;
}

describe(`idxDataset (seed ${seed})`, () => {
  for (const dtype of Object.keys(CODES) as Dtype[]) {
    for (const gzip of [false, true]) {
      it(`${dtype}${gzip ? ', gzip' : ''}: a pass in file order is fromIdxFiles's x and y, in batches`, async () => {
        const rng = makeRng(seed);
        const { images, labels } = idxPair(23, rng, dtype, gzip);
        const whole = await fromIdxFiles(images, labels, { numClasses: 7 });
        const dataset = await idxDataset(images, labels, { batchSize: 5, numClasses: 7 });
        expect(dataset.size).toBe(23);
        const { xs, ys } = await drain(dataset);
        expect(xs.map((t) => t.shape)).toEqual([[5, 15], [5, 15], [5, 15], [5, 15], [3, 15]]);
        expect(joined(xs)).toEqual(whole.x.data);
        expect(joined(ys)).toEqual(whole.y.data);
      });
    }
  }

  it('flatten: false, sparse labels, normalize: false', async () => {
    const rng = makeRng(seed + 1);
    const { images, labels, classes } = idxPair(9, rng);
    const whole = await fromIdxFiles(images, labels, { numClasses: 7, flatten: false });
    const { xs, ys } = await drain(await idxDataset(images, labels, { batchSize: 4, numClasses: 7, flatten: false, sparse: true }));
    expect(xs[0].shape).toEqual([4, 5, 3, 1]);
    expect(ys[0].shape).toEqual([4]);
    expect(joined(xs)).toEqual(whole.x.data);
    expect(Array.from(joined(ys))).toEqual(classes);
    const raw = await drain(await idxDataset(images, labels, { batchSize: 9, numClasses: 7, normalize: false }));
    expect(Array.from(raw.xs[0].data)).toEqual(Array.from(whole.x.data, (v) => Math.round(v * 255)));
  });

  it('shuffleBuffer: each pass a seeded permutation, no sample drawn before the buffer reaches it', async () => {
    const rng = makeRng(seed + 2);
    const n = 61;
    // Image i is all i, so the order of a pass can be read off xs; its label stays with it.
    const classes = Array.from({ length: n }, () => Math.floor(rng() * 7));
    const images = write(makeIdx('uint8', [n, 2, 2], Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4))));
    const labels = write(makeIdx('uint8', [n], classes), true);
    const buffer = 10;
    const orderOf = async (dataset: StreamedDataset) => {
      const { xs, ys } = await drain(dataset);
      const order = Array.from({ length: n }, (_, j) => joined(xs)[j * 4] * 255);
      const sparse = Array.from(joined(ys));
      order.forEach((i, j) => expect(sparse[j]).toBe(classes[Math.round(i)]));
      return order.map(Math.round);
    };
    const dataset = await idxDataset(images, labels, { batchSize: 8, shuffleBuffer: buffer, seed, sparse: true, numClasses: 7 });
    const first = await orderOf(dataset);
    const second = await orderOf(dataset);
    for (const order of [first, second]) {
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      order.forEach((i, j) => expect(j).toBeGreaterThanOrEqual(i - buffer + 1));
    }
    expect(second).not.toEqual(first);
    const again = await idxDataset(images, labels, { batchSize: 8, shuffleBuffer: buffer, seed, sparse: true, numClasses: 7 });
    expect(await orderOf(again)).toEqual(first);
  });

  it('fitDataset on the stream trains exactly as fit on fromIdxFiles\'s arrays', async () => {
    const rng = makeRng(seed + 3);
    const { images, labels } = idxPair(37, rng, 'uint8', true);
    const whole = await fromIdxFiles(images, labels, { numClasses: 7 });
    const build = () => {
      nn.setSeed(seed);
      const m = nn.sequential({ layers: [nn.layers.dense({ inputShape: [15], units: 8, activation: 'relu' }), nn.layers.dense({ units: 7, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const reference = build();
    await reference.fit(whole.x, whole.y, { batchSize: 6, epochs: 2, shuffle: false, verbose: 0 });
    const model = build();
    const dataset = await idxDataset(images, labels, { batchSize: 6, numClasses: 7 });
    await model.fitDataset(dataset, { epochs: 2, verbose: 0 });
    expect(model.getWeights().map((w) => Array.from(w.data))).toEqual(reference.getWeights().map((w) => Array.from(w.data)));
    expect(await model.evaluateDataset(dataset)).toEqual(model.evaluate(whole.x, whole.y, { batchSize: 6 }));
    for (const m of [model, reference]) m.dispose();
  });

  it('checks as fromIdxFiles does: headers, lengths and counts when made; data when the pass reaches it', async () => {
    const rng = makeRng(seed + 4);
    const { images, labels } = idxPair(6, rng);
    const images7 = idxPair(7, rng).images;
    await expect(idxDataset(images7, labels, { numClasses: 7 })).rejects.toThrow('idxDataset: images hold 7 samples but labels hold 6; the counts must match');
    const good = makeIdx('uint8', [6, 5, 3], new Uint8Array(90));
    await expect(idxDataset(write(good.subarray(0, 50)), labels)).rejects.toThrow(/idxDataset: .*f\d+: IDX data truncated: shape \[6, 5, 3\] of uint8 needs 106 bytes \(16-byte header \+ 90\), got 50/);
    await expect(idxDataset(write(new Uint8Array([0, 0, 0x07, 1])), labels)).rejects.toThrow('unknown IDX data type 0x07');
    await expect(idxDataset(dir, labels)).rejects.toThrow(`idxDataset: cannot read imagesPath ${dir}: not a regular file (a directory)`);
    await expect(idxDataset(images, labels, { numClasses: 7, shuffle_buffer: 4 } as never)).rejects.toThrow("idxDataset: unknown option 'shuffle_buffer'; did you mean 'shuffleBuffer'?");
    await expect(idxDataset(images, labels, { batchSize: 0 })).rejects.toThrow('idxDataset: batchSize must be a positive integer, got 0');
    // Found when a pass reaches them: a label out of range, gzip data cut short, bytes after the data.
    const badLabels = write(makeIdx('uint8', [6], [1, 2, 3, 9, 1, 1]), true);
    await expect(drain(await idxDataset(images, badLabels, { numClasses: 7, batchSize: 2 }))).rejects.toThrow(/idxDataset: .*f\d+\.gz: label 9 at index 3 is out of range: expected an integer in \[0, 7\)/);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, gzipSync(good).subarray(0, 30));
    await expect((async () => drain(await idxDataset(cut, labels, { numClasses: 7 })))()).rejects.toThrow(/cut\.gz (is gzip-compressed but corrupt or truncated|: IDX data truncated)/);
    const longer = write(new Uint8Array([...good, 1, 2, 3]), true);
    await expect(drain(await idxDataset(longer, labels, { numClasses: 7 }))).rejects.toThrow('IDX data 3 trailing bytes after the data: shape [6, 5, 3] of uint8 needs 106 bytes');
  });
});

/** count CIFAR-10 records: a label byte, then the red, green and blue 32×32 planes. */
function cifarBytes(count: number, rng: () => number, pixel = () => Math.floor(rng() * 256)): Uint8Array {
  const bytes = new Uint8Array(count * 3073);
  for (let r = 0; r < count; r++) {
    bytes[r * 3073] = Math.floor(rng() * 10);
    for (let i = 1; i < 3073; i++) bytes[r * 3073 + i] = pixel();
  }
  return bytes;
}

describe(`cifar10Dataset (seed ${seed})`, () => {
  it('files in order, plain and gzip: a pass is cifar10File\'s x and y', async () => {
    const rng = makeRng(seed + 5);
    const a = cifarBytes(5, rng), b = cifarBytes(4, rng);
    const paths = [write(a), write(b, true)];
    const whole = await cifar10File(paths);
    const dataset = await cifar10Dataset(paths, { batchSize: 4 });
    expect(dataset.size).toBeNull(); // a gzip file hides its record count until inflated
    const { xs, ys } = await drain(dataset);
    expect(xs.map((t) => t.shape[0])).toEqual([4, 4, 1]);
    expect(xs[0].shape).toEqual([4, 32, 32, 3]);
    expect(joined(xs)).toEqual(whole.x.data);
    expect(joined(ys)).toEqual(whole.y.data);
    expect((await cifar10Dataset(paths[0])).size).toBe(5);
  });

  it('checks as cifar10File does: whole records, labels 0..9, files ambiguous with CIFAR-100', async () => {
    const rng = makeRng(seed + 6);
    const a = cifarBytes(3, rng);
    await expect(cifar10Dataset(write(a.subarray(0, 3073 * 2 + 5)))).rejects.toThrow(/is 6151 bytes, not a positive whole number of 3073-byte records/);
    const badLabel = a.slice();
    badLabel[3073 * 2] = 12;
    await expect(drain(await cifar10Dataset(write(badLabel, true)))).rejects.toThrow(/cifar10Dataset: .*f\d+\.gz record 2 \(byte 6146\) has label 12: expected 0\.\.9/);
    await expect(drain(await cifar10Dataset(write(a.subarray(0, 3073 * 2 + 5), true)))).rejects.toThrow(/is 6151 bytes, not a positive whole number/);
    // 3,074 records with dark pixels read as valid CIFAR-100 records too.
    const ambiguous = cifarBytes(3074, rng, () => Math.floor(rng() * 20));
    await expect(cifar10Dataset(write(ambiguous))).rejects.toThrow(/is ambiguous: its 9446402 bytes are a whole number of both CIFAR-10 records/);
    await expect(drain(await cifar10Dataset(write(ambiguous, true), { batchSize: 1000 }))).rejects.toThrow(/is ambiguous/);
    await expect(cifar10Dataset([])).rejects.toThrow('cifar10Dataset: path must be a path or a non-empty list of paths, got []');
  });
});
