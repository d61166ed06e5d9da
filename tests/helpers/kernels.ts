// Test helpers for calling kernels directly: copy arrays into the arena, run, copy back.
import { inject } from 'vitest';
import { ready, getBackend, type Backend } from '../../src/core/wasm.js';

/** Instantiates the core and returns kernels + arena. */
export async function backend(): Promise<Backend> {
  await ready();
  return getBackend();
}

/** Deterministic generator for test data (mulberry32); fresh seed per test via `seedFromTime`. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

declare module 'vitest' {
  /** Set by scripts/seed-sweep.mjs for each swept seed. */
  export interface ProvidedContext { testSeed: number }
}

/**
 * A seed that differs on each run, shown in test names; TEST_SEED=<n> replays a failing run, and
 * the seed sweep (`npm run test:sweep -- <count>`) provides one per pass.
 */
export function freshSeed(): number {
  const fixed = typeof process !== 'undefined' ? process.env?.TEST_SEED : undefined;
  if (fixed) return Number(fixed) >>> 0;
  const swept = inject('testSeed') as number | undefined;
  if (swept !== undefined) return swept >>> 0;
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}

/** n uniform values in [lo, hi). */
export function randomArray(n: number, rng: () => number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** Copies values into a fresh arena block and returns its byte offset. */
export function toWasm(b: Backend, values: Float32Array | Int32Array | number[]): number {
  const ptr = b.arena.alloc(Math.max(values.length, 1) * 4);
  if (values instanceof Int32Array) b.arena.i32.set(values, ptr >>> 2);
  else b.arena.f32.set(values, ptr >>> 2);
  return ptr;
}

/** Reserves n float32 values filled with `fill` (NaN by default, so unwritten outputs show). */
export function allocWasm(b: Backend, n: number, fill = Number.NaN): number {
  const ptr = b.arena.alloc(Math.max(n, 1) * 4);
  b.arena.f32.fill(fill, ptr >>> 2, (ptr >>> 2) + n);
  return ptr;
}

/** A copy of n float32 values at ptr. */
export function fromWasm(b: Backend, ptr: number, n: number): Float32Array {
  return b.arena.f32.slice(ptr >>> 2, (ptr >>> 2) + n);
}

/**
 * Largest |actual - expected| / max(|expected|, floor) over all elements; the floor keeps
 * values near zero from dominating with meaningless relative errors.
 */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

/** The awkward sizes every kernel is tested at: none a multiple of the SIMD width but 128-ish mixes. */
export const AWKWARD_SIZES = [1, 3, 5, 7, 17, 33, 127];
