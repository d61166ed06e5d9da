/**
 * One `{ xs, ys }` batch of a dataset, checked as `fit` checks its x and y (shapes, counts, finite
 * values, labels in range) and copied into the memory plan. Batches of simdnn Tensors go straight
 * in with nothing allocated; Float32Arrays, nested arrays and TF.js tensors (read with
 * `dataSync()`) are wrapped or converted first. Errors name the epoch and batch.
 */
import { describeValue, isObject } from '../core/checks.js';
import { Tensor } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';
import { countNonFinite } from '../core/kernels/finite.js';
import { checkFinite, checkSampleShape, toBatch } from '../data/inputs.js';
import { checkSampleCounts, splitByName } from './data.js';
import { copyRows } from './evaluation.js';
import type { Head } from './heads.js';
import type { LayersModel } from './model.js';
import type { ExecutionPlan } from './plan.js';

/** Where a batch came from, kept up to date in place and spelt out only when an error needs it. */
export class BatchPlace {
  /** 'validation' for validationData, '' for the data being trained on or evaluated. */
  phase = '';
  /** Epoch index, or -1 outside fit. */
  epoch = -1;
  /** Batch index within the epoch (or the walk). */
  batch = 0;

  /** `error` again, its message saying where: "fitDataset (epoch 2, batch 5): ...". */
  relabel(error: unknown, who: string): unknown {
    if (!(error instanceof Error) || !error.message.startsWith(`${who}: `)) return error;
    const where = `${this.phase ? `${this.phase} ` : ''}${this.epoch >= 0 ? `epoch ${this.epoch + 1}, ` : ''}batch ${this.batch + 1}`;
    const relabelled = new (error.constructor as ErrorConstructor)(`${who} (${where}): ${error.message.slice(who.length + 2)}`);
    relabelled.stack = error.stack;
    return relabelled;
  }
}

/** A TF.js tensor, as far as reading it needs: its shape and `dataSync()`. */
interface TfjsTensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

function isTfjsTensor(value: unknown): value is TfjsTensorLike {
  return isObject(value) && Array.isArray(value.shape) && typeof value.dataSync === 'function';
}

/** One array of a batch: a Tensor, a Float32Array or a TF.js tensor (nested number arrays are not told apart from lists). */
function isArrayData(value: unknown): boolean {
  return value instanceof Tensor || value instanceof Float32Array || isTfjsTensor(value);
}

/** True when `t` is [N, ...shape]; allocates nothing. */
function hasSampleShape(t: Tensor, shape: readonly number[]): boolean {
  if (t.shape.length !== shape.length + 1) return false;
  for (let i = 0; i < shape.length; i++) if (t.shape[i + 1] !== shape[i]) return false;
  return true;
}

/** `value`'s own enumerable keys are exactly `names`, each an array. */
function keyedByNames(value: Record<string, unknown>, names: readonly string[]): boolean {
  let keys = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (!names.includes(key) || !isArrayData(value[key])) return false;
    keys++;
  }
  return keys === names.length;
}

/** Reads batches for one model: inputs always, labels when `heads` are given. */
export class BatchReader {
  /** The current batch's inputs, in the model's input order. */
  readonly xs: Tensor[] = [];
  /** The current batch's labels, in output order. */
  readonly ys: Tensor[] = [];
  private readonly parts: unknown[] = [];
  private readonly inputNames: readonly string[];
  private readonly inputShapes: readonly (readonly number[])[];
  private readonly outputNames: readonly string[];
  private readonly labelShapes: readonly (readonly number[])[];
  /** Per output: who its label checks name (with the output for several). */
  private readonly labelWho: readonly string[];

  constructor(private readonly model: LayersModel, private readonly heads: readonly Head[], private readonly who: string) {
    this.inputNames = model.inputNames;
    this.inputShapes = model.inputShapes;
    this.outputNames = heads.map((h) => h.name);
    this.labelShapes = heads.map((h) => h.labelShape);
    this.labelWho = heads.map((h) => (heads.length === 1 ? who : `${who} (output '${h.name}')`));
  }

  /** Checks one batch the dataset yielded and holds its tensors; returns its sample count. */
  read(batch: unknown, place: BatchPlace): number {
    try {
      return this.check(batch);
    } catch (error) {
      throw place.relabel(error, this.who);
    }
  }

