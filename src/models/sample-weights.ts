/**
 * Per-sample weights of fit and evaluate (Keras `sample_weight` and `class_weight`): checked, made
 * one f32 weight per sample, staged in wasm memory with the data, and applied to each batch by one
 * kernel (weightSamples) on the loss terms and the gradient. As Keras 3's default reduction
 * ('sum_over_batch_size'), the weighted sum is divided by the number of loss terms, not by Σ w.
 * Metrics stay unweighted, as Keras `metrics` (its `weighted_metrics` are another option).
 */
import { describeValue, isObject } from '../core/checks.js';
import { Tensor } from '../core/tensor.js';
import { sampleWeightArgs, weightSamples, type SampleWeightArgs } from '../core/kernels/loss.js';
import { getBackend, type Kernels } from '../core/wasm.js';
import type { Head } from './heads.js';
import { isCrossentropy } from '../losses/crossentropy.js';
import type { ExecutionPlan } from './plan.js';

/** One weight per sample: a Tensor of shape [N] (or [N, 1]), a Float32Array or a number array. */
export type SampleWeightLike = Tensor | Float32Array | number[];

/** Class index → weight (Keras `class_weight`); classes not listed weigh 1. */
export type ClassWeight = Record<number, number>;

/** `value` as one finite weight ≥ 0 for each of `count` samples, or an error naming `who` and `arg`. */
export function checkSampleWeight(value: unknown, count: number, who: string, arg = 'sampleWeight'): Float32Array {
  let data: ArrayLike<number>;
  if (value instanceof Tensor) {
    if (value.rank !== 1 && !(value.rank === 2 && value.shape[1] === 1)) {
      throw new RangeError(`${who}: ${arg} must have shape [N] (one weight per sample), got [${value.shape.join(', ')}]`);
    }
    data = value.data;
  } else if (value instanceof Float32Array || (Array.isArray(value) && value.every((v) => typeof v === 'number'))) {
    data = value;
  } else {
    throw new TypeError(`${who}: ${arg} must be a Tensor of shape [N], a Float32Array or a number array, got ${describeValue(value)}`);
  }
  if (data.length !== count) throw new RangeError(`${who}: ${arg} has ${data.length} weights but there are ${count} samples; give one per sample`);
  for (let i = 0; i < data.length; i++) {
    if (!(Number.isFinite(data[i]) && data[i] >= 0)) throw new RangeError(`${who}: ${arg} must be finite and ≥ 0, got ${data[i]} at sample ${i}`);
  }
  return Float32Array.from(data);
}

/** Keras `class_weight` as a lookup: one weight per class, and how a label names its class. */
export interface ClassWeightTable {
  /** Weight of each class index (1 where `classWeight` names none). */
  readonly weights: Float32Array;
  /** Labels are class indices (sparse) rather than one-hot rows or one binary value. */
  readonly sparse: boolean;
}

/** Checks `classWeight` against the output `head` and makes its {@link ClassWeightTable}. */
export function classWeightTable(classWeight: unknown, head: Head, who: string): ClassWeightTable {
  if (!isObject(classWeight)) {
    throw new TypeError(`${who}: classWeight must map class index to weight, e.g. { 0: 1, 1: 5 }, got ${describeValue(classWeight)}`);
  }
  const { loss, cols } = head;
  const outputShape = head.shape;
  const sparse = loss.labelWidth(2) === 1;
  if (outputShape.length > 1 || !isCrossentropy(loss) || (loss.name === 'binaryCrossentropy' && cols > 1)) {
    throw new Error(`${who}: classWeight needs one class per sample (categorical or sparse cross-entropy, or binary with one output), ` +
      `got loss '${loss.name}' on outputs of shape [${outputShape.join(', ')}]; give sampleWeight instead`);
  }
  const classes = cols === 1 && !sparse ? 2 : cols;
  const table = new Float32Array(classes).fill(1);
  for (const [key, weight] of Object.entries(classWeight)) {
    if (!/^\d+$/.test(key) || Number(key) >= classes) {
      throw new RangeError(`${who}: classWeight key '${key}' is not a class index; expected integers in [0, ${classes})`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RangeError(`${who}: classWeight[${key}] must be a finite number ≥ 0, got ${describeValue(weight)}`);
    }
    table[Number(key)] = weight;
  }
  return { weights: table, sparse };
}

/**
 * Writes the weight of each sample of `y` (checked labels) to `out` from index `at`: the class is
 * the label (sparse), the argmax (one-hot, first maximum) or, for one binary output, the label
 * rounded (> 0.5 is 1). Allocates nothing, so fitDataset fills each batch's weights in place.
 */
export function writeClassWeights(table: ClassWeightTable, y: Tensor, out: Float32Array, at: number): void {
  const count = y.shape[0];
  const width = y.size / count;
  for (let i = 0; i < count; i++) out[at + i] = table.weights[classOf(y.data, i * width, width, table.sparse)];
}

/** Keras `class_weight` as one weight per sample of `y` (see {@link writeClassWeights}). */
export function classWeightsOf(classWeight: unknown, y: Tensor, head: Head, who: string): Float32Array {
  const table = classWeightTable(classWeight, head, who);
  const weights = new Float32Array(y.shape[0]);
  writeClassWeights(table, y, weights, 0);
  return weights;
}

function classOf(labels: Float32Array, at: number, width: number, sparse: boolean): number {
  if (sparse) return labels[at];
  if (width === 1) return labels[at] > 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < width; j++) if (labels[at + j] > labels[at + best]) best = j;
  return best;
}

