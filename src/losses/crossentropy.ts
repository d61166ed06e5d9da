/**
 * The cross-entropies with Keras's options: `fromLogits` (the output holds logits: the loss
 * applies softmax or sigmoid itself, and predict returns the logits) and `labelSmoothing` (dense
 * labels become y·(1 − s) + s/K, or y·(1 − s) + s/2 for binary). Without fromLogits they fuse
 * with a softmax (sigmoid) output layer: one stable pass gives the loss and the gradient of the logits.
 */
import { checkBoolean, checkInRange, checkOptions } from '../core/checks.js';
import * as kernels from '../core/kernels/loss.js';
import { checkRange, lossCall, sameShape, savedForm, type Loss } from './loss.js';

/** Options of {@link categoricalCrossentropy} and {@link binaryCrossentropy} (Keras defaults). */
export interface CrossentropyArgs {
  /** The model's output is logits, not probabilities; default false. */
  fromLogits?: boolean;
  /** Label smoothing in [0, 1]; default 0. */
  labelSmoothing?: number;
}

/** Options of {@link sparseCategoricalCrossentropy}: Keras 3's sparse loss has no label smoothing. */
export interface SparseCrossentropyArgs {
  /** The model's output is logits, not probabilities; default false. */
  fromLogits?: boolean;
}

const DEFAULTS = { fromLogits: false, labelSmoothing: 0 };

function options(args: CrossentropyArgs, who: string): { fromLogits: boolean; labelSmoothing: number } {
  checkOptions(args, who, ['fromLogits', 'labelSmoothing']);
  return {
    fromLogits: args.fromLogits === undefined ? false : checkBoolean(args.fromLogits, who, 'fromLogits'),
    labelSmoothing: args.labelSmoothing === undefined ? 0 : checkInRange(args.labelSmoothing, who, 'labelSmoothing', 0, 1, true),
  };
}

/**
 * Categorical cross-entropy (Keras `CategoricalCrossentropy`) over one-hot or soft label rows;
 * the mean over rows.
 */
export function categoricalCrossentropy(args: CrossentropyArgs = {}): Loss {
  const opts = options(args, 'losses.categoricalCrossentropy');
  const { fromLogits, labelSmoothing: s } = opts;
  return {
    name: 'categoricalCrossentropy',
    fusesWith: fromLogits ? null : 'softmax',
    fromLogits,
    labelWidth: (cols) => cols,
    terms: (rows) => rows,
    checkLabels(y, outputShape, who) {
      sameShape(y, outputShape, who, 'categoricalCrossentropy');
      checkRange(y, 0, 1, who, 'categoricalCrossentropy labels (one-hot or probabilities)');
    },
    compute(_k, fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
      // Fused: the softmax output is written to visible; from logits: it is not wanted.
      const a = lossCall(output, labels, fused ? visible : 0, grad, rows, cols, gradScale, termLosses, s);
      return fused || fromLogits ? kernels.softmaxCrossEntropy(a) : kernels.categoricalCrossentropy(a);
    },
    toConfig: () => savedForm('categorical_crossentropy', 'CategoricalCrossentropy', 'categorical_crossentropy', opts, DEFAULTS, { axis: -1 }),
  };
}

/** Sparse categorical cross-entropy (Keras `SparseCategoricalCrossentropy`): one class index per row. */
export function sparseCategoricalCrossentropy(args: SparseCrossentropyArgs = {}): Loss {
  const who = 'losses.sparseCategoricalCrossentropy';
  if (args && typeof args === 'object' && 'labelSmoothing' in args) {
    throw new TypeError(`${who}: labelSmoothing is not an option (Keras 3's SparseCategoricalCrossentropy has none); ` +
      'smooth one-hot labels with categoricalCrossentropy({ labelSmoothing })');
  }
  checkOptions(args, who, ['fromLogits']);
  const fromLogits = args.fromLogits === undefined ? false : checkBoolean(args.fromLogits, who, 'fromLogits');
  return {
    name: 'sparseCategoricalCrossentropy',
    fusesWith: fromLogits ? null : 'softmax',
    fromLogits,
    labelWidth: () => 1,
    terms: (rows) => rows,
    checkLabels(y, outputShape, who) {
      const classes = outputShape[outputShape.length - 1];
      const lead = outputShape.slice(0, -1);
      const okShape = (y.rank === lead.length + 1 || (y.rank === lead.length + 2 && y.shape[y.rank - 1] === 1)) &&
        lead.every((d, i) => y.shape[i + 1] === d);
      if (!okShape) {
        throw new Error(`${who}: sparseCategoricalCrossentropy needs one class index per sample, shape [N${lead.map((d) => `, ${d}`).join('')}], got [${y.shape.join(', ')}]`);
      }
      const d = y.data;
      for (let i = 0; i < d.length; i++) {
        if (!Number.isInteger(d[i]) || d[i] < 0 || d[i] >= classes) {
          throw new RangeError(`${who}: class index ${d[i]} at label ${i} is out of range: expected an integer in [0, ${classes})`);
        }
      }
    },
    compute(_k, fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
      const a = lossCall(output, labels, fused ? visible : 0, grad, rows, cols, gradScale, termLosses);
      return fused || fromLogits ? kernels.sparseSoftmaxCrossEntropy(a) : kernels.sparseCategoricalCrossentropy(a);
    },
    toConfig: () => savedForm('sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy', 'sparse_categorical_crossentropy',
      { fromLogits }, { fromLogits: false }, { axis: -1 }),
  };
}

/** Binary cross-entropy (Keras `BinaryCrossentropy`), element by element; labels in [0, 1]. */
export function binaryCrossentropy(args: CrossentropyArgs = {}): Loss {
  const opts = options(args, 'losses.binaryCrossentropy');
  const { fromLogits, labelSmoothing: s } = opts;
  return {
    name: 'binaryCrossentropy',
    fusesWith: fromLogits ? null : 'sigmoid',
    fromLogits,
    labelWidth: (cols) => cols,
    terms: (rows, cols) => rows * cols,
    checkLabels(y, outputShape, who) {
      sameShape(y, outputShape, who, 'binaryCrossentropy');
      checkRange(y, 0, 1, who, 'binaryCrossentropy labels');
    },
    compute(_k, fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
      const a = lossCall(output, labels, fused ? visible : 0, grad, rows, cols, gradScale, termLosses, s);
      return fused || fromLogits ? kernels.sigmoidBinaryCrossentropy(a) : kernels.binaryCrossentropy(a);
    },
    toConfig: () => savedForm('binary_crossentropy', 'BinaryCrossentropy', 'binary_crossentropy', opts, DEFAULTS, { axis: -1 }),
  };
}

/** True for the three cross-entropies (the losses 'accuracy', 'crossentropy' and classWeight read as classifiers). */
export function isCrossentropy(loss: Loss): boolean {
  return loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy' || loss.name === 'binaryCrossentropy';
}

/** The same cross-entropy reading the output the same way (logits or probabilities), without label smoothing. */
export function unsmoothed(loss: Loss): Loss {
  const fromLogits = loss.fromLogits;
  if (loss.name === 'sparseCategoricalCrossentropy') return sparseCategoricalCrossentropy({ fromLogits });
  return loss.name === 'binaryCrossentropy' ? binaryCrossentropy({ fromLogits }) : categoricalCrossentropy({ fromLogits });
}
