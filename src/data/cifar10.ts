/**
 * The CIFAR-10 binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin): records of
 * 1 label byte and 3,072 pixel bytes, the 32×32 red plane, then green, then blue. Read into
 * channels-last images [N, 32, 32, 3] in [0, 1] with one-hot labels. In Node, `cifar10` of the
 * Node entry reads the files from a directory.
 */
import { Tensor } from '../core/tensor.js';
import { toCategorical } from './categorical.js';
import { asBytes, gunzip, isGzip, type BytesLike, type InflateLimit } from './idx.js';

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

/** The two record layouts: CIFAR-10 has one label byte, CIFAR-100 a coarse and a fine one. */
export interface CifarLayout {
  /** 'CIFAR-10' or 'CIFAR-100', for messages. */
  name: string;
  /** Label bytes before the 3,072 pixel bytes. */
  labelBytes: number;
  /** Classes of each label byte, in order (10; or 20 coarse, 100 fine). */
  classes: readonly number[];
}

/** The CIFAR-10 record layout. */
export const CIFAR10_LAYOUT: CifarLayout = { name: 'CIFAR-10', labelBytes: 1, classes: [10] };
/** The CIFAR-100 record layout: coarse label (20 superclasses), fine label (100 classes). */
export const CIFAR100_LAYOUT: CifarLayout = { name: 'CIFAR-100', labelBytes: 2, classes: [20, 100] };

const PIXEL_BYTES = CIFAR10_SIZE * CIFAR10_SIZE * 3;
/** Bytes of one record of `layout`: its label bytes and 3,072 pixel bytes. */
export const recordBytes = (layout: CifarLayout): number => layout.labelBytes + PIXEL_BYTES;

/**
 * Most records one file may hold (plain, or once inflated): more than any file of the CIFAR-10
 * or CIFAR-100 distributions (50,000 at most), so a small file cannot inflate without bound.
 */
export const CIFAR_MAX_RECORDS = 60_000;

/** Uncompressed bytes of one batch (gzip-compressed single files are accepted too, up to {@link CIFAR_MAX_RECORDS} records). */
export async function cifarBytes(bytes: BytesLike, who: string, name: string, layout: CifarLayout = CIFAR10_LAYOUT): Promise<Uint8Array> {
  const b = asBytes(bytes, who, name);
  return isGzip(b) ? gunzip(b, `${who}: ${name}`, cifarInflateLimit(layout)) : b;
}

/** The inflate limit of one gzip-compressed batch. */
export function cifarInflateLimit(layout: CifarLayout): InflateLimit {
  const maxBytes = CIFAR_MAX_RECORDS * recordBytes(layout);
  return () => ({ maxBytes, tooLong: `more than ${maxBytes} bytes (${CIFAR_MAX_RECORDS} ${layout.name} records, more than any file of the data set holds)` });
}

/** True when every record of `b` in `layout` has labels in range. */
function labelsFit(b: Uint8Array, layout: CifarLayout): boolean {
  const size = recordBytes(layout);
  if (b.length % size !== 0) return false;
  for (let at = 0; at < b.length; at += size) {
    for (let k = 0; k < layout.labelBytes; k++) if (b[at + k] >= layout.classes[k]) return false;
  }
  return true;
}

/**
 * Records in one batch's bytes, after checking the length; `name` names the batch in errors.
 * A length that is a whole number of both CIFAR-10 and CIFAR-100 records (a multiple of
 * 3,073 · 3,074 bytes) whose bytes read as valid labels both ways is refused as ambiguous.
 */
export function cifarRecords(b: Uint8Array, who: string, name: string, layout: CifarLayout = CIFAR10_LAYOUT): number {
  const size = recordBytes(layout);
  if (b.length === 0 || b.length % size !== 0) throw cifarLengthError(b.length, who, name, layout);
  const other = otherLayout(layout);
  if (labelsFit(b, other) && labelsFit(b, layout)) throw cifarAmbiguityError(b.length, who, name, layout);
  return b.length / size;
}

/** The CIFAR layout a file of `layout` could be mistaken for. */
export function otherLayout(layout: CifarLayout): CifarLayout {
  return layout === CIFAR10_LAYOUT ? CIFAR100_LAYOUT : CIFAR10_LAYOUT;
}

/** The error for `length` bytes that are not a positive whole number of records. */
export function cifarLengthError(length: number, who: string, name: string, layout: CifarLayout): RangeError {
  const size = recordBytes(layout);
  return new RangeError(`${who}: ${name} is ${length} bytes, not a positive whole number of ${size}-byte records ` +
    `(${layout.labelBytes} label byte${layout.labelBytes > 1 ? 's' : ''} + 3072 pixel bytes): ${Math.floor(length / size)} records and ${length % size} bytes left over; the file is truncated or not a ${layout.name} binary batch`);
}

/** The error for `length` bytes that read as whole, valid records of both layouts. */
export function cifarAmbiguityError(length: number, who: string, name: string, layout: CifarLayout): Error {
  const other = otherLayout(layout);
  return new Error(`${who}: ${name} is ambiguous: its ${length} bytes are a whole number of both ${layout.name} records (${recordBytes(layout)} bytes) and ${other.name} records (${recordBytes(other)} bytes), ` +
    `and every record has valid labels either way; read it with the ${other === CIFAR100_LAYOUT ? 'cifar100' : 'cifar10'} reader if it is ${other.name}, or drop a record to tell them apart`);
}

