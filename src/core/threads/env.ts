/**
 * What the host offers for threads: shared memory, a way to start workers, whether this thread
 * may block in Atomics.wait, and how many cores. Detected once; tests inject their own to see
 * each fallback (see {@link setThreadEnvironment}).
 */

/** How workers are started: node:worker_threads (Node, Deno), the Web Worker API (browsers, Bun), or not at all. */
export type WorkerKind = 'node' | 'web' | null;

/** The host's thread facilities, as {@link threadEnvironment} reports them. */
export interface ThreadEnvironment {
  /** SharedArrayBuffer exists and may be used (in a browser: the page is crossOriginIsolated). */
  sharedMemory: boolean;
  /** In a browser, whether the page is crossOriginIsolated (undefined outside browsers). */
  crossOriginIsolated?: boolean;
  worker: WorkerKind;
  /** Atomics.wait is allowed on this thread (not on a browser's main thread). */
  canWait: boolean;
  /** Logical cores, for `threads: 'auto'`. */
  cores: number;
}

let injected: ThreadEnvironment | null = null;

/** For tests: pretend the host is `env` (null: detect again). Takes effect at the next `ready`. */
export function setThreadEnvironment(env: ThreadEnvironment | null): void {
  injected = env;
}

interface HostGlobals {
  SharedArrayBuffer?: unknown;
  Worker?: unknown;
  crossOriginIsolated?: boolean;
  document?: unknown;
  navigator?: { hardwareConcurrency?: number };
  process?: { versions?: { node?: string; bun?: string } };
}

/** The injected environment, or the host's. */
export async function threadEnvironment(): Promise<ThreadEnvironment> {
  if (injected) return injected;
  const g = globalThis as HostGlobals;
  // Node, and Deno through its node:worker_threads (whose workers can be unref'd; its Web Workers cannot).
  const node = typeof g.process?.versions?.node === 'string' && g.process?.versions?.bun === undefined;
  const browser = g.document !== undefined;
  const isolated = browser ? g.crossOriginIsolated === true : undefined;
  return {
    sharedMemory: typeof g.SharedArrayBuffer === 'function' && isolated !== false,
    crossOriginIsolated: isolated,
    worker: node ? 'node' : typeof g.Worker === 'function' ? 'web' : null,
    // A page's main thread has a document; workers and server runtimes may block.
    canWait: !browser,
    cores: g.navigator?.hardwareConcurrency ?? (node ? await nodeCores() : 1),
  };
}

/** Node 20 has no navigator: ask node:os (a computed specifier, so bundlers for other hosts leave it alone). */
async function nodeCores(): Promise<number> {
  const specifier = 'node:os';
  const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus: () => unknown[] };
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** Why threads cannot run here, in one line, or undefined when they can. */
export function whyNoThreads(env: ThreadEnvironment): string | undefined {
  if (!env.sharedMemory) {
    return env.crossOriginIsolated === false
      ? 'no SharedArrayBuffer: the page is not crossOriginIsolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : 'no SharedArrayBuffer in this runtime';
  }
  if (env.worker === null) return 'no Worker in this runtime (e.g. workerd)';
  if (!env.canWait) return "a browser's main thread cannot Atomics.wait: call ready({ threads }) inside a Web Worker to use threads";
  return undefined;
}
