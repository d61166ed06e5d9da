/**
 * The simdnn kernels, instantiated once per isolate for every route. Workers refuse to compile
 * WebAssembly from bytes at run time ("Wasm code generation disallowed by embedder"), so they come
 * in as `simdnn/simdnn.wasm`, a compiled `wasm` module of the worker (build.ts puts the file beside
 * the bundle), instead of the base64 copy inside the library's JS.
 */
import * as nn from 'simdnn/core';
import kernels from 'simdnn/simdnn.wasm';

/** Resolves once the kernels are ready; call it before any simdnn call (loadOnnx's own `ready()` then reuses them). */
export function kernelsReady(): Promise<void> {
  return nn.ready({ wasm: kernels });
}