  private check(batch: unknown): number {
    const who = this.who;
    if (!isObject(batch) || batch.xs === undefined || batch.ys === undefined) {
      throw new TypeError(`${who}: a batch must be an object { xs, ys } (inputs and labels, as fit takes x and y), got ${describeValue(batch)}`);
    }
    this.split(batch.xs, this.inputNames, 'xs', 'input', this.xs, this.inputShapes);
    this.split(batch.ys, this.outputNames, 'ys', 'output', this.ys, this.labelShapes);
    const n = this.xs[0].shape[0];
    for (const t of this.xs) if (t.shape[0] !== n) checkSampleCounts(this.xs, this.ys, who, 'xs', 'ys');
    for (const t of this.ys) if (t.shape[0] !== n) checkSampleCounts(this.xs, this.ys, who, 'xs', 'ys');
    for (let i = 0; i < this.xs.length; i++) {
      if (!hasSampleShape(this.xs[i], this.inputShapes[i])) checkSampleShape(this.xs[i], this.inputShapes[i], who, this.argName('xs', this.inputNames, i));
    }
    for (let h = 0; h < this.ys.length; h++) {
      checkFinite(this.ys[h], who, this.argName('ys', this.outputNames, h));
      this.heads[h].loss.checkLabels(this.ys[h], this.heads[h].shape, this.labelWho[h]);
    }
    return n;
  }

  /** Splits xs (or ys) into `out` by the model's names; only a form with arrays the fast path does not know allocates. */
  private split(value: unknown, names: readonly string[], arg: string, what: string, out: Tensor[], shapes: readonly (readonly number[])[]): void {
    const parts = this.parts;
    parts.length = names.length;
    if (names.length === 1 && isArrayData(value)) parts[0] = value;
    else if (Array.isArray(value) && value.length === names.length && value.every(isArrayData)) {
      for (let i = 0; i < names.length; i++) parts[i] = value[i];
    } else if (isObject(value) && !isArrayData(value) && keyedByNames(value, names)) {
      for (let i = 0; i < names.length; i++) parts[i] = value[names[i]];
    } else {
      const list = splitByName(value, names, this.who, arg, what); // nested arrays, or the error naming what is wrong
      for (let i = 0; i < names.length; i++) parts[i] = list[i];
    }
    for (let i = 0; i < names.length; i++) {
      const part = parts[i];
      if (part instanceof Tensor) out[i] = part;
      else if (isTfjsTensor(part)) out[i] = fromTfjs(part, this.who, this.argName(arg, names, i));
      else out[i] = toBatch(part as Tensor, shapes[i], this.who, this.argName(arg, names, i));
      parts[i] = undefined;
    }
  }

  private argName(arg: string, names: readonly string[], i: number): string {
    return names.length === 1 ? arg : `${arg}.${names[i]}`;
  }

  /**
   * Copies rows [start, start + n) of the batch into the plan's input buffers (and label buffers
   * when `labels`), then counts non-finite inputs in wasm; the JS scan runs only to name one.
   */
  copy(plan: ExecutionPlan, start: number, n: number, labels: boolean, place: BatchPlace): void {
    const { arena } = getBackend();
    const inputs = this.model.inputNodes;
    const whole = start === 0 && n === this.xs[0].shape[0];
    for (let i = 0; i < this.xs.length; i++) {
      const t = this.xs[i];
      const ptr = plan.outputs[inputs[i]];
      if (whole) arena.f32.set(t.data, ptr >>> 2);
      else copyRows(t, start, n, ptr);
      if (countNonFinite(ptr, (n * t.size) / t.shape[0]) !== 0) {
        try {
          checkFinite(t, this.who, this.argName('xs', this.inputNames, i));
        } catch (error) {
          throw place.relabel(error, this.who);
        }
      }
    }
    if (!labels) return;
    for (let h = 0; h < this.ys.length; h++) {
      if (whole) arena.f32.set(this.ys[h].data, plan.labels[h] >>> 2);
      else copyRows(this.ys[h], start, n, plan.labels[h]);
    }
  }
}

/** A TF.js tensor's values as a simdnn Tensor (int32 and bool values become float32). */
function fromTfjs(t: TfjsTensorLike, who: string, arg: string): Tensor {
  const values = t.dataSync();
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  if (t.shape.length === 0) throw new RangeError(`${who}: ${arg} must have a batch dimension, got a scalar`);
  return new Tensor(data, t.shape);
}
