/**
 * The optimizer contract: slots (velocity, moments) are planned in wasm memory once per
 * parameter, and a step is one fused kernel call per parameter.
 */
import { getBackend, type Kernels } from '../core/wasm.js';
import type { Param } from '../layers/layer.js';

export abstract class Optimizer {
  /** Keras class name, e.g. 'SGD'. */
  abstract readonly className: string;
  /** Steps taken so far (Adam's t). */
  iterations = 0;
  private readonly slots = new Map<number, number[]>();

  protected constructor(public learningRate: number, protected readonly slotCount: number) {
    checkLearningRate(learningRate, this.constructor.name);
  }

  /** Reserves zeroed slots for parameters not seen before. */
  prepare(params: readonly Param[]): void {
    const { arena } = getBackend();
    for (const p of params) {
      if (this.slots.has(p.ptr)) continue;
      const ptrs: number[] = [];
      for (let s = 0; s < this.slotCount; s++) {
        const ptr = arena.allocF32(p.size);
        arena.f32.fill(0, ptr >> 2, (ptr >> 2) + p.size);
        ptrs.push(ptr);
      }
      this.slots.set(p.ptr, ptrs);
    }
  }

  /** Applies one update to every trainable parameter from its gradient. */
  step(params: readonly Param[]): void {
    this.iterations++;
    const k = getBackend().kernels;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      if (p.trainable) this.update(k, p, this.slots.get(p.ptr)!);
    }
  }

  /** Frees the slots. */
  dispose(): void {
    const { arena } = getBackend();
    for (const ptrs of this.slots.values()) for (const ptr of ptrs) arena.release(ptr);
    this.slots.clear();
  }

  protected abstract update(k: Kernels, param: Param, slots: readonly number[]): void;
}

/** Throws unless `value` is a finite, positive learning rate. */
export function checkLearningRate(value: number, who: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${who}: learningRate must be a positive finite number, got ${value}`);
  }
}

/** Throws unless `value` is in [lo, hi]. */
export function checkInRange(value: number, lo: number, hi: number, who: string): void {
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    throw new RangeError(`${who} must be in [${lo}, ${hi}], got ${value}`);
  }
}
