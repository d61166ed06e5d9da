/**
 * Keras 3's moving average of the weights (`use_ema`): one buffer per trainable weight, reserved
 * with the optimizer's slots (so a step allocates nothing), updated after each step as
 * avg ← μ·avg + (1 − μ)·w with μ = 0 on the very first step (the average starts at the weights),
 * optionally copied over the weights every `overwriteFrequency` steps, and copied over them for
 * good when training ends (Keras `finalize_variable_values`). The model swaps it in for
 * validation and saving (see `models/weight-average.ts`).
 */
import { checkBoolean, checkInRange, checkPositiveInteger, describeValue } from '../core/checks.js';
import { getBackend } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';
import { SlotBook } from './slots.js';

/** The EMA arguments every optimizer accepts (Keras 3 names, camelCase). */
export interface EmaArgs {
  /** Keep a moving average of the weights; default false. */
  useEma?: boolean;
  /** μ in avg ← μ·avg + (1 − μ)·w, in [0, 1]; default 0.99. Needs useEma. */
  emaMomentum?: number;
  /** Every this many steps the weights are overwritten with their average; default null (never). Needs useEma. */
  emaOverwriteFrequency?: number | null;
}

/** The keys of {@link EmaArgs}. */
export const EMA_KEYS = ['useEma', 'emaMomentum', 'emaOverwriteFrequency'] as const;

/** Keras's default μ. */
export const DEFAULT_EMA_MOMENTUM = 0.99;

/** The checked EMA settings: null when `useEma` is off. Options other than their defaults without `useEma` are refused. */
export function checkEmaArgs(args: EmaArgs, who: string): { momentum: number; overwriteFrequency: number | null } | null {
  const use = checkBoolean(args.useEma ?? false, who, 'useEma');
  const momentum = checkInRange(args.emaMomentum ?? DEFAULT_EMA_MOMENTUM, who, 'emaMomentum', 0, 1, true);
  const frequency = args.emaOverwriteFrequency ?? null;
  const overwriteFrequency = frequency === null ? null : checkPositiveInteger(frequency, who, 'emaOverwriteFrequency');
  if (!use) {
    // Not silently ignored: an average that is never kept cannot have a momentum or a frequency.
    if (momentum !== DEFAULT_EMA_MOMENTUM) throw new RangeError(`${who}: emaMomentum ${describeValue(momentum)} needs useEma: true, got useEma ${describeValue(args.useEma)}`);
    if (overwriteFrequency !== null) throw new RangeError(`${who}: emaOverwriteFrequency ${overwriteFrequency} needs useEma: true, got useEma ${describeValue(args.useEma)}`);
    return null;
  }
  return { momentum, overwriteFrequency };
}

/** The moving averages of one optimizer's weights (see the file comment). */
export class WeightAverage {
  private readonly book: SlotBook;

  /**
   * @param owner names the optimizer in errors, e.g. 'Adam'
   * @param momentum μ, in [0, 1]
   * @param overwriteFrequency steps between overwrites of the weights, or null
   */
  constructor(owner: () => string, readonly momentum: number, readonly overwriteFrequency: number | null) {
    this.book = new SlotBook(owner, 1, 'weights');
  }

  /** Reserves `param`'s average (a copy of its values) if not yet reserved. */
  prepare(param: Param): void {
    this.book.of(param);
  }

  /**
   * After the update of step `iterations` (1 for the first): advances every trainable weight's
   * average, and overwrites the weights with it when `iterations` is a multiple of the frequency.
   */
  update(params: readonly Param[], iterations: number): void {
    const k = getBackend().kernels;
    const mu = iterations <= 1 ? 0 : this.momentum; // Keras: the first step's average is the weights
    const overwrite = this.overwriteFrequency !== null && iterations % this.overwriteFrequency === 0;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (!p.trainable) continue;
      const avg = this.book.of(p)[0];
      k.emaUpdate(avg, p.ptr, p.size, mu);
      if (overwrite) k.scaleArray(avg, p.ptr, p.size, 1);
    }
  }

  /** Copies each trainable weight's average (where one was kept) over the weight: Keras `finalize_variable_values`. */
  overwrite(params: readonly Param[]): void {
    const k = getBackend().kernels;
    for (const p of params) {
      const avg = p.trainable ? this.book.peek(p) : null;
      if (avg) k.scaleArray(avg[0], p.ptr, p.size, 1);
    }
  }

  /** Exchanges each trainable weight with its average (where one was kept); a second call undoes the first. */
  swap(params: readonly Param[]): void {
    const k = getBackend().kernels;
    for (const p of params) {
      const avg = p.trainable ? this.book.peek(p) : null;
      if (avg) k.swapArrays(avg[0], p.ptr, p.size);
    }
  }

  /** Byte offset of `param`'s average, reserved (a copy of the weight) on first use. */
  of(param: Param): number {
    return this.book.of(param)[0];
  }

  /** Bytes of the averages reserved for `param`. */
  bytesOf(param: Param): number {
    return this.book.bytesOf(param);
  }

  /** Frees the averages of `params` (whose weights are being freed). */
  forget(params: Iterable<Param>): void {
    this.book.forget(params);
  }

  /** Frees every average; they are reserved afresh (from the weights) on next use. */
  clear(): void {
    this.book.clear();
  }
}
