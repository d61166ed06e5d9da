/**
 * The IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed): a 4-byte magic number
 * (0x00 0x00, a type byte, the rank), the dimensions as big-endian int32, then the values,
 * big-endian, row-major. Every header field and the length are validated, so a corrupt or
 * truncated file fails with an error naming the problem instead of yielding garbage.
 */
import { Tensor } from '../core/tensor.js';
import { toCategorical } from './categorical.js';

/** Bytes as the readers accept them. */
export type BytesLike = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Element types of the IDX format. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX file: the values in their own type, and the dimensions. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 }, 0x09: { dtype: 'int8', bytes: 1 }, 0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 }, 0x0d: { dtype: 'float32', bytes: 4 }, 0x0e: { dtype: 'float64', bytes: 8 },
};
const TYPE_LIST = Object.entries(TYPES).map(([code, t]) => `0x${Number(code).toString(16).padStart(2, '0')} (${t.dtype})`).join(', ');
/** Most values one file may hold: the largest typed array every runtime allows. */
const MAX_VALUES = 2 ** 31 - 1;

/** A Uint8Array view of `bytes`, or a TypeError naming `who`'s argument. */
export function asBytes(bytes: BytesLike, who: string, arg = 'bytes'): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = bytes === null ? 'null' : typeof bytes === 'object' ? (bytes as object).constructor?.name ?? 'object' : typeof bytes;
  throw new TypeError(`${who}: ${arg} must be a Uint8Array, ArrayBuffer or typed array, got ${kind}`);
}

/** True when `bytes` starts with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * How much gzip output a reader allows, from the first bytes of it (undefined while it needs
 * more of them, up to {@link HEAD_BYTES}): the most bytes, and what to say past them.
 */
export type InflateLimit = (head: Uint8Array) => { maxBytes: number; tooLong: string } | undefined;

/** Bytes of output an {@link InflateLimit} may ask to see: enough for any IDX header (rank ≤ 255). */
export const HEAD_BYTES = 4 + 4 * 255;

const NO_LIMIT: InflateLimit = () => ({ maxBytes: MAX_VALUES, tooLong: `more than ${MAX_VALUES} bytes, the most a typed array holds` });

/**
 * Decompresses gzip data with the platform's `DecompressionStream` (browsers, Node ≥ 18, Deno,
 * Bun) chunk by chunk, stopping as soon as the output passes what `limit` allows, so a small
 * file cannot inflate to gigabytes. Corrupt or truncated data rejects with an error naming `who`.
 */
export async function gunzip(bytes: Uint8Array, who: string, limit: InflateLimit = NO_LIMIT): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(`${who}: the data is gzip-compressed but this runtime has no DecompressionStream; decompress it first`);
  }
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let allowed: ReturnType<InflateLimit>;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (e) {
      throw new Error(`${who}: the gzip data is corrupt or truncated (${(e as Error).message})`);
    }
    if (next.done) break;
    chunks.push(next.value);
    total += next.value.length;
    try {
      // The limit is asked until it answers; one that has not by HEAD_BYTES gets the typed-array bound.
      allowed ??= limit(concat(chunks, total).subarray(0, HEAD_BYTES)) ?? (total >= HEAD_BYTES ? NO_LIMIT(chunks[0]) : undefined);
      if (allowed && total > allowed.maxBytes) throw new RangeError(`${who}: the gzip data inflates to ${allowed.tooLong}`);
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    }
  }
  return concat(chunks, total);
}

/** The chunks as one array (the chunk itself when there is one). */
function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** What an IDX header says: the element type, the shape, and the byte lengths. */
export interface IdxLayout {
  type: { dtype: IdxDtype; bytes: number };
  shape: number[];
  count: number;
  header: number;
  /** Header plus data: the exact length of the file. */
  total: number;
}

/**
 * Reads and checks an IDX header; undefined when `partial` and `b` ends before the header does.
 * Throws on a bad magic number or type, a rank or dimension below 1, or more values than a typed array holds.
 */
