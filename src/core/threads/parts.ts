/**
 * Runs one kernel call as `parts` parts: parts 1.. on the pool's workers, part 0 on the caller,
 * then joins. `fill` writes a part's arguments (a module-level function, so a call allocates
 * nothing). Every kernel split this way computes each output element the same way in every
 * part, so results do not depend on `parts`.
 */
import type { Backend } from '../wasm.js';
import { MAX_ARGS } from './slots.js';

/** Writes the arguments of part `part` of `parts` into `args`. */
export type FillArgs<T> = (args: Float64Array, part: number, parts: number, context: T, backend: Backend) => void;

type AnyKernel = (...args: number[]) => void;

const callerArgs = new Float64Array(MAX_ARGS);

/** Runs kernel `name` in `parts` parts (1: on the caller only); a trap in a worker throws naming `name`. */
export function runParts<T>(b: Backend, name: string, parts: number, fill: FillArgs<T>, context: T): void {
  const pool = b.pool;
  const kernel = (b.kernels as unknown as Record<string, AnyKernel>)[name];
  if (pool !== null && parts > 1) {
    const index = pool.kernelIndex(name);
    for (let w = 1; w < parts; w++) {
      fill(pool.args[w], w, parts, context, b);
      pool.post(w, index, name);
    }
  }
  fill(callerArgs, 0, parts, context, b);
  const a = callerArgs;
  try {
    kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
      a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23]);
  } finally {
    if (pool !== null && parts > 1) pool.join(parts);
  }
}

/**
 * Multiply-adds (or copied floats) a part must have before splitting pays, measured with square
 * GEMMs on this 2-core VM (Node 20, best of 5). Quiet, 2 threads took 80³ (512k MACs) from 33 µs
 * to 18; with another process holding a core they lost even at 128³ (2.1M MACs: 410 µs vs 110),
 * and the example CNN's epoch lost whatever the cutoff. A part gets at least 1M MACs (about
 * 25 µs of work), so splitting starts near 128³ and small layers never wait for a busy core;
 * one-row GEMMs (batch-1 inference) never split.
 */
export const MIN_WORK_PER_PART = 1 << 20;

let minWork = MIN_WORK_PER_PART;

/** For tests: split even tiny problems (`work` per part), so awkward sizes are exercised; no argument restores the default. */
export function setMinWorkPerPart(work = MIN_WORK_PER_PART): void {
  minWork = work;
}

/** Parts for `work` over at most `units` independent blocks on backend `b`. */
export function partsFor(b: Backend, work: number, units: number): number {
  const pool = b.pool;
  if (pool === null || work < 2 * minWork) return 1;
  return Math.max(1, Math.min(pool.size, units, Math.floor(work / minWork)));
}