/**
 * The weights of `fit`: from sampleWeight (one per sample, for every output) or classWeight (one
 * output only, as Keras); not both. Null when neither is given.
 */
export function fitWeights(sampleWeight: unknown, classWeight: unknown, ys: readonly Tensor[], heads: readonly Head[], who: string): Float32Array | null {
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new Error(`${who}: give sampleWeight or classWeight, not both (as Keras); fold the class weights into sampleWeight`);
  }
  if (sampleWeight !== undefined) return checkSampleWeight(sampleWeight, ys[0].shape[0], who);
  if (classWeight === undefined) return null;
  return classWeightsOf(classWeight, ys[0], classWeightHead(heads, who), who);
}

/** The one output classWeight applies to, or an error: as Keras, a model with several outputs takes none. */
export function classWeightHead(heads: readonly Head[], who: string): Head {
  if (heads.length !== 1) {
    throw new Error(`${who}: classWeight needs a model with one output (as Keras), this one has ${heads.length} ` +
      `(${heads.map((h) => h.name).join(', ')}); give sampleWeight instead`);
  }
  return heads[0];
}

/** Per-sample weights in wasm memory, with each output's loss terms of one batch; released by `release`. */
export class StagedWeights {
  /** One weight per sample of the data set. */
  readonly all: number;
  /** The gathered weights of a shuffled batch (0 when batches are read in order). */
  readonly batch: number;
  /** Per output: its loss terms of one batch, before weighting. */
  private readonly terms: number[] = [];
  /** The weightSamples operands, refilled per batch. */
  private readonly weighting: SampleWeightArgs = sampleWeightArgs();

  /** `capacity`: the largest batch; `gathered`: batches are gathered by index (fit) rather than read in order. */
  constructor(weights: Float32Array, capacity: number, heads: readonly Head[], gathered: boolean) {
    const { arena } = getBackend();
    this.all = arena.allocF32(weights.length, 'staged', 'sample weights');
    this.batch = gathered ? arena.allocF32(capacity, 'staged', 'sample weights of a batch') : 0;
    for (const head of heads) this.terms.push(arena.allocF32(capacity * termsPerSample(head), 'scratch', `loss terms of output '${head.name}'`));
    arena.f32.set(weights, this.all >>> 2);
  }

  /** Gathers the weights of the `n` samples whose i32 indices are at `indices` into `batch`. */
  gather(k: Kernels, indices: number, n: number): void {
    k.gatherRows(this.all, indices, n, 1, this.batch);
  }

  /**
   * Output `h`'s batch loss sum weighted by the `n` weights at `weights`, and its gradient (when
   * `grad` is not 0) scaled by `gradScale` and each sample's weight.
   */
  loss(k: Kernels, h: number, head: Head, plan: ExecutionPlan, grad: number, n: number, gradScale: number, weights: number): number {
    const rows = n * head.rowsPerSample;
    head.loss.compute(k, head.activationInLoss, plan.outputs[head.node], plan.labels[h], plan.visible[h], grad, rows, head.cols, gradScale, this.terms[h]);
    const w = this.weighting;
    w.terms = this.terms[h]; w.weights = weights; w.grad = grad;
    w.samples = n; w.termsPerSample = termsPerSample(head); w.gradPerSample = head.rowsPerSample * head.cols;
    return weightSamples(w);
  }

  /** Returns the buffers to the arena. */
  release(): void {
    const { arena } = getBackend();
    for (const ptr of [this.all, this.batch, ...this.terms]) arena.release(ptr);
  }
}

/** Loss terms per sample of an output. */
function termsPerSample(head: Head): number {
  return head.loss.terms(head.rowsPerSample, head.cols);
}
