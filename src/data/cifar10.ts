/**
 * The CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin): records of
 * 1 label byte and 3,072 pixel bytes, the 32×32 red plane, then green, then blue. Read into
 * channels-last images [N, 32, 32, 3] in [0, 1] with one-hot labels. In Node, `cifar10` of the
 * Node entry reads the files from a directory.
 */
import { Tensor } from '../core/tensor.js';
import { toCategorical } from './categorical.js';
import { asBytes, gunzip, isGzip, type BytesLike } from './idx.js';

/** Side of the square images. */
export const CIFAR10_SIZE = 32;
/** Bytes per record: 1 label + 32·32·3 pixels. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_SIZE * CIFAR10_SIZE * 3;
/** The ten classes, in label order. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** One part of the data set, as `nn.data.mnist()` returns each part. */
export interface Cifar10Part {
  /** Images [N, 32, 32, 3] (NHWC, RGB), values in [0, 1]. */
  x: Tensor;
  /** One-hot labels [N, 10]. */
  y: Tensor;
  /** Class indices (see {@link CIFAR10_CLASSES}). */
  labels: Uint8Array;
}

/** Options of {@link cifar10}. */
export interface Cifar10Args {
  /** Keep only the first `size` records (default all). */
  size?: number;
}

/** Uncompressed bytes of one batch (gzip-compressed single files are accepted too). */
export async function cifar10Bytes(bytes: BytesLike, who: string, name: string): Promise<Uint8Array> {
  const b = asBytes(bytes, who, name);
  return isGzip(b) ? gunzip(b, `${who}: ${name}`) : b;
}

/** Records in one batch's bytes, after checking the length; `name` names the batch in errors. */
export function cifar10Records(b: Uint8Array, who: string, name: string): number {
  if (b.length === 0 || b.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new RangeError(`${who}: ${name} is ${b.length} bytes, not a positive whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
      `(1 label byte + 3072 pixel bytes): ${Math.floor(b.length / CIFAR10_RECORD_BYTES)} records and ${b.length % CIFAR10_RECORD_BYTES} bytes left over; the file is truncated or not a CIFAR-10 binary batch`);
  }
  return b.length / CIFAR10_RECORD_BYTES;
}

/**
 * Decodes already-decompressed batches into one part; `names` name them in errors, `sizeArg`
 * the size option. Checks every length and label, keeps the first `size` records (all when undefined).
 */
export function decodeCifar10(batches: readonly Uint8Array[], names: readonly string[], size: number | undefined, who: string, sizeArg = 'size'): Cifar10Part {
  const counts = batches.map((b, i) => cifar10Records(b, who, names[i]));
  const total = counts.reduce((a, c) => a + c, 0);
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > total)) {
    throw new RangeError(`${who}: ${sizeArg} must be an integer in [1, ${total}] (the records read), got ${size}`);
  }
  const n = size ?? total;
  const plane = CIFAR10_SIZE * CIFAR10_SIZE;
  const x = new Float32Array(n * plane * 3);
  const labels = new Uint8Array(n);
  let sample = 0;
  for (let k = 0; k < batches.length && sample < n; k++) {
    const b = batches[k];
    for (let r = 0; r < counts[k] && sample < n; r++, sample++) {
      const at = r * CIFAR10_RECORD_BYTES;
      const label = b[at];
      if (label >= CIFAR10_CLASSES.length) {
        throw new RangeError(`${who}: ${names[k]} record ${r} (byte ${at}) has label ${label}: expected 0..9; the file is corrupt or not CIFAR-10 (CIFAR-100 has 2 label bytes)`);
      }
      labels[sample] = label;
      const out = sample * plane * 3;
      for (let c = 0; c < 3; c++) {
        const src = at + 1 + c * plane;
        for (let p = 0; p < plane; p++) x[out + p * 3 + c] = b[src + p] / 255;
      }
    }
  }
  return { x: new Tensor(x, [n, CIFAR10_SIZE, CIFAR10_SIZE, 3]), y: toCategorical(labels, CIFAR10_CLASSES.length), labels };
}

/**
 * Reads CIFAR-10 binary batches from bytes (one batch, or several concatenated in order; each
 * plain or gzip-compressed) into `{ x: [N, 32, 32, 3] in [0, 1], y: one-hot [N, 10], labels }`.
 * Throws when a length is not a whole number of 3,073-byte records or a label is not 0..9.
 * A path needs the Node entry's `cifar10(directory)` / `cifar10File(path)`.
 */
export async function cifar10(bytes: BytesLike | readonly BytesLike[], args: Cifar10Args = {}): Promise<Cifar10Part> {
  const who = 'cifar10';
  if (typeof bytes === 'string') {
    throw new TypeError(`${who}: got the path ${JSON.stringify(bytes)}, but the core reads bytes only; in Node use cifar10 or cifar10File from the Node entry`);
  }
  const list = Array.isArray(bytes) ? (bytes as readonly BytesLike[]) : [bytes as BytesLike];
  if (list.length === 0) throw new RangeError(`${who}: no batches given: expected bytes or a non-empty list of them`);
  const names = list.map((_, i) => (list.length === 1 ? 'the data' : `batch ${i}`));
  const batches = await Promise.all(list.map((b, i) => cifar10Bytes(b, who, names[i])));
  return decodeCifar10(batches, names, args.size, who);
}
