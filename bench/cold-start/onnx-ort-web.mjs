// Cold start of ONNX Runtime Web (wasm EP, one thread, SIMD) on the same ONNX bytes as
// onnx-simdnn.mjs: import, create a session, one prediction. Same usage and output.
import { readFileSync } from 'node:fs';

const marks = { main: performance.now() };
const [dir, shapeJson] = process.argv.slice(2);
const ort = await import('onnxruntime-web');
marks.imported = performance.now();
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
const bytes = new Uint8Array(readFileSync(`${dir}/model.onnx`));
const input = new Float32Array(new Uint8Array(readFileSync(`${dir}/input.bin`)).buffer);
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
marks.loaded = performance.now();
const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, JSON.parse(shapeJson)) });
const output = result[session.outputNames[0]].data;
marks.predicted = performance.now();
process.stdout.write(`${JSON.stringify({ output: Array.from(output.slice(0, 10)), marks })}\n`);
