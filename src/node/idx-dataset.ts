/// <reference types="node" />
/**
 * An images IDX file and its labels IDX file (plain or gzip-compressed), streamed as a dataset of
 * `{ xs, ys }` batches, with the checks of `fromIdxFiles`: regular files only, the headers read and
 * checked first (a plain file must be exactly as long as its header declares), counts that match,
 * labels in range, gzip inflated chunk by chunk and no further than the header declares.
 */
import { checkBoolean, checkOptions } from '../core/checks.js';
import { HEAD_BYTES, checkIdxLabel, checkIdxPair, checkLength, idxLayout, idxSampleShape, idxScale, type IdxDtype, type IdxLayout } from '../data/idx.js';
import { FileStream } from './file-stream.js';
import { STREAM_KEYS, StreamedDataset, type RecordReader, type StreamArgs } from './streamed-dataset.js';

/** Options of {@link idxDataset}. */
export interface IdxDatasetArgs extends StreamArgs {
  /** Classes of the labels (default 10, as MNIST and Fashion-MNIST), at most 256. */
  numClasses?: number;
  /** xs as [N, height·width] like `nn.data.mnist()` (default true), or [N, height, width, 1] when false. */
  flatten?: boolean;
  /** uint8 images scaled to [0, 1] (default true); other element types are left as they are. */
  normalize?: boolean;
}

/** Trailing bytes after the declared data that are counted before giving up: as the whole-file reader. */
const TRAILING_SEEN = 65536;

/** Reads an IDX header from the start of `stream`, checked; a plain file's length must be what it declares. */
async function readHeader(stream: FileStream): Promise<IdxLayout> {
  const head = new Uint8Array(HEAD_BYTES);
  let got = await stream.read(head, 0, 4);
  if (got === 4) got += await stream.read(head, 4, 4 * head[3]);
  const layout = idxLayout(head.subarray(0, got), stream.name)!; // throws on a short or bad header
  if (!stream.gzip) checkLength(layout, stream.size, stream.name);
  return layout;
}

/** One value of an IDX element type at byte `at` (big-endian). */
function valueAt(view: DataView, at: number, dtype: IdxDtype): number {
  switch (dtype) {
    case 'uint8': return view.getUint8(at);
    case 'int8': return view.getInt8(at);
    case 'int16': return view.getInt16(at, false);
    case 'int32': return view.getInt32(at, false);
    case 'float32': return view.getFloat32(at, false);
    case 'float64': return view.getFloat64(at, false);
  }
}

/** One pass over the two files. */
class IdxReader implements RecordReader {
  readonly recordBytes: number;
  private readonly valuesPerSample: number;
  private readonly scale: number;
  private done = 0;
  private labelBytes = new Uint8Array(0);
  private labelView = new DataView(this.labelBytes.buffer);
  private poolView: DataView | null = null;

  constructor(private readonly images: FileStream, private readonly labels: FileStream, readonly imageLayout: IdxLayout,
    private readonly labelLayout: IdxLayout, readonly numClasses: number, normalize: boolean) {
    this.valuesPerSample = imageLayout.count / imageLayout.shape[0];
    this.recordBytes = this.valuesPerSample * imageLayout.type.bytes;
    this.scale = idxScale(imageLayout.type.dtype, normalize);
  }

  async read(n: number, pool: Uint8Array, first: number, classes: Uint8Array): Promise<number> {
    const m = Math.min(n, this.imageLayout.shape[0] - this.done);
    if (m === 0) {
      await Promise.all([this.checkEnd(this.images, this.imageLayout), this.checkEnd(this.labels, this.labelLayout)]);
      return 0;
    }
    await this.readExactly(this.images, this.imageLayout, pool, first * this.recordBytes, m * this.recordBytes);
    const width = this.labelLayout.type.bytes;
    if (this.labelBytes.length < m * width) {
      this.labelBytes = new Uint8Array(m * width);
      this.labelView = new DataView(this.labelBytes.buffer);
    }
    await this.readExactly(this.labels, this.labelLayout, this.labelBytes, 0, m * width);
    for (let i = 0; i < m; i++) {
      classes[first + i] = checkIdxLabel(valueAt(this.labelView, i * width, this.labelLayout.type.dtype), this.done + i, this.numClasses, this.labels.name);
    }
    this.done += m;
    return m;
  }

