// IDX reader: round trips of generated files of every type (plain and gzip, bytes and paths),
// images+labels pairing, and clear errors for corrupt and truncated files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { cifar10File, fromIdxFile, fromIdxFiles } from '../src/node/data-files.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPES = {
  uint8: [0x08, 1, (v: DataView, at: number, x: number) => v.setUint8(at, x)],
  int8: [0x09, 1, (v: DataView, at: number, x: number) => v.setInt8(at, x)],
  int16: [0x0b, 2, (v: DataView, at: number, x: number) => v.setInt16(at, x, false)],
  int32: [0x0c, 4, (v: DataView, at: number, x: number) => v.setInt32(at, x, false)],
  float32: [0x0d, 4, (v: DataView, at: number, x: number) => v.setFloat32(at, x, false)],
  float64: [0x0e, 8, (v: DataView, at: number, x: number) => v.setFloat64(at, x, false)],
} as const;
type Dtype = keyof typeof TYPES;

/** An IDX file written from the format's description: magic, big-endian dims, big-endian values. */
function makeIdx(dtype: Dtype, dims: number[], values: number[]): Uint8Array {
  const [code, size, set] = TYPES[dtype];
  const bytes = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, code, dims.length]);
  dims.forEach((d, i) => view.setInt32(4 + 4 * i, d, false));
  values.forEach((x, i) => set(view, 4 + 4 * dims.length + size * i, x));
  return bytes;
}

const SAMPLES: Record<Dtype, number[]> = {
  uint8: [0, 1, 127, 128, 255], int8: [-128, -1, 0, 1, 127], int16: [-32768, -300, 0, 300, 32767],
  int32: [-2147483648, -70000, 0, 70000, 16777216], float32: [-1.5, 0, 0.1, 3e38, -2e-38], float64: [-1.5, 0, 0.1, 1e300, Math.PI],
};

