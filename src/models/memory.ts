/**
 * What the library holds in wasm memory: `nn.memory()`, the count of live models, and a
 * one-time warning when models dropped without `dispose()` may be filling memory, since the
 * garbage collector (watching the small JS heap, not wasm memory) rarely reclaims them in time.
 */
import { formatBytes, type MemoryKind } from '../core/memory.js';
import { getBackend } from '../core/wasm.js';

/** What {@link memory} reports. */
export interface MemoryInfo {
  /** Models created and neither disposed nor garbage-collected. */
  models: number;
  /**
   * Bytes in use by kind: weights (`params`) and their gradients (`grads`), optimizer `slots`,
   * per-batch `activations` (and their gradients and labels), layer and kernel `scratch`, the
   * data `fit` copied into wasm memory (`staged`), and `other` (e.g. `nn.ops` temporaries).
   */
  bytes: Record<MemoryKind, number>;
  /** Size of wasm linear memory now, in bytes (it only grows). */
  arenaBytes: number;
  /** The largest size wasm memory may grow to, in bytes (4 GiB for 32-bit wasm). */
  limitBytes: number;
}

/** Kinds a model keeps for its lifetime (what `dispose()` returns). */
const MODEL_KINDS: readonly MemoryKind[] = ['params', 'grads', 'slots', 'activations', 'scratch'];

let liveModels = 0;
let warned = false;

/** Live models, bytes by kind and the size of wasm memory (see {@link MemoryInfo}). */
export function memory(): MemoryInfo {
  const { arena } = getBackend();
  return { models: liveModels, bytes: arena.bytesByKind(), arenaBytes: arena.byteLength, limitBytes: arena.limitBytes };
}

/** Counts a new model. */
export function modelCreated(): void {
  liveModels++;
}

/** Counts a model disposed or garbage-collected. */
export function modelReleased(): void {
  liveModels--;
}

/**
 * Warns once (console.warn) when several live models hold more than half of the wasm memory
 * limit: models made in a loop and dropped without `dispose()` wait for a garbage collection.
 */
export function warnIfModelsFillMemory(): void {
  if (warned || liveModels < 2) return;
  const { arena } = getBackend();
  const bytes = arena.bytesByKind();
  let held = 0;
  for (const kind of MODEL_KINDS) held += bytes[kind];
  if (held <= arena.limitBytes / 2) return;
  warned = true;
  console.warn(`simdnn: ${liveModels} live models hold ${formatBytes(held)} of wasm memory, more than half of its ` +
    `${formatBytes(arena.limitBytes)} limit. A model dropped without model.dispose() keeps its memory until the ` +
    'garbage collector runs, which may be too late: call model.dispose() on each model you no longer need ' +
    '(e.g. every model made in a loop). This warning is shown once.');
}
