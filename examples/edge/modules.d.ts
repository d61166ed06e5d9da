// What esbuild and workerd hand the edge worker for its non-JS imports (see build.ts).
/** The simdnn kernels ('simdnn/simdnn.wasm') as a compiled module: what workerd makes of a `wasm` module of its config. */
declare module '*/simdnn.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
/** The saved weights, embedded by esbuild's `binary` loader. */
declare module '*/model/weights.bin' {
  const bytes: Uint8Array;
  export default bytes;
}
/** The saved model.json, embedded (parsed) by esbuild's `json` loader. */
declare module '*/model/model.json' {
  const modelJSON: unknown;
  export default modelJSON;
}
/** An ONNX model shipped as a workerd `data` module (build.ts): its bytes. */
declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
