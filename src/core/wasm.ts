/**
 * Instantiates the wasm kernels once and hands them, with the arena, to the rest of the library.
 * The bytes are embedded (base64) so every runtime loads them without a bundler or file access.
 */
import { Arena } from './memory.js';
import type { Kernels } from './generated/kernels.js';
import { wasmBase64 } from './generated/wasm-base64.js';

export type { Kernels };

/** Options for {@link ready}. */
export interface ReadyOptions {
  /** The wasm module to use instead of the embedded one: its bytes, a URL to fetch, or a compiled Module. */
  wasm?: BufferSource | URL | WebAssembly.Module;
  /** Worker threads for large GEMMs; reserved: this version always runs on one thread. */
  threads?: number;
}

/** What the library runs on once {@link ready} has resolved. */
export interface Backend {
  kernels: Kernels;
  arena: Arena;
  /** The GEMM's packing scratch, reserved once: kernels run one at a time, so one suffices. */
  gemmScratch: number;
}

let current: Backend | null = null;
let loading: Promise<Backend> | null = null;

/**
 * Instantiates the WebAssembly core. Idempotent: later calls return the same promise.
 * Must resolve before any op, layer or model is used.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    return Promise.reject(new RangeError(`ready: threads must be a positive integer, got ${options.threads}`));
  }
  loading ??= instantiate(options.wasm).then((backend) => (current = backend));
  return loading.then(() => undefined);
}

/** The instantiated core; throws a clear error when {@link ready} has not resolved yet. */
export function getBackend(): Backend {
  if (current === null) throw new Error('simdnn is not ready: call `await nn.ready()` before using ops, layers or models');
  return current;
}

async function instantiate(source: ReadyOptions['wasm']): Promise<Backend> {
  const module = await compile(source);
  const instance = await WebAssembly.instantiate(module, { env: { abort: onAbort } });
  const kernels = instance.exports as unknown as Kernels;
  const arena = new Arena(kernels.memory, kernels.heapBase());
  return { kernels, arena, gemmScratch: arena.alloc(kernels.gemmScratchBytes(), 'scratch', 'GEMM packing scratch') };
}

async function compile(source: ReadyOptions['wasm']): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`ready: fetching ${source} failed with HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
  return WebAssembly.compile(source ?? decodeBase64(wasmBase64));
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
