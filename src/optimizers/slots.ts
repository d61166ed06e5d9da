/**
 * An optimizer's slots (velocity, moments, accumulators), per parameter. They are keyed by the
 * Param object, not by its byte offset: once a model's weights are freed, a new parameter may
 * land at the same offset and must not inherit the old one's (possibly smaller) slots. Each
 * parameter's slots carry the size they were reserved for, checked on every use.
 *
 * Their wasm blocks are freed by `clear()` (the optimizer's dispose), by `forget(params)` (a
 * model freeing those weights), and, as a safety net, when a parameter or the whole book is
 * garbage-collected.
 */
import { getBackend } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';

/** One parameter's slot buffers and what is needed to free them after the parameter is collected. */
interface SlotSet {
  /** Values in each slot: the parameter's size when they were reserved. */
  readonly size: number;
  /** Byte offsets, in the order the optimizer documents its slots. */
  readonly ptrs: readonly number[];
  /** The book's blocks: a block no longer in it was already freed (the book was cleared or collected). */
  readonly ledger: Set<number>;
  /** The book's generation when reserved; cleared books start a new one, so old sets never free new blocks. */
  readonly generation: { live: boolean };
}

/** Frees a collected parameter's slots, unless its book was cleared or collected since. */
function freeSlotSet(set: SlotSet): void {
  if (!set.generation.live) return;
  const { arena } = getBackend();
  for (const ptr of set.ptrs) if (set.ledger.has(ptr)) arena.release(ptr);
}

const collectedParams = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<SlotSet>(freeSlotSet) : null;

/** The safety net (docs/architecture.md): an optimizer collected without `dispose()` returns its slots. */
const collectedBooks = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Set<number>>((ledger) => { if (ledger.size > 0) getBackend().arena.releaseAll(ledger); })
  : null;

/** The slots of one optimizer (see the file comment). */
export class SlotBook {
  private sets = new WeakMap<Param, SlotSet>();
  private generation = { live: true };
  /** Every live slot block of this book. */
  private readonly ledger = new Set<number>();

  /**
   * @param owner names the optimizer in errors and out-of-memory messages, e.g. 'Adam' (asked when needed:
   *   subclasses set their class name after the base constructor ran)
   * @param count slots per parameter
   * @param initial the starting value of slot `index`, or 'weights' for a copy of the parameter's values
   *   (the moving average of the weights starts from them)
   */
  constructor(private readonly owner: () => string, private readonly count: number, private readonly initial: ((index: number) => number) | 'weights') {
    collectedBooks?.register(this, this.ledger);
  }

  /** `param`'s slots, reserved (filled with their starting values) on first use; throws if their size disagrees. */
  of(param: Param): readonly number[] {
    const set = this.sets.get(param);
    if (set === undefined) return this.reserve(param);
    if (set.size !== param.size) {
      throw new Error(`${this.owner()}: the slots of weight '${param.name}' hold ${set.size} values each, ` +
        `but the weight has ${param.size} (shape [${param.shape.join(', ')}]); the weight changed size after the optimizer first used it`);
    }
    return set.ptrs;
  }

  /** `param`'s slots if reserved, else null (reserving nothing). */
  peek(param: Param): readonly number[] | null {
    return this.sets.get(param)?.ptrs ?? null;
  }

  /** Bytes of the slots reserved so far for `param` (0 before its first step). */
  bytesOf(param: Param): number {
    const set = this.sets.get(param);
    return set === undefined ? 0 : 4 * set.size * set.ptrs.length;
  }

  /** Frees the slots of `params` (whose weights are being freed); parameters without slots are skipped. */
  forget(params: Iterable<Param>): void {
    const { arena } = getBackend();
    for (const param of params) {
      const set = this.sets.get(param);
      if (set === undefined) continue;
      this.sets.delete(param);
      collectedParams?.unregister(set);
      for (const ptr of set.ptrs) if (this.ledger.has(ptr)) arena.release(ptr);
    }
  }

  /** Frees every slot; the book stays usable and reserves afresh. */
  clear(): void {
    if (this.ledger.size > 0) getBackend().arena.releaseAll(this.ledger);
    this.generation.live = false; // sets still registered for collection now free nothing
    this.generation = { live: true };
    this.sets = new WeakMap();
  }

  private reserve(param: Param): readonly number[] {
    const { arena } = getBackend();
    const ptrs: number[] = [];
    try {
      for (let s = 0; s < this.count; s++) {
        const ptr = arena.withOwner(this.ledger, () => arena.allocF32(param.size, 'slots', `${this.owner()} slot ${s} of weight '${param.name}'`));
        ptrs.push(ptr);
        const at = ptr >>> 2; // arena.f32 is re-made after growth: read it after the allocation
        if (this.initial === 'weights') arena.f32.copyWithin(at, param.ptr >>> 2, (param.ptr >>> 2) + param.size);
        else arena.f32.fill(this.initial(s), at, at + param.size);
      }
    } catch (error) {
      for (const ptr of ptrs) arena.release(ptr); // slots reserved before memory ran out
      throw error;
    }
    const set: SlotSet = { size: param.size, ptrs, ledger: this.ledger, generation: this.generation };
    this.sets.set(param, set);
    collectedParams?.register(param, set, set);
    return ptrs;
  }
}
