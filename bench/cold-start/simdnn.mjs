// Cold start of simdnn: a fresh process imports the built package (simdnn/core, no MNIST
// digits), loads a saved model from its files as in-memory artifacts and predicts one digit.
// Usage: node simdnn.mjs DIR MODEL [SPECIFIER], where DIR/MODEL.json holds { modelTopology, weightSpecs },
// DIR/MODEL.bin the weights and DIR/input.bin one float32 sample; SPECIFIER replaces
// 'simdnn/core' (the bench passes a bundled copy of dist/core.js). Prints one JSON line:
// the output and performance.now() marks (ms since process start).
import { readFileSync } from 'node:fs';

const marks = { main: performance.now() };
const [dir, name, specifier = 'simdnn/core'] = process.argv.slice(2);
const nn = await import(specifier);
marks.imported = performance.now();
await nn.ready();
marks.ready = performance.now();
const { modelTopology, weightSpecs } = JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8'));
const weightData = new Uint8Array(readFileSync(`${dir}/${name}.bin`)).buffer;
const input = new Float32Array(new Uint8Array(readFileSync(`${dir}/input.bin`)).buffer);
const model = await nn.loadModel({ modelTopology, weightSpecs, weightData });
marks.loaded = performance.now();
const output = model.predict(new nn.Tensor(input, [1, input.length])).data;
marks.predicted = performance.now();
process.stdout.write(`${JSON.stringify({ output: Array.from(output), marks })}\n`);
