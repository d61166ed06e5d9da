// Cold start of an imported ONNX model in simdnn: a fresh process imports the built package
// (simdnn/core and simdnn/onnx), imports the model from its bytes and predicts once.
// Usage: node onnx-simdnn.mjs DIR SHAPE (DIR/model.onnx, DIR/input.bin; SHAPE as JSON, NCHW).
// Prints one JSON line: the output and performance.now() marks (ms since process start).
import { readFileSync } from 'node:fs';

const marks = { main: performance.now() };
const [dir, shapeJson] = process.argv.slice(2);
const nn = await import('simdnn/core');
const { loadOnnx } = await import('simdnn/onnx');
marks.imported = performance.now();
const bytes = new Uint8Array(readFileSync(`${dir}/model.onnx`));
const input = new Float32Array(new Uint8Array(readFileSync(`${dir}/input.bin`)).buffer);
const model = await loadOnnx(bytes);
marks.loaded = performance.now();
const output = model.predict(new nn.Tensor(input, JSON.parse(shapeJson))).data;
marks.predicted = performance.now();
process.stdout.write(`${JSON.stringify({ output: Array.from(output.slice(0, 10)), marks })}\n`);