export function idxLayout(b: Uint8Array, who: string, partial = false): IdxLayout | undefined {
  if (b.length < 4) {
    if (partial) return undefined;
    throw new RangeError(`${who}: ${b.length} bytes is too short for an IDX header: expected at least 4`);
  }
  const hex = Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join('');
  if (b[0] !== 0 || b[1] !== 0) {
    throw new Error(`${who}: bad IDX magic number 0x${hex}: expected 0x0000 followed by a type byte and the rank`);
  }
  const type = TYPES[b[2]];
  if (!type) throw new Error(`${who}: unknown IDX data type 0x${b[2].toString(16).padStart(2, '0')} (magic 0x${hex}): expected one of ${TYPE_LIST}`);
  const rank = b[3];
  if (rank < 1) throw new RangeError(`${who}: IDX rank is 0 (magic 0x${hex}): expected at least 1 dimension`);
  const header = 4 + 4 * rank;
  if (b.length < header) {
    if (partial) return undefined;
    throw new RangeError(`${who}: truncated IDX header: rank ${rank} needs ${header} bytes, got ${b.length}`);
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const dim = view.getInt32(4 + 4 * d, false);
    if (dim < 1) throw new RangeError(`${who}: IDX dimension ${d} is ${dim}: expected a positive integer`);
    shape.push(dim);
    count *= dim;
    if (count > MAX_VALUES) {
      throw new RangeError(`${who}: IDX dimensions [${shape.join(', ')}${d < rank - 1 ? ', ...' : ''}] hold more than ${MAX_VALUES} values, the most a typed array holds`);
    }
  }
  return { type, shape, count, header, total: header + count * type.bytes };
}

/** Throws unless `length` is the header plus the data the header declares. */
export function checkLength({ type, shape, count, header, total }: IdxLayout, length: number, who: string): void {
  if (length === total) return;
  const problem = length < total ? 'truncated' : `${length - total} trailing bytes after the data`;
  throw new RangeError(`${who}: IDX data ${problem}: shape [${shape.join(', ')}] of ${type.dtype} needs ${total} bytes (${header}-byte header + ${count * type.bytes}), got ${length}`);
}

/**
 * Checks an uncompressed IDX file's first bytes (up to {@link HEAD_BYTES}) against its length
 * before the rest is read, so a file longer than its header declares is refused unread.
 */
export function checkIdxHead(head: Uint8Array, length: number, who: string): void {
  if (isGzip(head)) return; // the length of the content is known only once inflated
  const layout = idxLayout(head, who, true);
  if (layout) checkLength(layout, length, who);
}

/** Trailing bytes up to this many are counted exactly when gzip data is inflated; more stop it. */
const TRAILING_SEEN = 65536;

/** The {@link InflateLimit} of gzip-compressed IDX data: no more than its header declares. */
export function idxInflateLimit(who: string): InflateLimit {
  return (head) => {
    const layout = idxLayout(head, who, true);
    return layout && {
      maxBytes: layout.total + TRAILING_SEEN,
      tooLong: `more than ${TRAILING_SEEN} bytes past the IDX data: shape [${layout.shape.join(', ')}] of ${layout.type.dtype} needs ${layout.total} bytes`,
    };
  };
}

/**
 * Decodes uncompressed IDX bytes into their own element type (no copy for uint8 and int8).
 * Throws on gzip data (use {@link fromIdx}), a bad magic number or type, a rank or dimension
 * below 1, more values than a typed array holds, or a length that is not header + data exactly.
 */
export function decodeIdx(bytes: BytesLike, who = 'decodeIdx'): IdxArray {
  const b = asBytes(bytes, who);
  if (isGzip(b)) throw new Error(`${who}: the data is gzip-compressed; use the async fromIdx, which decompresses it`);
  const layout = idxLayout(b, who)!;
  const { type, shape, count, header } = layout;
  checkLength(layout, b.length, who);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { dtype: type.dtype, shape, data: readValues(view, header, count, type.dtype, b) };
}

function readValues(view: DataView, at: number, count: number, dtype: IdxDtype, b: Uint8Array): IdxArray['data'] {
  switch (dtype) {
    case 'uint8': return b.subarray(at, at + count);
    case 'int8': return new Int8Array(b.buffer, b.byteOffset + at, count);
    case 'int16': { const out = new Int16Array(count); for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, false); return out; }
    case 'int32': { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, false); return out; }
    case 'float32': { const out = new Float32Array(count); for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, false); return out; }
    case 'float64': { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, false); return out; }
  }
}

/** Uncompressed IDX bytes: `bytes` itself, or its gzip content, inflated no further than its header declares. */
async function inflate(bytes: BytesLike, who: string, arg = 'bytes'): Promise<Uint8Array> {
  const b = asBytes(bytes, who, arg);
  return isGzip(b) ? gunzip(b, `${who}: ${arg}`, idxInflateLimit(`${who}: ${arg}`)) : b;
}

/**
 * Reads an IDX file (plain or gzip-compressed) into a float32 Tensor of its shape, values
 * unchanged (uint8 stays 0..255; int32 and float64 round to float32). In Node, `fromIdxFile`
 * of the Node entry reads a path.
 */
