/**
 * What fitDataset, evaluateDataset and fit take as a dataset, and how one is walked: anything
 * with `[Symbol.asyncIterator]` (async generators, streams of batches), `[Symbol.iterator]`
 * (generators, arrays of batches), TF.js's `iterator()` (a `tf.data.Dataset`), or a function
 * returning one of those (a generator function, called anew for each pass).
 */
import { Tensor } from '../core/tensor.js';
import { describeValue } from '../core/checks.js';
import type { ModelData, ModelLabels } from './data.js';

/** One batch: inputs and labels, each as `fit` takes x and y (one array, a list, or an object keyed by name). */
export interface DatasetBatch {
  xs: ModelData;
  ys: ModelLabels;
}

/** TF.js's dataset protocol (`tf.data.Dataset`): `iterator()` resolves to an iterator whose `next()` resolves. */
export interface TfjsDatasetLike<T> {
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/** A source of batches that can be walked once; a function or a re-iterable object can be walked again. */
type Walkable<T> = AsyncIterable<T> | Iterable<T> | AsyncIterator<T> | Iterator<T>;

/**
 * A dataset of `{ xs, ys }` batches: an async iterable or generator, an iterable or generator
 * (an array of batches included), a TF.js `tf.data.Dataset`, or a function making one of those.
 * A generator object runs once; a function (or an iterable whose iterator is new each time) is
 * walked anew each epoch.
 */
export type Dataset<T = DatasetBatch> = AsyncIterable<T> | Iterable<T> | TfjsDatasetLike<T> | (() => Walkable<T>);

type AnyRecord = Record<string | symbol, unknown>;

function hasMethod(value: unknown, key: string | symbol): boolean {
  return typeof value === 'object' && value !== null && typeof (value as AnyRecord)[key] === 'function';
}

/**
 * Whether `fit`'s first argument is a dataset rather than data: a function, or an object (not an
 * array, typed array or Tensor, which are data) with an async iterator, an iterator or `iterator()`.
 */
export function isDatasetLike(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof Tensor) return false;
  return hasMethod(value, Symbol.asyncIterator) || hasMethod(value, Symbol.iterator) || hasMethod(value, 'iterator');
}

/**
 * Whether `value` is an array of batches (its first item has both `xs` and `ys`) rather than
 * validationData's [x, y] pair: both are arrays.
 */
export function isBatchList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first: unknown = value[0];
  return typeof first === 'object' && first !== null && 'xs' in first && 'ys' in first;
}

/** Throws unless `value` is a dataset as {@link Dataset} describes (arrays of batches included). */
export function checkDataset(value: unknown, who: string, arg = 'dataset'): void {
  if (isDatasetLike(value) || Array.isArray(value)) return;
  throw new TypeError(`${who}: ${arg} must be an async iterable or iterable of { xs, ys } batches, a generator (or generator function), ` +
    `or a TF.js tf.data.Dataset, got ${describeValue(value)}`);
}

/** The iterator interface a walk uses: `next()` may return the result or a promise of it. */
interface BatchIterator {
  next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
  return?(): unknown;
}

/** Marks the end of a walk (so `next` returns batches themselves, with no result object kept). */
export const END: unique symbol = Symbol('end of the dataset');

/** One walk over a dataset at a time: opened per epoch (or once, with a fixed number of batches per epoch). */
export class BatchSource {
  private iterator: BatchIterator | null = null;
  private finished = true;
  /** The open iterator is the dataset itself (a generator object): a second walk finds it spent. */
  oneShot = false;

  constructor(private readonly dataset: unknown, private readonly who: string, private readonly arg = 'dataset') {
    checkDataset(dataset, who, arg);
  }

  /** Starts a new walk, closing one left unfinished. */
  async open(): Promise<void> {
    await this.close();
    const made = typeof this.dataset === 'function' ? (this.dataset as () => unknown)() : this.dataset;
    let iterator: unknown;
    if (hasMethod(made, Symbol.asyncIterator)) iterator = (made as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    else if (hasMethod(made, 'iterator')) iterator = await (made as TfjsDatasetLike<unknown>).iterator();
    else if (hasMethod(made, Symbol.iterator)) iterator = (made as Iterable<unknown>)[Symbol.iterator]();
    else iterator = made;
    if (!hasMethod(iterator, 'next')) {
      throw new TypeError(`${this.who}: ${this.arg}${typeof this.dataset === 'function' ? ' (a function) returned' : ' gave'} ` +
        `${describeValue(iterator)}, not an iterator of { xs, ys } batches`);
    }
    this.iterator = iterator as BatchIterator;
    this.oneShot = typeof this.dataset !== 'function' && iterator === made;
    this.finished = false;
  }

  /** The next batch, or {@link END}. */
  async next(): Promise<unknown> {
    if (this.finished || !this.iterator) return END;
    const result = await this.iterator.next();
    if (typeof result !== 'object' || result === null) {
      throw new TypeError(`${this.who}: the ${this.arg}'s iterator returned ${describeValue(result)} from next(), not { value, done }`);
    }
    if (result.done) {
      this.finished = true;
      return END;
    }
    return result.value;
  }

  /** Ends the walk; an unfinished iterator is told (`return()`), so a file it reads is closed. */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = null;
    if (iterator && !this.finished) await iterator.return?.();
    this.finished = true;
  }
}
