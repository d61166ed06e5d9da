/**
 * Node, before the matrix: trains the 784-128-10 MNIST MLP briefly with fixed seeds, saves it
 * with `model.save('file://…')` (simdnn/node), and writes the test digits and the trained
 * model's own predictions (before saving) for every runtime to match.
 *
 *   node reference.mjs <fixtures dir>
 * Writes <dir>/mnist-mlp/{model.json,weights.bin}, <dir>/inputs.bin (float32, N x 784),
 * <dir>/expected.json; prints one line of JSON.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as nn from 'simdnn';
import 'simdnn/node'; // registers file://
import { fingerprint, hexOf } from './workload.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node reference.mjs <fixtures dir>');

const t0 = performance.now();
await nn.ready();
nn.setSeed(42);
const { train, test } = nn.data.mnist({ trainSize: 2000, testSize: 64, seed: 5 });
const model = nn.sequential({ layers: [
  nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
  nn.layers.dense({ units: 10, activation: 'softmax' }),
] });
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(train.x, train.y, { epochs: 2, batchSize: 64, seed: 7, verbose: 0 });
const { accuracy } = model.evaluate(test.x, test.y);
await model.save(`file://${join(dir, 'mnist-mlp')}`);
const p = model.predict(test.x);
model.dispose();

await writeFile(join(dir, 'inputs.bin'), new Uint8Array(test.x.data.buffer, test.x.data.byteOffset, test.x.data.byteLength));
const expected = { shape: p.shape, hex: hexOf(p.data), fingerprint: fingerprint(hexOf(p.data)), labels: Array.from(test.labels), accuracy };
await writeFile(join(dir, 'expected.json'), JSON.stringify(expected));
console.log(JSON.stringify({ accuracy, rows: p.shape[0], ms: Math.round(performance.now() - t0) }));
