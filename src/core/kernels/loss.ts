/**
 * Loss kernels with named operands. Each call returns the f64 sum of a batch's loss terms, writes
 * the gradient (scaled by `gradScale`) where `grad` is not 0, and each term where `terms` is not 0.
 * The fused ones take logits and also write the activated output (softmax or sigmoid).
 * Pointers are byte offsets into wasm memory.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of one loss call. A caller keeps one (from {@link lossArgs}) and refills it per
 * call, so a step allocates nothing.
 */
export interface LossArgs {
  /** The model's output: logits for the fused losses, the activated values otherwise. */
  output: number;
  /** Label rows of `cols` values, or one f32 class index per row for the sparse losses. */
  labels: number;
  /** Fused losses: where the activated output goes (may equal `output`), or 0 to not write it (Keras from_logits). */
  activated: number;
  /** Gradient with respect to `output`, or 0 for none (may equal `output`). */
  grad: number;
  /** Rows of `cols` outputs; the element-wise losses (binary, squared error) see rows·cols elements. */
  rows: number;
  cols: number;
  /** Factor on the gradient, e.g. 1 / the number of terms for a mean. */
  gradScale: number;
  /** Keras label smoothing of the dense cross-entropies, in [0, 1]; 0 for none. */
  smoothing: number;
  /** Where each term's loss is written as f32 (a row, or an element), or 0 for none. */
  terms: number;
}

/** A loss struct with every pointer 0 and no gradient scale. */
export function lossArgs(): LossArgs {
  return { output: 0, labels: 0, activated: 0, grad: 0, rows: 0, cols: 0, gradScale: 0, smoothing: 0, terms: 0 };
}

/** Softmax of the logit rows and cross-entropy with (possibly soft) label rows, smoothed by `smoothing`. */
export function softmaxCrossEntropy(a: LossArgs): number {
  return getBackend().kernels.softmaxCrossEntropy(a.output, a.labels, a.activated, a.grad, a.rows, a.cols, a.smoothing, a.gradScale, a.terms);
}

/** Softmax of the logit rows and cross-entropy with one class index per row. */
export function sparseSoftmaxCrossEntropy(a: LossArgs): number {
  return getBackend().kernels.sparseSoftmaxCrossEntropy(a.output, a.labels, a.activated, a.grad, a.rows, a.cols, a.gradScale, a.terms);
}

/** Keras categorical cross-entropy on probability rows (normalised and clipped as Keras does), labels smoothed. */
export function categoricalCrossentropy(a: LossArgs): number {
  return getBackend().kernels.categoricalCrossentropy(a.output, a.labels, a.grad, a.rows, a.cols, a.smoothing, a.gradScale, a.terms);
}

/** Keras sparse categorical cross-entropy on probability rows, one class index per row. */
export function sparseCategoricalCrossentropy(a: LossArgs): number {
  return getBackend().kernels.sparseCategoricalCrossentropy(a.output, a.labels, a.grad, a.rows, a.cols, a.gradScale, a.terms);
}

/** Sigmoid of each logit and binary cross-entropy, element by element, labels smoothed. */
export function sigmoidBinaryCrossentropy(a: LossArgs): number {
  return getBackend().kernels.sigmoidBinaryCrossentropy(a.output, a.labels, a.activated, a.grad, a.rows * a.cols, a.smoothing, a.gradScale, a.terms);
}

/** Keras binary cross-entropy on probabilities, element by element, labels smoothed. */
export function binaryCrossentropy(a: LossArgs): number {
  return getBackend().kernels.binaryCrossentropy(a.output, a.labels, a.grad, a.rows * a.cols, a.smoothing, a.gradScale, a.terms);
}

/** Squared error, element by element. */
export function meanSquaredError(a: LossArgs): number {
  return getBackend().kernels.meanSquaredError(a.output, a.labels, a.grad, a.rows * a.cols, a.gradScale, a.terms);
}

/** Operands of {@link weightSamples}: the loss terms and gradient of one batch, and its per-sample weights. */
export interface SampleWeightArgs {
  /** The batch's loss terms, as a loss call wrote them. */
  terms: number;
  /** One f32 weight per sample. */
  weights: number;
  /** The batch's gradient, scaled in place per sample; 0 for none. */
  grad: number;
  samples: number;
  termsPerSample: number;
  gradPerSample: number;
}

/** A sample-weight struct with every pointer 0. */
export function sampleWeightArgs(): SampleWeightArgs {
  return { terms: 0, weights: 0, grad: 0, samples: 0, termsPerSample: 0, gradPerSample: 0 };
}

/**
 * Returns Σ_s w_s·(sample s's loss terms) and scales sample s's gradient by w_s (exactly 0 where
 * w_s is 0, so a sample left out leaves no NaN behind).
 */
export function weightSamples(a: SampleWeightArgs): number {
  return getBackend().kernels.weightSamples(a.terms, a.weights, a.grad, a.samples, a.termsPerSample, a.gradPerSample);
}