export async function fromIdx(bytes: BytesLike): Promise<Tensor> {
  return idxToTensor(decodeIdx(await inflate(bytes, 'fromIdx'), 'fromIdx'));
}

/** The values of an IdxArray as a float32 Tensor. */
export function idxToTensor(idx: IdxArray): Tensor {
  return new Tensor(idx.data instanceof Float32Array ? idx.data : Float32Array.from(idx.data), idx.shape);
}

/** Options of {@link fromIdxPair}. */
export interface IdxPairArgs {
  /** Number of classes of the one-hot y (default 10, as MNIST and Fashion-MNIST). */
  numClasses?: number;
  /** x as [N, height·width] like `nn.data.mnist()` (default true), or [N, height, width, 1] when false. */
  flatten?: boolean;
}

/** Images with their labels, as `nn.data.mnist()` returns each part. */
export interface IdxPart {
  /** Images: uint8 files scaled to [0, 1], other types unchanged. */
  x: Tensor;
  /** One-hot labels [N, numClasses]. */
  y: Tensor;
  /** Class indices. */
  labels: Uint8Array;
}

/**
 * Pairs an images file ([N, height, width], or [N, ...]) with its labels file ([N] integers in
 * [0, numClasses)), each plain or gzip-compressed, into `{ x, y, labels }`; throws when the
 * counts differ or a label is out of range.
 */
export async function fromIdxPair(images: BytesLike, labels: BytesLike, args: IdxPairArgs = {}): Promise<IdxPart> {
  const who = 'fromIdxPair';
  const imageIdx = decodeIdx(await inflate(images, who, 'images'), `${who}: images`);
  const labelIdx = decodeIdx(await inflate(labels, who, 'labels'), `${who}: labels`);
  return pairIdx(imageIdx, labelIdx, args, who);
}

/** The pairing step of {@link fromIdxPair} on decoded files (shared with the Node entry). */
export function pairIdx(images: IdxArray, labels: IdxArray, args: IdxPairArgs, who: string): IdxPart {
  const numClasses = checkIdxPair(images.shape, labels.shape, args.numClasses, who);
  const n = images.shape[0];
  const classes = new Uint8Array(n);
  for (let i = 0; i < n; i++) classes[i] = checkIdxLabel(labels.data[i], i, numClasses, who);
  const per = images.data.length / n;
  const x = new Float32Array(images.data.length);
  const scale = idxScale(images.dtype, true);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] * scale;
  const shape = idxSampleShape(images.shape, args.flatten ?? true);
  return { x: new Tensor(x, [n, ...shape]), y: toCategorical(classes, numClasses), labels: classes };
}

/**
 * Checks an images file's shape against its labels file's and `numClasses` (default 10, at most
 * 256); returns the number of classes.
 */
export function checkIdxPair(images: readonly number[], labels: readonly number[], numClasses: number | undefined, who: string): number {
  const classes = numClasses ?? 10;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new RangeError(`${who}: numClasses must be an integer in [1, 256], got ${classes}`);
  }
  if (labels.length !== 1) throw new RangeError(`${who}: labels must be rank 1 [N], got shape [${labels.join(', ')}]`);
  if (images.length < 2) throw new RangeError(`${who}: images must be [N, ...] with rank >= 2, got shape [${images.join(', ')}]`);
  if (labels[0] !== images[0]) {
    throw new RangeError(`${who}: images hold ${images[0]} samples but labels hold ${labels[0]}; the counts must match`);
  }
  return classes;
}

/** Label `c` of sample `i` as a class index, or an error when it is not an integer in [0, numClasses). */
export function checkIdxLabel(c: number, i: number, numClasses: number, who: string): number {
  if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
    throw new RangeError(`${who}: label ${c} at index ${i} is out of range: expected an integer in [0, ${numClasses})`);
  }
  return c;
}

/** The factor image values are multiplied by: 1/255 for uint8 files when `normalize`, else 1. */
export function idxScale(dtype: IdxDtype, normalize: boolean): number {
  return normalize && dtype === 'uint8' ? 1 / 255 : 1;
}

/** Per-sample shape of images of file shape [N, ...]: flattened, or [h, w, 1] for [N, h, w], or as the file has it. */
export function idxSampleShape(images: readonly number[], flatten: boolean): number[] {
  if (flatten) return [images.slice(1).reduce((a, d) => a * d, 1)];
  return images.length === 3 ? [images[1], images[2], 1] : images.slice(1);
}