  /** Reads exactly `length` bytes; the data ending sooner is the whole-file reader's "truncated" error. */
  private async readExactly(stream: FileStream, layout: IdxLayout, into: Uint8Array, at: number, length: number): Promise<void> {
    const got = await stream.read(into, at, length);
    if (got < length) checkLength(layout, stream.position, stream.name);
  }

  /** After the declared data the content must end: trailing bytes (counted up to a bound) are an error. */
  private async checkEnd(stream: FileStream, layout: IdxLayout): Promise<void> {
    const scratch = new Uint8Array(4096);
    let trailing = 0;
    for (let got = 1; got > 0 && trailing <= TRAILING_SEEN;) {
      got = await stream.read(scratch, 0, scratch.length);
      trailing += got;
    }
    if (trailing > TRAILING_SEEN) throw new RangeError(`${stream.name}: more than ${TRAILING_SEEN} bytes past the IDX data`);
    if (trailing > 0) checkLength(layout, layout.total + trailing, stream.name);
  }

  decode(pool: Uint8Array, r: number, out: Float32Array, at: number): void {
    const per = this.valuesPerSample;
    const base = r * this.recordBytes;
    const dtype = this.imageLayout.type.dtype;
    if (dtype === 'uint8') {
      for (let p = 0; p < per; p++) out[at + p] = pool[base + p] * this.scale;
      return;
    }
    if (this.poolView?.buffer !== pool.buffer) this.poolView = new DataView(pool.buffer, pool.byteOffset, pool.byteLength);
    const bytes = this.imageLayout.type.bytes;
    for (let p = 0; p < per; p++) out[at + p] = valueAt(this.poolView, base + p * bytes, dtype) * this.scale;
  }

  async close(): Promise<void> {
    await Promise.all([this.images.close(), this.labels.close()]);
  }
}

/** Opens both files and checks their headers against each other. */
async function openIdx(imagesPath: string, labelsPath: string, args: IdxDatasetArgs, who: string): Promise<IdxReader> {
  const images = await FileStream.open(imagesPath, who, 'imagesPath');
  let labels: FileStream | null = null;
  try {
    labels = await FileStream.open(labelsPath, who, 'labelsPath');
    const [imageLayout, labelLayout] = [await readHeader(images), await readHeader(labels)];
    const numClasses = checkIdxPair(imageLayout.shape, labelLayout.shape, args.numClasses, who);
    return new IdxReader(images, labels, imageLayout, labelLayout, numClasses, args.normalize ?? true);
  } catch (error) {
    await Promise.all([images.close(), labels?.close()]);
    throw error;
  }
}

/**
 * Streams an images IDX file and its labels IDX file (e.g. train-images-idx3-ubyte.gz and
 * train-labels-idx1-ubyte.gz) as a dataset of `{ xs, ys }` batches for `fitDataset`, `fit` or
 * `evaluateDataset`: xs as `fromIdxFiles` gives x (uint8 scaled to [0, 1]), ys one-hot (or class
 * indices with `sparse`). The headers are checked here; each pass reopens the files and reads them
 * front to back, holding only the shuffle buffer and one batch, so a data set larger than memory trains.
 */
export async function idxDataset(imagesPath: string, labelsPath: string, args: IdxDatasetArgs = {}): Promise<StreamedDataset> {
  const who = 'idxDataset';
  checkOptions(args, who, [...STREAM_KEYS, 'numClasses', 'flatten']);
  const flatten = args.flatten === undefined ? true : checkBoolean(args.flatten, who, 'flatten');
  if (args.normalize !== undefined) checkBoolean(args.normalize, who, 'normalize');
  const first = await openIdx(imagesPath, labelsPath, args, who);
  const { imageLayout, numClasses } = first;
  await first.close();
  const sampleShape = idxSampleShape(imageLayout.shape, flatten);
  const open = async (): Promise<RecordReader> => {
    const reader = await openIdx(imagesPath, labelsPath, args, who);
    const shape = reader.imageLayout.shape;
    if (shape.join() !== imageLayout.shape.join()) {
      await reader.close();
      throw new Error(`${who}: ${imagesPath} changed since the dataset was made: its shape is [${shape.join(', ')}], was [${imageLayout.shape.join(', ')}]`);
    }
    return reader;
  };
  return new StreamedDataset(open, sampleShape, numClasses, imageLayout.shape[0], args, who);
}
