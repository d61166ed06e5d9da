/**
 * Instantiates the wasm kernels once and hands them, with the arena, to the rest of the library.
 * The bytes are embedded (base64) so every runtime loads them without a bundler or file access;
 * the threaded and relaxed builds are imported lazily, only when asked for.
 */
import { checkOptions } from './checks.js';
import { Arena, WASM32_LIMIT_BYTES } from './memory.js';
import type { Kernels } from './generated/kernels.js';
import { wasmBase64 } from './generated/wasm-base64.js';
import { threadEnvironment, whyNoThreads } from './threads/env.js';
import type { Pool } from './threads/pool.js';
import { resizePool, stopPool } from './threads/lifecycle.js';

export type { Kernels };

/** SIMD variant of the kernels: 'relaxed' lets the engine fuse multiply-add (faster, engine-dependent bits). */
export type SimdVariant = 'plain' | 'relaxed';

/** Options for {@link ready}. */
export interface ReadyOptions {
  /** The wasm module to use instead of the embedded one: its bytes, a URL to fetch, or a compiled Module. */
  wasm?: BufferSource | URL | WebAssembly.Module;
  /**
   * Threads for large GEMMs and convolutions (the caller included): a count, or 'auto' for every
   * core. Default 1. Results are bit-identical for every count. Where threads cannot run, one
   * thread runs and {@link backend} says why. A later call resizes the pool of the threaded build.
   */
  threads?: number | 'auto';
  /** 'plain' (default: bit-identical across engines) or 'relaxed' (fused multiply-add where the engine has it). */
  simd?: SimdVariant;
}

const READY_OPTIONS = ['wasm', 'threads', 'simd'] as const;

/** What runs, as {@link backend} reports it. */
export interface BackendInfo {
  /** Threads that share large kernels, the caller included. */
  threads: number;
  simd: SimdVariant;
  /** Why fewer threads or a plainer SIMD than asked run, in one line; absent when all was granted. */
  why?: string;
}

/** What the library runs on once {@link ready} has resolved. */
export interface Backend {
  kernels: Kernels;
  arena: Arena;
  /** The caller's GEMM packing scratch: kernels run one at a time on each thread, so one each suffices. */
  gemmScratch: number;
  module: WebAssembly.Module;
  /** Whether the module imports shared memory (the threaded build), so workers can join it. */
  shared: boolean;
  /** The worker pool, or null when one thread runs. */
  pool: Pool | null;
  /** Packing scratch of each pool thread, index 0 being {@link gemmScratch}. */
  threadScratch: number[];
  /** One i32 per pool thread where a split kernel's parts leave their results (0 without a pool). */
  partResults: number;
  info: BackendInfo;
}

let current: Backend | null = null;
let loading: Promise<Backend> | null = null;

/**
 * Instantiates the WebAssembly core. Idempotent: later calls return the same promise, except
 * that `threads` resizes the pool of the threaded build. Must resolve before any op, layer or
 * model is used. Never fails because threads or relaxed SIMD are unavailable: see {@link backend}.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  try {
    checkReadyOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (loading === null) {
    loading = instantiate(options).then((backend) => (current = backend));
  } else if (options.threads !== undefined || options.simd !== undefined) {
    loading = loading.then((backend) => reconfigure(backend, options));
  }
  return loading.then(() => undefined);
}

/** Threads and SIMD variant in use, and why not more (e.g. no SharedArrayBuffer, no Worker, relaxed SIMD unsupported). */
export function backend(): BackendInfo {
  const { threads, simd, why } = getBackend().info;
  return why === undefined ? { threads, simd } : { threads, simd, why };
}

/** Stops the worker pool (kernels then run on the calling thread); `ready({ threads })` starts it again. */
export async function shutdown(): Promise<void> {
  if (loading === null) return;
  const b = await loading;
  await stopPool(b);
  b.info = { threads: 1, simd: b.info.simd, why: b.shared ? 'the pool was stopped by shutdown()' : b.info.why };
}

/** The instantiated core; throws a clear error when {@link ready} has not resolved yet. */
export function getBackend(): Backend {
  if (current === null) throw new Error('simdnn is not ready: call `await nn.ready()` before using ops, layers or models');
  return current;
}

function checkReadyOptions(options: ReadyOptions): void {
  checkOptions(options, 'ready', READY_OPTIONS);
  const t = options.threads;
  if (t !== undefined && t !== 'auto' && (typeof t !== 'number' || !Number.isInteger(t) || t < 1)) {
    throw new RangeError(`ready: threads must be a positive integer or 'auto', got ${String(t)}`);
  }
  if (options.simd !== undefined && options.simd !== 'plain' && options.simd !== 'relaxed') {
    throw new RangeError(`ready: simd must be 'plain' or 'relaxed', got ${String(options.simd)}`);
  }
}

