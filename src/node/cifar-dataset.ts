/// <reference types="node" />
/**
 * CIFAR-10 binary batch files (plain or gzip-compressed) streamed as a dataset of `{ xs, ys }`
 * batches, with the checks of `cifar10File`: regular files only, whole 3,073-byte records, labels
 * 0..9, at most 60,000 records a file (gzip inflated chunk by chunk, stopping there), and a file
 * that reads as CIFAR-100 just as well refused as ambiguous.
 */
import { checkBoolean, checkOptions } from '../core/checks.js';
import {
  CIFAR10_CLASSES, CIFAR10_LAYOUT, CIFAR10_SIZE, CIFAR100_LAYOUT, cifarAmbiguityError, cifarInflateLimit, cifarLabelError,
  cifarLengthError, recordBytes, type CifarLayout,
} from '../data/cifar10.js';
import { FileStream } from './file-stream.js';
import { STREAM_KEYS, StreamedDataset, type RecordReader, type StreamArgs } from './streamed-dataset.js';

/** Options of {@link cifar10Dataset}. */
export type Cifar10DatasetArgs = StreamArgs;

const RECORD = recordBytes(CIFAR10_LAYOUT);
const PLANE = CIFAR10_SIZE * CIFAR10_SIZE;
const { maxBytes: MAX_BYTES, tooLong: TOO_LONG } = cifarInflateLimit(CIFAR10_LAYOUT)(new Uint8Array(0))!;

/** Whether every record so far has valid labels when the bytes are read in another layout, fed chunk by chunk. */
class LabelScan {
  fits = true;
  constructor(private readonly layout: CifarLayout) {}

  /** Bytes `b[at, at + length)`, which start at byte `offset` of the file. */
  feed(b: Uint8Array, at: number, length: number, offset: number): void {
    const size = recordBytes(this.layout);
    for (let k = 0; k < this.layout.labelBytes && this.fits; k++) {
      for (let p = offset + ((k - (offset % size) + size) % size); p < offset + length; p += size) {
        if (b[at + p - offset] >= this.layout.classes[k]) { this.fits = false; break; }
      }
    }
  }
}

/** Opens one file; a plain file's length is checked before anything is read. */
async function openFile(path: string, who: string): Promise<FileStream> {
  const stream = await FileStream.open(path, who, 'path');
  if (!stream.gzip && (stream.size === 0 || stream.size % RECORD !== 0 || stream.size > MAX_BYTES)) {
    await stream.close();
    if (stream.size > MAX_BYTES) throw new RangeError(`${who}: cannot read path ${path}: it is ${stream.size} bytes, ${TOO_LONG}`);
    throw cifarLengthError(stream.size, who, path, CIFAR10_LAYOUT);
  }
  return stream;
}

/** One pass over the files, in order. */
class CifarReader implements RecordReader {
  readonly recordBytes = RECORD;
  private next = 0;
  private stream: FileStream | null = null;
  private records = 0;
  private scan = new LabelScan(CIFAR100_LAYOUT);

  constructor(private readonly paths: readonly string[], private readonly normalize: boolean, private readonly who: string) {}

  async read(n: number, pool: Uint8Array, first: number, classes: Uint8Array): Promise<number> {
    let total = 0;
    while (total < n) {
      if (!this.stream) {
        if (this.next === this.paths.length) break;
        this.stream = await openFile(this.paths[this.next++], this.who);
        this.records = 0;
        this.scan = new LabelScan(CIFAR100_LAYOUT);
      }
      const stream = this.stream;
      const path = this.paths[this.next - 1];
      const at = (first + total) * RECORD;
      const want = (n - total) * RECORD;
      const got = await stream.read(pool, at, want);
      if (stream.position > MAX_BYTES) throw new RangeError(`${this.who}: ${path}: the gzip data inflates to ${TOO_LONG}`);
      this.scan.feed(pool, at, got, stream.position - got);
      const whole = Math.floor(got / RECORD);
      for (let i = 0; i < whole; i++) {
        const label = pool[at + i * RECORD];
        const r = this.records + i;
        if (label >= CIFAR10_CLASSES.length) throw cifarLabelError(label, 0, r, r * RECORD, this.who, path, CIFAR10_LAYOUT);
        classes[first + total + i] = label;
      }
      this.records += whole;
      total += whole;
      if (got < want) { // this file ended: whole records, and not CIFAR-100 just as well
        const length = stream.position;
        this.stream = null;
        await stream.close();
        if (length === 0 || length % RECORD !== 0) throw cifarLengthError(length, this.who, path, CIFAR10_LAYOUT);
        if (length % recordBytes(CIFAR100_LAYOUT) === 0 && this.scan.fits) throw cifarAmbiguityError(length, this.who, path, CIFAR10_LAYOUT);
      }
    }
    return total;
  }

  decode(pool: Uint8Array, r: number, out: Float32Array, at: number): void {
    const base = r * RECORD + 1;
    for (let c = 0; c < 3; c++) {
      const src = base + c * PLANE;
      if (this.normalize) for (let p = 0; p < PLANE; p++) out[at + p * 3 + c] = pool[src + p] / 255;
      else for (let p = 0; p < PLANE; p++) out[at + p * 3 + c] = pool[src + p];
    }
  }

  async close(): Promise<void> {
    await this.stream?.close();
    this.stream = null;
  }
}

/**
 * Streams CIFAR-10 binary batch files (data_batch_1.bin … data_batch_5.bin, or test_batch.bin; each
 * plain or gzip-compressed), read in the order given, as a dataset of `{ xs: [N, 32, 32, 3] in
 * [0, 1], ys: one-hot [N, 10] }` batches (class indices with `sparse`). Each file is opened here
 * (a plain one's length checked, and its labels scanned when it could also be CIFAR-100); each
 * pass reads the files front to back, holding only the shuffle buffer and one batch.
 */
export async function cifar10Dataset(path: string | readonly string[], args: Cifar10DatasetArgs = {}): Promise<StreamedDataset> {
  const who = 'cifar10Dataset';
  checkOptions(args, who, STREAM_KEYS);
  const normalize = args.normalize === undefined ? true : checkBoolean(args.normalize, who, 'normalize');
  const paths = typeof path === 'string' ? [path] : path;
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError(`${who}: path must be a path or a non-empty list of paths, got ${JSON.stringify(path)}`);
  let size: number | null = 0;
  for (const p of paths) {
    const stream = await openFile(p, who);
    await stream.close();
    if (stream.gzip) size = null;
    else if (size !== null) size += stream.size / RECORD;
    // A plain file as long as whole CIFAR-100 records too is read through once now, so an ambiguous one fails before training.
    if (!stream.gzip && stream.size % recordBytes(CIFAR100_LAYOUT) === 0) await scanWhole(p, who);
  }
  return new StreamedDataset(async () => new CifarReader(paths, normalize, who), [CIFAR10_SIZE, CIFAR10_SIZE, 3], CIFAR10_CLASSES.length, size, args, who);
}

/** Reads one file through, checking every record as a pass would. */
async function scanWhole(path: string, who: string): Promise<void> {
  const reader = new CifarReader([path], true, who);
  const chunk = 256;
  const pool = new Uint8Array(chunk * RECORD);
  const classes = new Uint8Array(chunk);
  try {
    while (await reader.read(chunk, pool, 0, classes) > 0);
  } finally {
    await reader.close();
  }
}
