/**
 * Counting NaN and ±Infinity in a batch just copied into wasm memory. With a pool, the count is
 * split across its threads on a fixed grid: each thread then holds in its cache the rows the
 * batch's first GEMM hands it next, and an integer sum does not depend on the split.
 */
import { runParts } from '../threads/parts.js';
import { getBackend } from '../wasm.js';

/** Floats a batch needs before its count is split (measured: a 256 x 784 batch gains, a 32 x 784 one does not). */
export const MIN_FLOATS_TO_SPLIT = 1 << 16;

let minFloats = MIN_FLOATS_TO_SPLIT;

/** For tests: split from `floats` on; no argument restores the default. */
export function setMinFloatsToSplit(floats = MIN_FLOATS_TO_SPLIT): void {
  minFloats = floats;
}

const job = { ptr: 0, n: 0, counts: 0 };

/** How many of the `n` floats at byte offset `ptr` are NaN or ±Infinity. */
export function countNonFinite(ptr: number, n: number): number {
  const b = getBackend();
  const parts = b.pool === null || n < minFloats ? 1 : b.pool.size;
  if (parts === 1) return b.kernels.countNonFinite(ptr, n);
  job.ptr = ptr;
  job.n = n;
  job.counts = b.partResults;
  runParts(b, 'countNonFinitePart', parts, fillCount, job);
  let total = 0;
  for (let p = 0; p < parts; p++) total += b.arena.i32[(job.counts >>> 2) + p];
  return total;
}

function fillCount(a: Float64Array, part: number, parts: number, j: typeof job): void {
  a[0] = j.ptr; a[1] = j.n; a[2] = j.counts; a[3] = part; a[4] = parts;
}