describe('fromIdx round trip', () => {
  for (const dtype of Object.keys(TYPES) as Dtype[]) {
    it(`${dtype}, shape [3, 5, 7], plain and gzip, bytes and files`, async () => {
      const dims = [3, 5, 7], count = 105;
      const values = Array.from({ length: count }, (_, i) => SAMPLES[dtype][i % 5]);
      const plain = makeIdx(dtype, dims, values);
      const want = Float32Array.from(values);

      const decoded = nn.data.decodeIdx(plain);
      expect(decoded.dtype).toBe(dtype);
      expect(decoded.shape).toEqual(dims);
      expect([...decoded.data]).toEqual(dtype === 'float32' ? [...want] : values);

      for (const [name, bytes] of [['plain', plain], ['gzip', gzipSync(plain)]] as const) {
        const t = await nn.data.fromIdx(bytes);
        expect(t.shape, name).toEqual(dims);
        expect(t.data, name).toEqual(want);
        const path = join(dir, `${dtype}-${name}.idx`);
        writeFileSync(path, bytes);
        const f = await fromIdxFile(path);
        expect(f.shape, name).toEqual(dims);
        expect(f.data, name).toEqual(want);
      }
      // An ArrayBuffer and a view at an offset work too.
      expect((await nn.data.fromIdx(plain.slice().buffer)).data).toEqual(want);
      const padded = new Uint8Array(plain.length + 3);
      padded.set(plain, 3);
      expect((await nn.data.fromIdx(padded.subarray(3))).data).toEqual(want);
    });
  }

  it('rank 1 and rank 4', async () => {
    expect((await nn.data.fromIdx(makeIdx('uint8', [1], [9]))).shape).toEqual([1]);
    const t = await nn.data.fromIdx(makeIdx('int16', [2, 1, 3, 1], [1, 2, 3, 4, 5, 6]));
    expect(t.shape).toEqual([2, 1, 3, 1]);
    expect([...t.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('fromIdxPair / fromIdxFiles', () => {
  const n = 5, h = 3, w = 4;
  const pixels = Array.from({ length: n * h * w }, (_, i) => (i * 37) % 256);
  const labelValues = [3, 0, 9, 1, 3];
  const images = makeIdx('uint8', [n, h, w], pixels), labels = makeIdx('uint8', [n], labelValues);

  function check(part: nn.data.IdxPart, shape: number[]): void {
    expect(part.x.shape).toEqual(shape);
    expect(part.x.data).toEqual(Float32Array.from(pixels, (v) => v / 255));
    expect([...part.labels]).toEqual(labelValues);
    expect(part.y.shape).toEqual([n, 10]);
    expect([...part.y.argMax(-1).data]).toEqual(labelValues);
  }

  it('pairs images with labels like nn.data.mnist() (x flat in [0, 1], one-hot y)', async () => {
    check(await nn.data.fromIdxPair(images, gzipSync(labels)), [n, h * w]);
    check(await nn.data.fromIdxPair(gzipSync(images), labels, { flatten: false }), [n, h, w, 1]);
    const ip = join(dir, 'images.gz'), lp = join(dir, 'labels');
    writeFileSync(ip, gzipSync(images));
    writeFileSync(lp, labels);
    check(await fromIdxFiles(ip, lp), [n, h * w]);
    expect((await nn.data.fromIdxPair(images, labels, { numClasses: 12 })).y.shape).toEqual([n, 12]);
  });

  it('rejects a count mismatch, labels out of range and a labels file of the wrong rank', async () => {
    await expect(nn.data.fromIdxPair(images, makeIdx('uint8', [4], [1, 2, 3, 4]))).rejects.toThrow(/images hold 5 samples but labels hold 4/);
    await expect(nn.data.fromIdxPair(images, makeIdx('uint8', [5], [1, 2, 10, 4, 0]))).rejects.toThrow(/label 10 at index 2 is out of range: expected an integer in \[0, 10\)/);
    await expect(nn.data.fromIdxPair(images, makeIdx('int8', [5], [1, 2, -1, 4, 0]))).rejects.toThrow(/label -1 at index 2/);
    await expect(nn.data.fromIdxPair(images, makeIdx('uint8', [5, 1], [1, 2, 3, 4, 0]))).rejects.toThrow(/labels must be rank 1 \[N\], got shape \[5, 1\]/);
    await expect(nn.data.fromIdxPair(images, labels, { numClasses: 0 })).rejects.toThrow(/numClasses must be an integer in \[1, 256\], got 0/);
    await expect(fromIdxFiles(join(dir, 'missing'), join(dir, 'labels'))).rejects.toThrow(/fromIdxFiles: cannot read imagesPath .*missing/);
  });
});

describe('corrupt and truncated IDX files fail with clear errors', () => {
  const good = makeIdx('int16', [2, 3], [1, 2, 3, 4, 5, 6]);
  const header = (bytes: number[], dims: number[]): Uint8Array => {
    const b = new Uint8Array(4 + 4 * dims.length);
    b.set(bytes);
    dims.forEach((d, i) => new DataView(b.buffer).setInt32(4 + 4 * i, d, false));
    return b;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /0 bytes is too short for an IDX header: expected at least 4/],
    ['3 bytes', Uint8Array.of(0, 0, 8), /3 bytes is too short/],
    ['bad magic', Uint8Array.of(0, 1, 8, 1, 0, 0, 0, 1, 7), /bad IDX magic number 0x00010801: expected 0x0000/],
    ['a PNG', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0), /bad IDX magic number 0x89504e47/],
    ['bad type', Uint8Array.of(0, 0, 7, 1, 0, 0, 0, 1, 7), /unknown IDX data type 0x07 .* expected one of 0x08 \(uint8\), 0x09 \(int8\), 0x0b \(int16\)/],
    ['rank 0', Uint8Array.of(0, 0, 8, 0), /IDX rank is 0 .*expected at least 1 dimension/],
    ['zero dimension', header([0, 0, 8, 2], [3, 0]), /IDX dimension 1 is 0: expected a positive integer/],
    ['negative dimension', header([0, 0, 8, 1], [-5]), /IDX dimension 0 is -5: expected a positive integer/],
    ['dimensions that overflow', header([0, 0, 0x0d, 3], [65536, 65536, 2]), /IDX dimensions \[65536, 65536, \.\.\.\] hold more than 2147483647 values/],
    ['largest dimensions', header([0, 0, 0x0e, 4], [0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff]), /hold more than 2147483647 values/],
    ['truncated header', good.subarray(0, 9), /truncated IDX header: rank 2 needs 12 bytes, got 9/],
    ['truncated data', good.subarray(0, good.length - 1), /IDX data truncated: shape \[2, 3\] of int16 needs 24 bytes \(12-byte header \+ 12\), got 23/],
    ['trailing data', Uint8Array.of(...good, 0, 0, 0), /IDX data 3 trailing bytes after the data: shape \[2, 3\] of int16 needs 24 bytes/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, async () => {
      expect(() => nn.data.decodeIdx(bytes)).toThrow(message);
      await expect(nn.data.fromIdx(bytes)).rejects.toThrow(message);
      await expect(nn.data.fromIdx(gzipSync(bytes))).rejects.toThrow(message);
      const path = join(dir, `bad-${name.replace(/ /g, '-')}.gz`);
      writeFileSync(path, gzipSync(bytes));
      await expect(fromIdxFile(path)).rejects.toThrow(message);
    });
  }

  it('every truncation of a valid file, plain or gzip, is an error (no crash, no hang)', async () => {
    const file = makeIdx('uint8', [4, 5, 6], Array.from({ length: 120 }, (_, i) => i));
    const zipped = gzipSync(file);
    for (let len = 0; len < file.length; len++) expect(() => nn.data.decodeIdx(file.subarray(0, len))).toThrow(/IDX/);
    for (let len = 2; len < zipped.length; len++) {
      await expect(nn.data.fromIdx(zipped.subarray(0, len)), `gzip cut at ${len}`).rejects.toThrow(/gzip|IDX/);
    }
    const path = join(dir, 'cut.gz');
    writeFileSync(path, zipped.subarray(0, zipped.length - 6));
    await expect(fromIdxFile(path)).rejects.toThrow(/fromIdxFile: path .*cut\.gz is gzip-compressed but corrupt or truncated/);
  }, 30_000);

  it('corrupt gzip data and wrong argument types are named', async () => {
    const zipped = gzipSync(good);
    zipped[zipped.length - 5] ^= 0xff; // the CRC32 of the content
    await expect(nn.data.fromIdx(zipped)).rejects.toThrow(/fromIdx: bytes: the gzip data is corrupt or truncated/);
    await expect(nn.data.fromIdx('file.idx' as never)).rejects.toThrow(/fromIdx: bytes must be a Uint8Array, ArrayBuffer or typed array, got string/);
    expect(() => nn.data.decodeIdx(gzipSync(good))).toThrow(/gzip-compressed; use the async fromIdx/);
    await expect(fromIdxFile(join(dir, 'nope.idx'))).rejects.toThrow(/fromIdxFile: cannot read path .*nope\.idx/);
  });
});

describe('files from strangers (IDX)', () => {
  it('a 64 MB gzip bomb behind a 1,000-value header stops inflating at what the header declares', async () => {
    const bomb = new Uint8Array(8 + 64 * 2 ** 20);
    bomb.set(makeIdx('uint8', [1000], []));
    const zipped = gzipSync(bomb);
    expect(zipped.length).toBeLessThan(2 ** 20);
    const message = /the gzip data inflates to more than 65536 bytes past the IDX data: shape \[1000\] of uint8 needs 1008 bytes/;
    await expect(nn.data.fromIdx(zipped)).rejects.toThrow(message);
    const path = join(dir, 'bomb.gz');
    writeFileSync(path, zipped);
    await expect(fromIdxFile(path)).rejects.toThrow(message);
  });

  it('a plain file longer than its header declares is refused from its first bytes and its size, unread', async () => {
    // A sparse 8 GiB file: reading it whole would exhaust memory; its 1,000-value header settles it.
    const path = join(dir, 'huge.idx');
    writeFileSync(path, makeIdx('uint8', [1000], []));
    truncateSync(path, 2 ** 33);
    await expect(fromIdxFile(path)).rejects.toThrow(/fromIdxFile: .*huge\.idx: IDX data 8589933584 trailing bytes after the data: shape \[1000\] of uint8 needs 1008 bytes/);
    await expect(cifar10File(path)).rejects.toThrow(/cifar10File: cannot read path .*huge\.idx: it is 8589934592 bytes, more than 184380000 bytes \(60000 CIFAR-10 records/);
  });

  it('a FIFO or a device as the path is refused without being opened (the load settles)', async () => {
    const fifo = join(dir, 'images.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(fromIdxFile(fifo)).rejects.toThrow(/fromIdxFile: cannot read path .*images\.fifo: not a regular file \(a FIFO\)/);
    await expect(fromIdxFiles(join(dir, 'nothing'), fifo)).rejects.toThrow(/fromIdxFiles: cannot read/);
    await expect(fromIdxFile('/dev/zero')).rejects.toThrow(/fromIdxFile: cannot read path \/dev\/zero: not a regular file \(a device\)/);
  });
});
