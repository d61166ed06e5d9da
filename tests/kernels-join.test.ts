// Channel concatenation / split, and inverted dropout from the counter-based generator.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import type { Backend } from '../src/core/wasm.js';

describe('channel concatenation', () => {
  const seed = freshSeed();
  for (const [rows, widths] of [[7, [1, 3, 5]], [13, [6, 5]], [1, [3, 1, 6, 4]]] as const) {
    const total = widths.reduce((a, w) => a + w, 0);
    it(`concat and split over the last axis: rows=${rows} channels ${widths.join('+')} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows);
      const parts = widths.map((w) => randomArray(rows * w, rng));
      const pdst = allocWasm(b, rows * total);
      const ptrs = parts.map((p) => toWasm(b, p));
      let offset = 0;
      widths.forEach((w, k) => {
        b.kernels.concatChannels(ptrs[k], pdst, rows, w, total, offset);
        // Channels of inputs not yet written are untouched (still the NaN fill).
        const now = fromWasm(b, pdst, rows * total);
        let untouched = true;
        for (let r = 0; r < rows; r++) for (let j = offset + w; j < total; j++) untouched &&= Number.isNaN(now[r * total + j]);
        expect(untouched).toBe(true);
        offset += w;
      });
      const want = new Float32Array(rows * total);
      offset = 0;
      widths.forEach((w, k) => {
        for (let r = 0; r < rows; r++) for (let j = 0; j < w; j++) want[r * total + offset + j] = parts[k][r * w + j];
        offset += w;
      });
      expect(fromWasm(b, pdst, rows * total)).toEqual(want);

      // Backward: each input's gradient is its slice of the output gradient, overwritten or added.
      const dy = randomArray(rows * total, rng), pdy = toWasm(b, dy);
      offset = 0;
      widths.forEach((w, k) => {
        const slice = new Float32Array(rows * w);
        for (let r = 0; r < rows; r++) for (let j = 0; j < w; j++) slice[r * w + j] = dy[r * total + offset + j];
        const pdx = allocWasm(b, rows * w);
        b.kernels.splitChannels(pdy, pdx, rows, w, total, offset, 0);
        expect(fromWasm(b, pdx, rows * w)).toEqual(slice);
        const prior = randomArray(rows * w, rng);
        b.arena.f32.set(prior, pdx >>> 2);
        b.kernels.splitChannels(pdy, pdx, rows, w, total, offset, 1);
        expect(maxRelError(fromWasm(b, pdx, rows * w), slice.map((v, i) => v + prior[i]))).toBeLessThan(1e-7);
        b.arena.release(pdx);
        offset += w;
      });
      for (const p of [pdst, pdy, ...ptrs]) b.arena.release(p);
    });
  }
});

/** lowbias32, as in assembly/join.ts. */
function mix32(x: number): number {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d); x ^= x >>> 15; x = Math.imul(x, 0x846ca68b | 0); x ^= x >>> 16;
  return x >>> 0;
}

/** The documented stream: element i draws u = (mix32(mix32(lo) ^ k) >> 8) / 2^24 at counter + i. */
function maskRef(key: number, counter: bigint, count: number, rate: number): Float32Array {
  const keepValue = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
  return Float32Array.from({ length: count }, (_, i) => {
    const index = counter + BigInt(i);
    const lo = Number(index & 0xffffffffn), hi = Number(index >> 32n);
    const k = mix32((key ^ mix32((hi + 0x9e3779b9) >>> 0)) >>> 0);
    const u = (mix32((mix32(lo) ^ k) >>> 0) >>> 8) / 16777216;
    return u >= Math.fround(rate) ? keepValue : 0;
  });
}

/** A 16-byte generator state seeded by the kernel, optionally with its counter moved. */
function seededState(b: Backend, seed: number, counter = 0n): number {
  const state = b.arena.alloc(16);
  b.kernels.dropoutSeedState(state, seed);
  if (counter) { b.arena.i32[(state >>> 2) + 2] = Number(counter & 0xffffffffn) | 0; b.arena.i32[(state >>> 2) + 3] = Number(counter >> 32n) | 0; }
  return state;
}

function counterOf(b: Backend, state: number): bigint {
  return BigInt(b.arena.i32[(state >>> 2) + 2] >>> 0) + (BigInt(b.arena.i32[(state >>> 2) + 3] >>> 0) << 32n);
}

/** Masks for consecutive calls of the given sizes from one state. */
function masks(b: Backend, state: number, sizes: number[], rate: number): Float32Array {
  const out: number[] = [];
  for (const n of sizes) {
    const p = allocWasm(b, n);
    b.kernels.dropoutMask(p, n, rate, state);
    out.push(...fromWasm(b, p, n));
    b.arena.release(p);
  }
  return Float32Array.from(out);
}

describe('dropout', () => {
  const seed = freshSeed();

  it(`mask is the documented counter-based stream, independent of call splits (seed ${seed})`, async () => {
    const b = await backend();
    const rate = 0.3;
    const whole = masks(b, seededState(b, seed), [1003], rate);
    expect(whole).toEqual(maskRef(seed, 0n, 1003, rate));
    const state = seededState(b, seed);
    expect(masks(b, state, [501, 2, 500], rate)).toEqual(whole);
    expect(counterOf(b, state)).toBe(1003n);
    // Crossing the counter's 32-bit boundary inside one call.
    const near = 2n ** 32n - 6n;
    expect(masks(b, seededState(b, seed, near), [13], rate)).toEqual(maskRef(seed, near, 13, rate));
  });

  it(`mask keeps 1 − rate of the elements at 1/(1 − rate), evenly across SIMD lanes (seed ${seed})`, async () => {
    const b = await backend();
    for (const rate of [0.1, 0.5, 0.8]) {
      const n = 40001, m = masks(b, seededState(b, seed), [n], rate);
      const keepValue = Math.fround(1 / Math.fround(1 - Math.fround(rate))); // as f32 arithmetic
      expect(m.every((v) => v === 0 || v === keepValue)).toBe(true);
      const kept = m.filter((v) => v !== 0).length;
      expect(Math.abs(kept - n * (1 - rate))).toBeLessThan(5 * Math.sqrt(n * rate * (1 - rate)));
      for (let lane = 0; lane < 4; lane++) {
        const laneKept = m.filter((v, i) => i % 4 === lane && v !== 0).length, laneN = n / 4;
        expect(Math.abs(laneKept - laneN * (1 - rate))).toBeLessThan(5 * Math.sqrt(laneN * rate * (1 - rate)));
      }
      // Neighbours are independent: P(both kept) ≈ (1 − rate)².
      let both = 0;
      for (let i = 1; i < n; i++) if (m[i] && m[i - 1]) both++;
      expect(Math.abs(both - (n - 1) * (1 - rate) ** 2)).toBeLessThan(6 * Math.sqrt(2 * n * (1 - rate) ** 2)); // overlapping pairs: ≤ 2× binomial variance
    }
    expect(masks(b, seededState(b, seed), [37], 0).every((v) => v === 1)).toBe(true);
  });

  it(`seeds and successive calls give different masks; the same seed repeats (seed ${seed})`, async () => {
    const b = await backend();
    const a = masks(b, seededState(b, seed), [257], 0.5);
    expect(masks(b, seededState(b, seed), [257], 0.5)).toEqual(a);
    expect(masks(b, seededState(b, (seed + 1) >>> 0), [257], 0.5)).not.toEqual(a);
    const state = seededState(b, seed);
    const [first, second] = [masks(b, state, [257], 0.5), masks(b, state, [257], 0.5)];
    expect(second).not.toEqual(first);
  });

  it(`apply multiplies by the mask, accumulates, and may run in place (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed);
    const n = 103, x = randomArray(n, rng), mask = masks(b, seededState(b, seed), [n], 0.4), prior = randomArray(n, rng);
    const px = toWasm(b, x), pm = toWasm(b, mask), py = allocWasm(b, n);
    const want = x.map((v, i) => v * mask[i]);
    b.kernels.dropoutApply(px, pm, py, n, 0);
    expect(fromWasm(b, py, n)).toEqual(want);
    b.arena.f32.set(prior, py >>> 2);
    b.kernels.dropoutApply(px, pm, py, n, 1);
    expect(maxRelError(fromWasm(b, py, n), want.map((v, i) => v + prior[i]))).toBeLessThan(1e-7);
    b.kernels.dropoutApply(px, pm, px, n, 0);
    expect(fromWasm(b, px, n)).toEqual(want);
    for (const p of [px, pm, py]) b.arena.release(p);
  });
});
