// Float64 sums that carry their own f32 rounding bound, for kernels whose outputs are sums of products.
import { expect } from 'vitest';

/** A float64 sum per element with its f32 rounding bound: (terms + 2)·2⁻²⁴·Σ|term|. */
export class Sums {
  readonly value: Float64Array;
  private readonly abs: Float64Array;
  private readonly terms: Int32Array;
  constructor(n: number) {
    this.value = new Float64Array(n); this.abs = new Float64Array(n); this.terms = new Int32Array(n);
  }
  add(i: number, v: number): void {
    this.value[i] += v; this.abs[i] += Math.abs(v); this.terms[i]++;
  }
  bound(i: number): number {
    return (this.terms[i] + 2) * 2 ** -24 * this.abs[i] + 1e-30;
  }
  /** Every element of `got` within its bound (scaled by the activation's slope, plus its own rounding). */
  expectClose(got: Float32Array, f: (v: number) => number = (v) => v, slope = 1): void {
    for (let i = 0; i < got.length; i++) {
      const want = f(this.value[i]);
      const allowed = slope * this.bound(i) + 2e-6 * Math.max(Math.abs(want), 1e-3);
      if (!(Math.abs(got[i] - want) <= allowed)) expect.fail(`element ${i}: got ${got[i]}, want ${want} ± ${allowed}`);
    }
  }
}
