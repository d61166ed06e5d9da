/**
 * Losses by name (Keras semantics: mean over the batch, and over the last axis for
 * binary cross-entropy and mean squared error). Cross-entropies fuse with a softmax
 * (or sigmoid) output layer: one stable pass gives the loss and the gradient of the logits.
 */
import type { ActivationName } from './activations.js';
import * as lossKernels from './core/kernels/loss.js';
import type { LossArgs } from './core/kernels/loss.js';
import type { Tensor } from './core/tensor.js';
import type { Kernels } from './core/wasm.js';

/** Loss names accepted by `compile` (Keras camelCase; snake_case aliases also work). */
export type LossName = 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

/** A loss over `rows × cols` outputs (cols = last axis). */
export interface Loss {
  readonly name: LossName;
  /** The output activation this loss can fuse with, if any. */
  readonly fusesWith: ActivationName | null;
  /** Label values per output row: `cols`, or 1 for sparse labels. */
  labelWidth(cols: number): number;
  /** How many terms the reported mean divides by. */
  terms(rows: number, cols: number): number;
  /** Throws unless `y` suits this loss for outputs of per-sample shape `outputShape`. */
  checkLabels(y: Tensor, outputShape: readonly number[], who: string): void;
  /**
   * Writes `visible` (the activation's output, when fused) and the gradient with respect to
   * `output` (the logits, when fused) scaled by `gradScale`; returns the summed loss. When
   * `termLosses` is not 0, each of the `terms(rows, cols)` losses is also written there.
   * The kernels are reached through `src/core/kernels/loss.ts`; `k` is not needed by the built-in losses.
   */
  compute(k: Kernels, fused: boolean, output: number, labels: number, visible: number, grad: number,
    rows: number, cols: number, gradScale: number, termLosses?: number): number;
}

/** The operands of every loss call, refilled per call (a call is synchronous, so one struct serves all). */
const operands: LossArgs = lossKernels.lossArgs();

/** {@link operands} filled for one call. */
function lossCall(output: number, labels: number, visible: number, grad: number, rows: number, cols: number,
  gradScale: number, termLosses: number): LossArgs {
  const a = operands;
  a.output = output; a.labels = labels; a.activated = visible; a.grad = grad;
  a.rows = rows; a.cols = cols; a.gradScale = gradScale; a.terms = termLosses;
  return a;
}

function sameShape(y: Tensor, outputShape: readonly number[], who: string, loss: string): void {
  const want = outputShape.join(', ');
  const got = y.shape.slice(1).join(', ');
  if (y.rank !== outputShape.length + 1 || got !== want) {
    throw new Error(`${who}: ${loss} needs labels of shape [N, ${want}] (the model's output), got [${y.shape.join(', ')}]`);
  }
}

function checkRange(y: Tensor, lo: number, hi: number, who: string, what: string): void {
  const d = y.data;
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] >= lo && d[i] <= hi)) {
      throw new RangeError(`${who}: ${what} must be in [${lo}, ${hi}], got ${d[i]} at flat index ${i}`);
    }
  }
}

const categoricalCrossentropy: Loss = {
  name: 'categoricalCrossentropy',
  fusesWith: 'softmax',
  labelWidth: (cols) => cols,
  terms: (rows) => rows,
  checkLabels(y, outputShape, who) {
    sameShape(y, outputShape, who, 'categoricalCrossentropy');
    checkRange(y, 0, 1, who, 'categoricalCrossentropy labels (one-hot or probabilities)');
  },
  compute(_k, fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
    const a = lossCall(output, labels, visible, grad, rows, cols, gradScale, termLosses);
    return fused ? lossKernels.softmaxCrossEntropy(a) : lossKernels.categoricalCrossentropy(a);
  },
};

const sparseCategoricalCrossentropy: Loss = {
  name: 'sparseCategoricalCrossentropy',
  fusesWith: 'softmax',
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
    const a = lossCall(output, labels, visible, grad, rows, cols, gradScale, termLosses);
    return fused ? lossKernels.sparseSoftmaxCrossEntropy(a) : lossKernels.sparseCategoricalCrossentropy(a);
  },
};

const binaryCrossentropy: Loss = {
  name: 'binaryCrossentropy',
  fusesWith: 'sigmoid',
  labelWidth: (cols) => cols,
  terms: (rows, cols) => rows * cols,
  checkLabels(y, outputShape, who) {
    sameShape(y, outputShape, who, 'binaryCrossentropy');
    checkRange(y, 0, 1, who, 'binaryCrossentropy labels');
  },
  compute(_k, fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
    const a = lossCall(output, labels, visible, grad, rows, cols, gradScale, termLosses);
    return fused ? lossKernels.sigmoidBinaryCrossentropy(a) : lossKernels.binaryCrossentropy(a);
  },
};

const meanSquaredError: Loss = {
  name: 'meanSquaredError',
  fusesWith: null,
  labelWidth: (cols) => cols,
  terms: (rows, cols) => rows * cols,
  checkLabels(y, outputShape, who) {
    sameShape(y, outputShape, who, 'meanSquaredError');
  },
  compute(_k, _fused, output, labels, visible, grad, rows, cols, gradScale, termLosses = 0) {
    return lossKernels.meanSquaredError(lossCall(output, labels, visible, grad, rows, cols, gradScale, termLosses));
  },
};

const LOSSES: Record<string, Loss> = {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  // Keras snake_case spellings and the usual short names.
  categorical_crossentropy: categoricalCrossentropy,
  sparse_categorical_crossentropy: sparseCategoricalCrossentropy,
  binary_crossentropy: binaryCrossentropy,
  mean_squared_error: meanSquaredError,
  mse: meanSquaredError,
};

/** A loss by name; throws listing the known names. */
export function getLoss(name: string): Loss {
  const loss = Object.prototype.hasOwnProperty.call(LOSSES, name) ? LOSSES[name] : undefined;
  if (!loss) throw new Error(`compile: unknown loss '${name}'; expected one of ${Object.keys(LOSSES).join(', ')}`);
  return loss;
}