async function instantiate(options: ReadyOptions): Promise<Backend> {
  const env = await threadEnvironment();
  const wanted = options.threads === 'auto' ? env.cores : options.threads ?? 1;
  const noThreads = askedForThreads(options, wanted) ? whyNoThreads(env) : undefined;
  const reasons: string[] = [];
  if (noThreads) reasons.push(noThreads);
  let simd: SimdVariant = options.simd ?? 'plain';
  let module: WebAssembly.Module;
  if (options.wasm !== undefined) {
    module = await compile(options.wasm);
  } else {
    const bytes = await builtBytes(simd, wanted > 1 && !noThreads);
    if (simd === 'relaxed' && !WebAssembly.validate(bytes)) {
      reasons.push("relaxed SIMD is not supported by this engine (Node 20 needs --experimental-wasm-relaxed-simd): 'plain' runs");
      simd = 'plain';
      module = await WebAssembly.compile(await builtBytes(simd, wanted > 1 && !noThreads));
    } else {
      module = await WebAssembly.compile(bytes);
    }
  }
  const shared = WebAssembly.Module.imports(module).some((entry) => entry.kind === 'memory');
  const memory = shared ? new WebAssembly.Memory({ initial: 32, maximum: WASM32_LIMIT_BYTES / 65536, shared: true }) : undefined;
  const instance = await WebAssembly.instantiate(module, { env: memory ? { abort: onAbort, memory } : { abort: onAbort } });
  const kernels = instance.exports as unknown as Kernels;
  const arena = new Arena(kernels.memory, kernels.heapBase());
  const gemmScratch = arena.alloc(kernels.gemmScratchBytes(), 'scratch', 'GEMM packing scratch');
  const b: Backend = {
    kernels, arena, gemmScratch, module, shared, pool: null, threadScratch: [gemmScratch], partResults: 0,
    info: { threads: 1, simd, why: reasons.join('; ') || undefined },
  };
  if (wanted > 1 && !noThreads) {
    if (!shared) b.info.why = 'the module passed as `wasm` is a single-thread build (it does not import shared memory)';
    else await resizePool(b, wanted, env.cores, env.worker!, reasons);
  }
  return b;
}

/** More than one thread, or 'auto' (every core: a host without threads says why even if it reports one core). */
function askedForThreads(options: ReadyOptions, wanted: number): boolean {
  return wanted > 1 || options.threads === 'auto';
}

/** A later ready({ threads, simd }): resizes the pool of the threaded build; says why when it cannot. */
async function reconfigure(b: Backend, options: ReadyOptions): Promise<Backend> {
  const reasons: string[] = [];
  if (options.simd !== undefined && options.simd !== b.info.simd) {
    reasons.push(`simd '${options.simd}' was asked after the first ready() loaded '${b.info.simd}'; the build cannot change once loaded`);
  }
  if (options.threads !== undefined) {
    const env = await threadEnvironment();
    const wanted = options.threads === 'auto' ? env.cores : options.threads;
    const noThreads = askedForThreads(options, wanted) ? whyNoThreads(env) : undefined;
    await stopPool(b);
    b.info = { threads: 1, simd: b.info.simd };
    if (noThreads) reasons.push(noThreads);
    else if (wanted > 1 && !b.shared) reasons.push('threads need the threaded build: pass threads to the first ready() call');
    else if (wanted > 1) await resizePool(b, wanted, env.cores, env.worker!, reasons);
  }
  if (reasons.length) b.info.why = reasons.join('; ');
  return b;
}

/** The embedded bytes of one build (the optional ones are separate chunks, imported on demand). */
async function builtBytes(simd: SimdVariant, threaded: boolean): Promise<Uint8Array<ArrayBuffer>> {
  if (simd === 'plain' && !threaded) return decodeBase64(wasmBase64);
  if (simd === 'plain') return decodeBase64((await import('./generated/wasm-threads-base64.js')).wasmThreadsBase64);
  if (!threaded) return decodeBase64((await import('./generated/wasm-relaxed-base64.js')).wasmRelaxedBase64);
  return decodeBase64((await import('./generated/wasm-relaxed-threads-base64.js')).wasmRelaxedThreadsBase64);
}

async function compile(source: NonNullable<ReadyOptions['wasm']>): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`ready: fetching ${source} failed with HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
  return WebAssembly.compile(source);
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function onAbort(_message: number, _file: number, line: number, column: number): never {
  throw new Error(`simdnn kernel aborted at line ${line}:${column}`);
}