/** The error for label byte `j` of record `r` (at byte `at` of the file) holding `label`, out of range. */
export function cifarLabelError(label: number, j: number, r: number, at: number, who: string, name: string, layout: CifarLayout): RangeError {
  const which = layout.labelBytes > 1 ? `${j === 0 ? 'coarse' : 'fine'} label` : 'label';
  const hint = layout === CIFAR10_LAYOUT ? ' (CIFAR-100 has 2 label bytes: use cifar100)' : '';
  return new RangeError(`${who}: ${name} record ${r} (byte ${at}) has ${which} ${label}: expected 0..${layout.classes[j] - 1}; the file is corrupt or not ${layout.name}${hint}`);
}

/** Records in one CIFAR-10 batch's bytes, after checking the length; `name` names the batch in errors. */
export function cifar10Records(b: Uint8Array, who: string, name: string): number {
  return cifarRecords(b, who, name, CIFAR10_LAYOUT);
}

/** Decoded records: images [N, 32, 32, 3] in [0, 1], and each label byte's values. */
export interface CifarRecords {
  /** Images [N, 32, 32, 3] (NHWC, RGB), values in [0, 1]. */
  x: Tensor;
  /** labels[k][n]: label byte k of record n. */
  labels: Uint8Array[];
}

/**
 * Decodes already-decompressed batches of `layout`; `names` name them in errors, `sizeArg` the
 * size option. Checks every length and label, keeps the first `size` records (all when undefined).
 */
export function decodeCifarRecords(batches: readonly Uint8Array[], names: readonly string[], size: number | undefined, who: string, sizeArg: string, layout: CifarLayout): CifarRecords {
  const counts = batches.map((b, i) => cifarRecords(b, who, names[i], layout));
  const total = counts.reduce((a, c) => a + c, 0);
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > total)) {
    throw new RangeError(`${who}: ${sizeArg} must be an integer in [1, ${total}] (the records read), got ${size}`);
  }
  const n = size ?? total;
  const plane = CIFAR10_SIZE * CIFAR10_SIZE;
  const record = recordBytes(layout);
  const x = new Float32Array(n * plane * 3);
  const labels = layout.classes.map(() => new Uint8Array(n));
  let sample = 0;
  for (let k = 0; k < batches.length && sample < n; k++) {
    const b = batches[k];
    for (let r = 0; r < counts[k] && sample < n; r++, sample++) {
      const at = r * record;
      layout.classes.forEach((classes, j) => {
        const label = b[at + j];
        if (label >= classes) throw cifarLabelError(label, j, r, at + j, who, names[k], layout);
        labels[j][sample] = label;
      });
      const out = sample * plane * 3;
      for (let c = 0; c < 3; c++) {
        const src = at + layout.labelBytes + c * plane;
        for (let p = 0; p < plane; p++) x[out + p * 3 + c] = b[src + p] / 255;
      }
    }
  }
  return { x: new Tensor(x, [n, CIFAR10_SIZE, CIFAR10_SIZE, 3]), labels };
}

/**
 * Decodes already-decompressed CIFAR-10 batches into one part; `names` name them in errors,
 * `sizeArg` the size option. Checks every length and label, keeps the first `size` records.
 */
export function decodeCifar10(batches: readonly Uint8Array[], names: readonly string[], size: number | undefined, who: string, sizeArg = 'size'): Cifar10Part {
  const { x, labels: [labels] } = decodeCifarRecords(batches, names, size, who, sizeArg, CIFAR10_LAYOUT);
  return { x, y: toCategorical(labels, CIFAR10_CLASSES.length), labels };
}

/** The batches of a bytes-or-list argument, decompressed, with their names for errors. */
export async function cifarBatches(bytes: BytesLike | readonly BytesLike[], who: string, layout: CifarLayout): Promise<{ batches: Uint8Array[]; names: string[] }> {
  if (typeof bytes === 'string') {
    throw new TypeError(`${who}: got the path ${JSON.stringify(bytes)}, but the core reads bytes only; in Node use ${who} or ${who}File from the Node entry`);
  }
  const list = Array.isArray(bytes) ? (bytes as readonly BytesLike[]) : [bytes as BytesLike];
  if (list.length === 0) throw new RangeError(`${who}: no batches given: expected bytes or a non-empty list of them`);
  const names = list.map((_, i) => (list.length === 1 ? 'the data' : `batch ${i}`));
  const batches = await Promise.all(list.map((b, i) => cifarBytes(b, who, names[i], layout)));
  return { batches, names };
}

/**
 * Reads CIFAR-10 binary batches from bytes (one batch, or several concatenated in order; each
 * plain or gzip-compressed) into `{ x: [N, 32, 32, 3] in [0, 1], y: one-hot [N, 10], labels }`.
 * Throws when a length is not a whole number of 3,073-byte records, a label is not 0..9, or the
 * bytes could as well be CIFAR-100 (see {@link cifarRecords}); for CIFAR-100 use `cifar100`.
 * A path needs the Node entry's `cifar10(directory)` / `cifar10File(path)`.
 */
export async function cifar10(bytes: BytesLike | readonly BytesLike[], args: Cifar10Args = {}): Promise<Cifar10Part> {
  const { batches, names } = await cifarBatches(bytes, 'cifar10', CIFAR10_LAYOUT);
  return decodeCifar10(batches, names, args.size, 'cifar10');
}
