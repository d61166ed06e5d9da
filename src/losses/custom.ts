/**
 * Custom losses written in JS: a name, the loss and its gradient with respect to the prediction.
 * There is no autodiff, so the gradient is the user's to write. Each batch, the labels and
 * predictions are copied out of wasm memory into host Tensors made once (see host-batch.ts), the
 * user's functions run, and what they return is checked (size, finiteness) before the gradient is
 * copied back, scaled as the built-in losses scale theirs.
 */
import { describeValue, isObject } from '../core/checks.js';
import { Tensor, shapeSize } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';
import { HostBatch } from './host-batch.js';
import { sameShape, type Loss } from './loss.js';

/** What a custom loss function may return: the N per-sample losses, or their mean as one number. */
export type CustomLossValue = number | Float32Array | number[] | Tensor;

/**
 * A loss you write yourself, for `compile({ loss })`. Both functions receive the labels and the
 * predictions of one batch as Tensors of shape [N, ...outputShape] (host copies reused from batch
 * to batch: copy what you keep past the call).
 */
export interface CustomLoss {
  /** Names the loss in errors; not the name of a built-in loss. */
  readonly name: string;
  /**
   * The loss of each of the N samples (a Float32Array, number[] or Tensor of N values), or their mean
   * as one number. The reported and minimised loss is their mean over the batch, as Keras reduces.
   * Per-sample values are needed with sampleWeight or classWeight.
   */
  loss(yTrue: Tensor, yPred: Tensor): CustomLossValue;
  /**
   * The gradient of each sample's own loss with respect to its predictions, ∂loss_s/∂yPred_s, not
   * divided by N (simdnn divides by N and applies sample and loss weights). Write it into `grad`, a
   * zeroed Tensor of yPred's shape, and return nothing; or return N·size values (a Tensor,
   * Float32Array or number[]).
   */
  gradient(yTrue: Tensor, yPred: Tensor, grad: Tensor): void | Tensor | Float32Array | number[];
}

/** True for an object shaped like a {@link CustomLoss}. */
export function isCustomLoss(value: unknown): value is CustomLoss {
  return isObject(value) && typeof value.loss === 'function' && typeof value.gradient === 'function';
}

/** The values of what a user's function returned, or null for a single number. */
function valuesOf(value: unknown): ArrayLike<number> | null {
  if (value instanceof Tensor) return value.data;
  if (value instanceof Float32Array || (Array.isArray(value) && value.every((v) => typeof v === 'number'))) return value;
  return null;
}

/** Throws naming `who` at the first value that is not finite. */
function checkFiniteValues(values: ArrayLike<number>, who: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${who}: ${what} must be finite, got ${values[i]} at index ${i}`);
  }
}

/**
 * The training loop's view of `spec` for an output of per-sample shape `outputShape`; throws when
 * `spec` is malformed. `builtin` lists the names a custom loss may not take.
 */
export function customLoss(spec: CustomLoss, outputShape: readonly number[], builtin: readonly string[]): Loss {
  if (typeof spec.name !== 'string' || spec.name.length === 0) {
    throw new TypeError(`compile: a custom loss needs a name (a non-empty string), got ${describeValue(spec.name)}`);
  }
  if (builtin.includes(spec.name)) {
    throw new Error(`compile: custom loss '${spec.name}' takes the name of a built-in loss; give it another name`);
  }
  const who = `custom loss '${spec.name}'`;
  const perSample = shapeSize(outputShape);
  const rowsPerSample = perSample / outputShape[outputShape.length - 1];
  const host = new HostBatch(outputShape, outputShape);
  return {
    name: spec.name,
    fusesWith: null,
    fromLogits: false,
    labelWidth: (cols) => cols,
    terms: (rows) => rows / rowsPerSample,
    checkLabels: (y, shape, caller) => sameShape(y, shape, caller, who),
    compute(_k, _fused, output, labels, _visible, grad, rows, _cols, gradScale, termLosses = 0) {
      const n = rows / rowsPerSample;
      const views = host.load(n, output, labels);
      const value: unknown = spec.loss(views.yTrue, views.yPred);
      const values = valuesOf(value);
      let sum = 0;
      if (values === null) {
        if (typeof value !== 'number') {
          throw new TypeError(`${who}: loss() must return ${n} per-sample losses (a Float32Array, number[] or Tensor) or their mean, got ${describeValue(value)}`);
        }
        if (!Number.isFinite(value)) throw new RangeError(`${who}: loss() returned ${value}; it must be finite`);
        if (termLosses !== 0) {
          throw new Error(`${who}: sampleWeight and classWeight weigh each sample's loss, so loss() must return ${n} per-sample losses, not their mean`);
        }
        sum = value * n;
      } else {
        if (values.length !== n) {
          throw new RangeError(`${who}: loss() returned ${values.length} values for a batch of ${n} samples; return one per sample, or their mean`);
        }
        checkFiniteValues(values, who, 'the losses loss() returns');
        const f32 = getBackend().arena.f32;
        for (let i = 0; i < n; i++) {
          sum += values[i];
          if (termLosses !== 0) f32[(termLosses >>> 2) + i] = values[i];
        }
      }
      if (grad !== 0) writeGradient(spec, who, views.yTrue, views.yPred, views.grad, grad, gradScale);
      return sum;
    },
    toConfig() {
      throw new Error(`save: ${who} cannot be saved in trainingConfig (its functions are code); save without includeOptimizer`);
    },
  };
}

/** Calls `spec.gradient`, checks what it gives, and writes gradScale times it at `grad` in wasm memory. */
function writeGradient(spec: CustomLoss, who: string, yTrue: Tensor, yPred: Tensor, out: Tensor,
  grad: number, gradScale: number): void {
  out.data.fill(0);
  const returned: unknown = spec.gradient(yTrue, yPred, out);
  let values: ArrayLike<number>;
  if (returned === undefined) values = out.data;
  else {
    const given = valuesOf(returned);
    if (given === null) {
      throw new TypeError(`${who}: gradient() must fill its grad argument and return nothing, or return ${yPred.size} values ` +
        `(a Tensor, Float32Array or number[]), got ${describeValue(returned)}`);
    }
    values = given;
  }
  if (values.length !== yPred.size) {
    throw new RangeError(`${who}: gradient() returned ${values.length} values; the predictions of shape [${yPred.shape.join(', ')}] need ${yPred.size}`);
  }
  checkFiniteValues(values, who, 'the gradient');
  const f32 = getBackend().arena.f32; // fetched after the user's code ran: memory may have grown
  const at = grad >>> 2;
  for (let i = 0; i < values.length; i++) f32[at + i] = gradScale * values[i];
}
