/**
 * What every loss is to the training loop, and what the built-in ones share: the operand struct of
 * their kernel calls, label checks, and the form trainingConfig saves them in (TF.js's snake_case
 * name with default options, Keras's `{ class_name, config }` otherwise).
 */
import type { ActivationName } from '../activations.js';
import { lossArgs, type LossArgs } from '../core/kernels/loss.js';
import type { Tensor } from '../core/tensor.js';
import type { Kernels } from '../core/wasm.js';

/** Built-in loss names accepted by `compile` (Keras camelCase; snake_case and Keras aliases also work). */
export type LossName =
  | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy'
  | 'meanSquaredError' | 'meanAbsoluteError' | 'meanAbsolutePercentageError' | 'meanSquaredLogarithmicError'
  | 'huber' | 'logCosh' | 'hinge' | 'squaredHinge' | 'categoricalHinge'
  | 'kullbackLeiblerDivergence' | 'poisson' | 'cosineSimilarity';

/** A loss as Keras serialises an object with options: `{ class_name: 'Huber', config: { name, reduction, delta } }`. */
export interface LossConfig {
  class_name: string;
  config: Record<string, unknown>;
}

/** A loss over `rows × cols` outputs (cols = last axis), as the training loop calls it. */
export interface Loss {
  /** The built-in loss's name, or a custom loss's own name. */
  readonly name: LossName | string;
  /** The output activation this loss can fuse with, if any. */
  readonly fusesWith: ActivationName | null;
  /** The model's output holds logits, not probabilities (Keras `from_logits`). */
  readonly fromLogits: boolean;
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
   * The kernels are reached through `src/core/kernels/`; `k` is not needed by the built-in losses.
   */
  compute(k: Kernels, fused: boolean, output: number, labels: number, visible: number, grad: number,
    rows: number, cols: number, gradScale: number, termLosses?: number): number;
  /** How trainingConfig saves the loss; throws for a loss that cannot be saved (a custom one). */
  toConfig(): string | LossConfig;
  /** Said after "the loss became NaN" when this loss has a usual cause for it. */
  readonly nonFiniteHint?: string;
}

/** The operands of every built-in loss call, refilled per call (a call is synchronous, so one struct serves all). */
const operands: LossArgs = lossArgs();

/** {@link operands} filled for one call. */
export function lossCall(output: number, labels: number, activated: number, grad: number, rows: number, cols: number,
  gradScale: number, termLosses: number, smoothing = 0): LossArgs {
  const a = operands;
  a.output = output; a.labels = labels; a.activated = activated; a.grad = grad;
  a.rows = rows; a.cols = cols; a.gradScale = gradScale; a.terms = termLosses; a.smoothing = smoothing;
  return a;
}

/** Throws unless `y` has the model output's shape, [N, ...outputShape]. */
export function sameShape(y: Tensor, outputShape: readonly number[], who: string, loss: string): void {
  const want = outputShape.join(', ');
  const got = y.shape.slice(1).join(', ');
  if (y.rank !== outputShape.length + 1 || got !== want) {
    throw new Error(`${who}: ${loss} needs labels of shape [N, ${want}] (the model's output), got [${y.shape.join(', ')}]`);
  }
}

/** Throws at the first label outside [lo, hi], naming it and its flat index. */
export function checkRange(y: Tensor, lo: number, hi: number, who: string, what: string): void {
  const d = y.data;
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] >= lo && d[i] <= hi)) {
      const range = hi === Infinity ? `≥ ${lo}` : `in [${lo}, ${hi}]`;
      throw new RangeError(`${who}: ${what} must be ${range}, got ${d[i]} at flat index ${i}`);
    }
  }
}

/** Keras's snake_case of a camelCase option name (labelSmoothing → label_smoothing). */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * How a built-in loss is saved: `saved` (TF.js's snake_case name, which TF.js reads back) while
 * every option has its default, else Keras's object with the options in snake_case (and `fixed`
 * entries Keras also writes, such as `axis: -1`).
 */
export function savedForm(saved: string, className: string, kerasName: string, options: Record<string, number | boolean>,
  defaults: Record<string, number | boolean>, fixed: Record<string, number> = {}): string | LossConfig {
  if (Object.keys(options).every((key) => options[key] === defaults[key])) return saved;
  const config: Record<string, unknown> = { name: kerasName, reduction: 'sum_over_batch_size' };
  for (const [key, value] of Object.entries(options)) config[snakeCase(key)] = value;
  return { class_name: className, config: { ...config, ...fixed } };
}

/** A built-in loss without fusion or logits: its kernel, its terms, its label check and how it is saved. */
export interface PlainLossSpec {
  name: LossName;
  /** Keras class name ('Huber') and the default `name` in its config ('huber_loss'). */
  className: string;
  kerasName: string;
  /** What trainingConfig writes with default options (TF.js's name where TF.js has the loss). */
  saved: string;
  /** One term per row (a reduction over the last axis happens in the kernel), else one per element. */
  perRow: boolean;
  /** Range checks on labels beyond the shape, e.g. counts ≥ 0. */
  check?(y: Tensor, who: string): void;
  kernel(a: LossArgs): number;
  options?: Record<string, number>;
  defaults?: Record<string, number>;
  fixed?: Record<string, number>;
  nonFiniteHint?: string;
}

/** A loss whose labels have the output's shape and whose kernel takes the plain operands. */
export function plainLoss(spec: PlainLossSpec): Loss {
  return {
    name: spec.name,
    fusesWith: null,
    fromLogits: false,
    labelWidth: (cols) => cols,
    terms: (rows, cols) => (spec.perRow ? rows : rows * cols),
    checkLabels(y, outputShape, who) {
      sameShape(y, outputShape, who, spec.name);
      spec.check?.(y, who);
    },
    compute: (_k, _fused, output, labels, _visible, grad, rows, cols, gradScale, termLosses = 0) =>
      spec.kernel(lossCall(output, labels, 0, grad, rows, cols, gradScale, termLosses)),
    toConfig: () => savedForm(spec.saved, spec.className, spec.kerasName, spec.options ?? {}, spec.defaults ?? {}, spec.fixed),
    ...(spec.nonFiniteHint ? { nonFiniteHint: spec.nonFiniteHint } : {}),
  };
}
