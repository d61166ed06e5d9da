// Cold start of TensorFlow.js on its wasm backend (one thread, SIMD binary): the lean imports a
// Layers user needs (tfjs-core, tfjs-layers, tfjs-backend-wasm, not the whole @tensorflow/tfjs
// bundle with webgl/converter/data), the same saved model from memory, one prediction.
// Usage and output as simdnn.mjs.
import { readFileSync } from 'node:fs';

const marks = { main: performance.now() };
const [dir, name] = process.argv.slice(2);
const [tf, layers, wasm] = await Promise.all([
  import('@tensorflow/tfjs-core'), import('@tensorflow/tfjs-layers'), import('@tensorflow/tfjs-backend-wasm'),
]);
marks.imported = performance.now();
wasm.setThreadsCount(1);
await tf.setBackend('wasm');
marks.ready = performance.now();
const { modelTopology, weightSpecs } = JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8'));
const weightData = new Uint8Array(readFileSync(`${dir}/${name}.bin`)).buffer;
const input = new Float32Array(new Uint8Array(readFileSync(`${dir}/input.bin`)).buffer);
const model = await layers.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
marks.loaded = performance.now();
const x = tf.tensor2d(input, [1, input.length]);
const output = model.predict(x).dataSync();
marks.predicted = performance.now();
process.stdout.write(`${JSON.stringify({ output: Array.from(output), marks })}\n`);
