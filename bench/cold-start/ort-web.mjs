// Cold start of ONNX Runtime Web (wasm backend, one thread, SIMD): import, create a session from
// the .onnx bytes saveOnnx (simdnn/onnx) wrote for the same weights, one prediction.
// Usage: node ort-web.mjs DIR MODEL (DIR/MODEL.onnx, DIR/input.bin); output as simdnn.mjs.
import { readFileSync } from 'node:fs';

const marks = { main: performance.now() };
const [dir, name] = process.argv.slice(2);
const ort = await import('onnxruntime-web');
marks.imported = performance.now();
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
const input = new Float32Array(new Uint8Array(readFileSync(`${dir}/input.bin`)).buffer);
const session = await ort.InferenceSession.create(readFileSync(`${dir}/${name}.onnx`), { executionProviders: ['wasm'] });
marks.loaded = performance.now();
const result = await session.run({ input: new ort.Tensor('float32', input, [1, input.length]) });
const output = result.output.data;
marks.predicted = performance.now();
process.stdout.write(`${JSON.stringify({ output: Array.from(output), marks })}\n`);
