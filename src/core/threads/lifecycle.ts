/**
 * Starting and stopping a backend's pool: the workers and each one's GEMM packing scratch.
 * Failing to start is not an error: one thread runs and the reason is recorded.
 */
import type { Backend } from '../wasm.js';
import type { WorkerKind } from './env.js';
import { Pool } from './pool.js';

/**
 * Starts a pool of `threads` (caller included) on the backend's threaded module; on failure
 * records why. With more threads than `cores`, nobody polls: a polling thread would hold a core
 * another thread needs.
 */
export async function resizePool(b: Backend, threads: number, cores: number, kind: Exclude<WorkerKind, null>, reasons: string[]): Promise<void> {
  await stopPool(b);
  const names = Object.keys(WebAssembly.Module.exports(b.module).reduce<Record<string, true>>((all, e) => {
    if (e.kind === 'function') all[e.name] = true;
    return all;
  }, {}));
  // Scratch first: a pool must never run without it (an allocation that fails leaves no pool).
  const scratch: number[] = [];
  let partResults = 0;
  try {
    for (let w = 1; w < threads; w++) scratch.push(b.arena.alloc(b.kernels.gemmScratchBytes(), 'scratch', `GEMM packing scratch of thread ${w}`));
    partResults = b.arena.alloc(4 * threads, 'scratch', 'results of split kernels, one i32 per thread');
    b.pool = await Pool.start(threads, kind, b.module, b.kernels.memory, names);
  } catch (error) {
    for (const ptr of scratch) b.arena.release(ptr);
    if (partResults !== 0) b.arena.release(partResults);
    reasons.push(error instanceof Error ? error.message : String(error));
    b.info = { threads: 1, simd: b.info.simd, why: reasons.join('; ') };
    return;
  }
  if (threads > cores) b.pool.setSpin(0, 0);
  b.threadScratch.push(...scratch);
  b.partResults = partResults;
  b.info = { threads, simd: b.info.simd, why: reasons.join('; ') || undefined };
}

/** Stops the backend's pool, if any, and frees the workers' scratch. */
export async function stopPool(b: Backend): Promise<void> {
  const pool = b.pool;
  if (pool === null) return;
  b.pool = null;
  for (const ptr of b.threadScratch.splice(1)) b.arena.release(ptr);
  if (b.partResults !== 0) b.arena.release(b.partResults);
  b.partResults = 0;
  b.info = { threads: 1, simd: b.info.simd };
  await pool.stop();
}
