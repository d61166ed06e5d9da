/**
 * The CIFAR-100 binary files (train.bin, test.bin): records of a coarse label byte (20
 * superclasses), a fine label byte (100 classes) and the 3,072 pixel bytes of CIFAR-10. Read into
 * channels-last images [N, 32, 32, 3] in [0, 1] with one-hot labels of the chosen kind. In Node,
 * `cifar100` of the Node entry reads the files from a directory.
 */
import { toCategorical } from './categorical.js';
import { CIFAR100_LAYOUT, cifarBatches, decodeCifarRecords } from './cifar10.js';
import type { BytesLike } from './idx.js';
import type { Tensor } from '../core/tensor.js';
import { checkChoice, checkOptions } from '../core/checks.js';

/** Options of {@link cifar100}. */
export interface Cifar100Args {
  /** Keep only the first `size` records (default all). */
  size?: number;
  /** Which label `y` and `labels` hold: 'fine' (100 classes, the default) or 'coarse' (20 superclasses), as Keras's label_mode. */
  labelMode?: 'fine' | 'coarse';
}

/** One part of CIFAR-100. */
export interface Cifar100Part {
  /** Images [N, 32, 32, 3] (NHWC, RGB), values in [0, 1]. */
  x: Tensor;
  /** One-hot labels of the chosen mode: [N, 100] fine or [N, 20] coarse. */
  y: Tensor;
  /** Class indices of the chosen mode. */
  labels: Uint8Array;
  /** Fine class indices (0..99), whichever the mode. */
  fineLabels: Uint8Array;
  /** Coarse class indices (0..19), whichever the mode. */
  coarseLabels: Uint8Array;
}

/** Checks {@link Cifar100Args}; returns the label mode. */
export function cifar100LabelMode(args: Cifar100Args, who: string, valid: readonly string[]): 'fine' | 'coarse' {
  checkOptions(args, who, valid);
  return args.labelMode === undefined ? 'fine' : checkChoice(args.labelMode, who, 'labelMode', ['fine', 'coarse'] as const);
}

/**
 * Decodes already-decompressed CIFAR-100 files into one part; `names` name them in errors,
 * `sizeArg` the size option.
 */
export function decodeCifar100(batches: readonly Uint8Array[], names: readonly string[], size: number | undefined, mode: 'fine' | 'coarse', who: string, sizeArg = 'size'): Cifar100Part {
  const { x, labels: [coarseLabels, fineLabels] } = decodeCifarRecords(batches, names, size, who, sizeArg, CIFAR100_LAYOUT);
  const labels = mode === 'fine' ? fineLabels : coarseLabels;
  return { x, y: toCategorical(labels, mode === 'fine' ? 100 : 20), labels, fineLabels, coarseLabels };
}

/**
 * Reads CIFAR-100 binary files from bytes (one file, or several concatenated in order; each plain
 * or gzip-compressed) into `{ x: [N, 32, 32, 3] in [0, 1], y, labels, fineLabels, coarseLabels }`.
 * Throws when a length is not a whole number of 3,074-byte records, a label is out of range, or
 * the bytes could as well be CIFAR-10. A path needs the Node entry's `cifar100(directory)` / `cifar100File(path)`.
 */
export async function cifar100(bytes: BytesLike | readonly BytesLike[], args: Cifar100Args = {}): Promise<Cifar100Part> {
  const mode = cifar100LabelMode(args, 'cifar100', ['size', 'labelMode']);
  const { batches, names } = await cifarBatches(bytes, 'cifar100', CIFAR100_LAYOUT);
  return decodeCifar100(batches, names, args.size, mode, 'cifar100');
}
