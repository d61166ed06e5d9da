// CIFAR-10 binary batches: generated files read back as NHWC [N, 32, 32, 3] in [0, 1] from bytes,
// files and a directory; bad lengths, labels and paths give clear errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { cifar10, cifar10File, cifar100, cifar100File } from '../src/node/data-files.js';
import { freshSeed, makeRng } from './helpers/kernels.js';

const seed = freshSeed();
const dir = mkdtempSync(join(tmpdir(), 'simdnn-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** count records: a label byte, then the red, green and blue 32×32 planes, row-major. */
function makeBatch(count: number, rng: () => number): { bytes: Uint8Array; labels: number[] } {
  const bytes = new Uint8Array(count * 3073);
  const labels: number[] = [];
  for (let r = 0; r < count; r++) {
    labels.push(Math.floor(rng() * 10));
    bytes[r * 3073] = labels[r];
    for (let i = 1; i < 3073; i++) bytes[r * 3073 + i] = Math.floor(rng() * 256);
  }
  return { bytes, labels };
}

/** What the reader must return, written from the format: x[n, y, x, c] = plane c at (y, x) / 255. */
function expected(batches: Uint8Array[]): Float32Array {
  const records = batches.flatMap((b) => Array.from({ length: b.length / 3073 }, (_, r) => b.subarray(r * 3073, (r + 1) * 3073)));
  const out = new Float32Array(records.length * 3072);
  records.forEach((rec, n) => {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      out[n * 3072 + (y * 32 + x) * 3 + c] = rec[1 + c * 1024 + y * 32 + x] / 255;
    }
  });
  return out;
}

function checkPart(part: nn.data.Cifar10Part, batches: Uint8Array[], labels: number[]): void {
  expect(part.x.shape).toEqual([labels.length, 32, 32, 3]);
  expect(part.x.data).toEqual(expected(batches));
  expect([...part.labels]).toEqual(labels);
  expect(part.y.shape).toEqual([labels.length, 10]);
  expect([...part.y.argMax(-1).data]).toEqual(labels);
}

describe('cifar10 reader', () => {
  it(`reads a batch from bytes (plain and gzip), several batches in order, and a size limit (seed ${seed})`, async () => {
    const rng = makeRng(seed);
    const a = makeBatch(3, rng), b = makeBatch(2, rng);
    checkPart(await nn.data.cifar10(a.bytes), [a.bytes], a.labels);
    checkPart(await nn.data.cifar10(gzipSync(a.bytes)), [a.bytes], a.labels);
    checkPart(await nn.data.cifar10([a.bytes, b.bytes.buffer as ArrayBuffer]), [a.bytes, b.bytes], [...a.labels, ...b.labels]);
    const first4 = await nn.data.cifar10([a.bytes, b.bytes], { size: 4 });
    checkPart(first4, [a.bytes, b.bytes.subarray(0, 3073)], [...a.labels, b.labels[0]]);
    expect(nn.data.CIFAR10_CLASSES[3]).toBe('cat');
  });

  it('one pixel lands where NHWC says: record 1, row 2, column 5, green', async () => {
    const bytes = new Uint8Array(2 * 3073);
    bytes[3073 + 1 + 1024 + 2 * 32 + 5] = 255;
    const part = await nn.data.cifar10(bytes);
    const hot = [...part.x.data.keys()].filter((i) => part.x.data[i] !== 0);
    expect(hot).toEqual([3072 + (2 * 32 + 5) * 3 + 1]);
    expect(part.x.data[hot[0]]).toBe(1);
  });

  it(`reads files and a directory of data_batch_1..5.bin and test_batch.bin (seed ${seed})`, async () => {
    const rng = makeRng(seed + 1);
    const root = join(dir, 'extracted'), batchesDir = join(root, 'cifar-10-batches-bin');
    mkdirSync(batchesDir, { recursive: true });
    const train = [1, 2, 3, 4, 5].map((i) => {
      const batch = makeBatch(i === 3 ? 1 : 2, rng);
      writeFileSync(join(batchesDir, `data_batch_${i}.bin`), i === 2 ? gzipSync(batch.bytes) : batch.bytes);
      return batch;
    });
    const test = makeBatch(3, rng);
    writeFileSync(join(batchesDir, 'test_batch.bin'), test.bytes);

    for (const where of [batchesDir, root]) {
      const set = await cifar10(where);
      checkPart(set.train, train.map((t) => t.bytes), train.flatMap((t) => t.labels));
      checkPart(set.test, [test.bytes], test.labels);
    }
    const small = await cifar10(root, { trainSize: 3, testSize: 1 });
    checkPart(small.train, [train[0].bytes, train[1].bytes.subarray(0, 3073)], [...train[0].labels, train[1].labels[0]]);
    checkPart(small.test, [test.bytes.subarray(0, 3073)], [test.labels[0]]);
    checkPart(await cifar10File(join(batchesDir, 'test_batch.bin')), [test.bytes], test.labels);
    checkPart(await cifar10File([1, 2].map((i) => join(batchesDir, `data_batch_${i}.bin`))), [train[0].bytes, train[1].bytes], [...train[0].labels, ...train[1].labels]);

    await expect(cifar10(root, { trainSize: 99 })).rejects.toThrow(/cifar10: trainSize must be an integer in \[1, 9\] \(the records read\), got 99/);
    await expect(cifar10(root, { testSize: 0 })).rejects.toThrow(/cifar10: testSize must be a positive integer, got 0/);
    rmSync(join(batchesDir, 'data_batch_4.bin'));
    await expect(cifar10(batchesDir)).rejects.toThrow(/cifar10: .*cifar-10-batches-bin has no data_batch_4\.bin: expected data_batch_1\.bin, .*test_batch\.bin/);
    await expect(cifar10(join(batchesDir, 'test_batch.bin'))).rejects.toThrow(/is not a directory: .*for a single batch file use cifar10File/);
    await expect(cifar10(join(dir, 'absent'))).rejects.toThrow(/cifar10: cannot read directory .*absent/);
    await expect(cifar10File(join(dir, 'absent.bin'))).rejects.toThrow(/cifar10File: cannot read path .*absent\.bin/);
  });
});

describe('corrupt and truncated CIFAR-10 data fail with clear errors', () => {
  const rng = makeRng(seed + 2);
  const good = makeBatch(2, rng).bytes;

  it('a length that is not a whole number of 3073-byte records', async () => {
    await expect(nn.data.cifar10(good.subarray(0, 3073 + 100))).rejects.toThrow(
      /cifar10: the data is 3173 bytes, not a positive whole number of 3073-byte records \(1 label byte \+ 3072 pixel bytes\): 1 records and 100 bytes left over/);
    await expect(nn.data.cifar10(new Uint8Array(0))).rejects.toThrow(/the data is 0 bytes/);
    await expect(nn.data.cifar10([good, good.subarray(1)])).rejects.toThrow(/cifar10: batch 1 is 6145 bytes/);
    const path = join(dir, 'short.bin');
    writeFileSync(path, good.subarray(0, 5000));
    await expect(cifar10File(path)).rejects.toThrow(/cifar10File: .*short\.bin is 5000 bytes, not a positive whole number/);
    for (let len = 1; len < 3073; len += 97) await expect(nn.data.cifar10(good.subarray(0, len))).rejects.toThrow(/not a positive whole number/);
  });

  it('a label outside 0..9, truncated gzip, bad arguments', async () => {
    const bad = good.slice();
    bad[3073] = 10;
    await expect(nn.data.cifar10(bad)).rejects.toThrow(/cifar10: the data record 1 \(byte 3073\) has label 10: expected 0\.\.9/);
    const zipped = gzipSync(good);
    await expect(nn.data.cifar10(zipped.subarray(0, zipped.length - 10))).rejects.toThrow(/cifar10: the data: the gzip data is corrupt or truncated/);
    const path = join(dir, 'cut.bin');
    writeFileSync(path, zipped.subarray(0, 40));
    await expect(cifar10File(path)).rejects.toThrow(/cut\.bin is gzip-compressed but corrupt or truncated/);
    await expect(nn.data.cifar10('/data/cifar' as never)).rejects.toThrow(/cifar10: got the path "\/data\/cifar", but the core reads bytes only/);
    await expect(nn.data.cifar10([])).rejects.toThrow(/no batches given/);
    await expect(nn.data.cifar10(good, { size: 3 })).rejects.toThrow(/size must be an integer in \[1, 2\]/);
  });
});

/** CIFAR-100 records: coarse label, fine label, then the pixel planes (each byte from `pixel`). */
function makeCifar100(count: number, rng: () => number, pixel = () => Math.floor(rng() * 256)): { bytes: Uint8Array; coarse: number[]; fine: number[] } {
  const bytes = new Uint8Array(count * 3074);
  const coarse: number[] = [], fine: number[] = [];
  for (let r = 0; r < count; r++) {
    coarse.push(Math.floor(rng() * 20));
    fine.push(Math.floor(rng() * 100));
    bytes.set([coarse[r], fine[r]], r * 3074);
    for (let i = 2; i < 3074; i++) bytes[r * 3074 + i] = pixel();
  }
  return { bytes, coarse, fine };
}

describe(`CIFAR-100 (seed ${seed})`, () => {
  it('reads fine and coarse labels and the pixels after both label bytes, from bytes, files and a directory', async () => {
    const rng = makeRng(seed + 3);
    const a = makeCifar100(3, rng), b = makeCifar100(2, rng);
    const pixels = (bytes: Uint8Array): Uint8Array => {
      const out = new Uint8Array(bytes.length / 3074 * 3073);
      for (let r = 0; r < bytes.length / 3074; r++) out.set(bytes.subarray(r * 3074 + 1, (r + 1) * 3074), r * 3073);
      return out; // as CIFAR-10 records whose label byte is the fine label: expected() reads the pixels from byte 1
    };
    const fine = await nn.data.cifar100(a.bytes);
    expect(fine.x.data).toEqual(expected([pixels(a.bytes)]));
    expect([...fine.labels]).toEqual(a.fine);
    expect([...fine.coarseLabels]).toEqual(a.coarse);
    expect(fine.y.shape).toEqual([3, 100]);
    expect([...fine.y.argMax(-1).data]).toEqual(a.fine);
    const coarse = await nn.data.cifar100([gzipSync(a.bytes), b.bytes], { labelMode: 'coarse', size: 4 });
    expect(coarse.y.shape).toEqual([4, 20]);
    expect([...coarse.labels]).toEqual([...a.coarse, b.coarse[0]]);
    expect([...coarse.fineLabels]).toEqual([...a.fine, b.fine[0]]);
    const root = join(dir, 'c100'), bin = join(root, 'cifar-100-binary');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'train.bin'), a.bytes);
    writeFileSync(join(bin, 'test.bin'), gzipSync(b.bytes));
    const set = await cifar100(root, { labelMode: 'coarse' });
    expect([...set.train.labels]).toEqual(a.coarse);
    expect([...set.test.fineLabels]).toEqual(b.fine);
    expect([...(await cifar100File(join(bin, 'train.bin'))).labels]).toEqual(a.fine);
    await expect(nn.data.cifar100(a.bytes, { labelMode: 'medium' as never })).rejects.toThrow(/cifar100: labelMode must be 'fine', 'coarse', got 'medium'/);
    await expect(nn.data.cifar100(a.bytes, { labelmode: 'fine' } as never)).rejects.toThrow(/unknown option 'labelmode'; did you mean 'labelMode'\?/);
    const badFine = a.bytes.slice();
    badFine[3074 + 1] = 100;
    await expect(nn.data.cifar100(badFine)).rejects.toThrow(/cifar100: the data record 1 \(byte 3075\) has fine label 100: expected 0\.\.99/);
    await expect(nn.data.cifar100(makeBatch(2, rng).bytes)).rejects.toThrow(/6146 bytes, not a positive whole number of 3074-byte records/);
  });

  it('a CIFAR-100 file whose length is also whole CIFAR-10 records, and whose bytes are all valid labels, is refused as ambiguous', async () => {
    // 3,073 CIFAR-100 records are 3,074 CIFAR-10 records; pixel bytes under 10 make every CIFAR-10 label byte valid.
    const rng = makeRng(seed + 4);
    const { bytes } = makeCifar100(3073, rng, () => Math.floor(rng() * 10));
    bytes[0] %= 10; // CIFAR-10's first label byte is record 0's coarse label,
    bytes[3072 * 3074 + 1] %= 10; // and its last is the last record's fine label
    await expect(nn.data.cifar10(bytes)).rejects.toThrow(/cifar10: the data is ambiguous: its 9446402 bytes are a whole number of both CIFAR-10 records \(3073 bytes\) and CIFAR-100 records \(3074 bytes\).*read it with the cifar100 reader/);
    await expect(nn.data.cifar100(bytes)).rejects.toThrow(/cifar100: the data is ambiguous/);
    const path = join(dir, 'ambiguous.bin');
    writeFileSync(path, bytes);
    await expect(cifar10File(path)).rejects.toThrow(/ambiguous/);
    // One pixel byte of 10 or more where CIFAR-10 would put a label settles it: CIFAR-100 only.
    bytes[3073] = 200;
    await expect(nn.data.cifar10(bytes)).rejects.toThrow(/record 1 \(byte 3073\) has label 200: expected 0\.\.9; .*use cifar100/);
    expect((await nn.data.cifar100(bytes)).labels.length).toBe(3073);
  });

  it('a gzip bomb is refused once it inflates past the most records a file of the data set holds', async () => {
    const zipped = gzipSync(new Uint8Array(61_000 * 3073), { level: 1 });
    await expect(nn.data.cifar10(zipped)).rejects.toThrow(/cifar10: the data: the gzip data inflates to more than 184380000 bytes \(60000 CIFAR-10 records/);
  });
});
