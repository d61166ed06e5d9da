/**
 * Transfer learning across frameworks: a CNN trained by PyTorch on digits 0-4 and exported with
 * torch.onnx.export (examples/models/mnist04-cnn.onnx, made by scripts/fixtures/onnx/train_mnist04.py)
 * is imported with loadOnnx; its convolutional base, frozen, gets a new head for digits 5-9 and trained on a few labelled
 * samples; a CNN of the same shape trained from scratch on the same samples is the baseline. The
 * fine-tuned model is saved in the TF.js format and loaded back.
 *   npx tsx examples/onnx-transfer.ts [--target-size 300] [--epochs 6] [--seed 1]
 */
import * as nn from 'simdnn';
import 'simdnn/node'; // registers file:// for model.save and nn.loadModel
import { loadOnnx } from 'simdnn/onnx';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { digitsWhere, snapshot, type Digits } from './digit-subsets.js';
import { digitCnn } from './transfer-learning.js';

const here = dirname(fileURLToPath(import.meta.url));
export const MODEL_FILE = join(here, 'models', 'mnist04-cnn.onnx');
/** What the PyTorch training recorded (its test accuracy on digits 0-4 among it). */
export const MODEL_RECORD = JSON.parse(readFileSync(join(here, 'models', 'mnist04-cnn.json'), 'utf8')) as { testAccuracy: number; testCorrect: number; testSamples: number };

/** The imported network's convolutional base ends at its flatten (PyTorch's `x.flatten(1)`), as the import names it. */
export const FEATURES = 'Flatten';

export interface OnnxTransferOptions {
  /** Labelled digits 5-9 to train on; default 300. */
  targetSize?: number;
  /** Epochs of the new head (and of the baseline); default 6. */
  epochs?: number;
  seed?: number;
  /** Where the fine-tuned model is saved; default examples-output/onnx-transfer. */
  saveDir?: string;
}

export interface OnnxTransferResult {
  /** The imported model's accuracy on the test digits 0-4, and its count of correct answers. */
  importedAccuracy: number;
  importedCorrect: number;
  /** Test accuracy on digits 5-9: the frozen import with a new head, and the same CNN from scratch. */
  transferAccuracy: number;
  scratchAccuracy: number;
  /** Mean seconds per epoch of the head's training. */
  epochSeconds: number;
  /** The frozen layers' weights are unchanged by training. */
  frozenUnchanged: boolean;
  /** The saved and reloaded model predicts the same bits. */
  reloadedSame: boolean;
}

/** MNIST digits as the ONNX graph takes them: NCHW [N, 1, 28, 28] (the same bytes as [N, 784]). */
function images(d: Digits): nn.Tensor {
  return d.x.reshape([d.x.shape[0], 1, 28, 28]);
}

function accuracy(model: nn.LayersModel, x: nn.Tensor, labels: Uint8Array, offset: number): { accuracy: number; correct: number } {
  const predicted = (model.predict(x) as nn.Tensor).argMax(-1).data;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] + offset === labels[i]) correct++;
  return { accuracy: correct / labels.length, correct };
}

export async function onnxTransfer(options: OnnxTransferOptions = {}): Promise<OnnxTransferResult> {
  const { targetSize = 300, epochs = 6, seed = 1, saveDir = join(here, '..', 'examples-output', 'onnx-transfer') } = options;
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist();
  const imported = await loadOnnx(MODEL_FILE);
  const source = digitsWhere(test, (d) => d < 5);
  const { accuracy: importedAccuracy, correct: importedCorrect } = accuracy(imported, images(source), source.labels, 0);

  // Keras's recipe: the imported convolutional base, frozen, under a new head (as transfer-learning.ts).
  for (const layer of imported.layers) layer.trainable = false;
  const features = imported.getLayer(FEATURES).output;
  const hidden = nn.layers.dense({ units: 64, activation: 'relu', name: 'hidden' }).apply(features) as nn.SymbolicTensor;
  const head = nn.layers.dense({ units: 5, activation: 'softmax', name: 'output' }).apply(hidden) as nn.SymbolicTensor;
  const model = nn.model({ inputs: (imported as nn.Functional).inputs, outputs: head, name: 'pytorch_base_new_head' });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const target = digitsWhere(train, (d) => d >= 5, targetSize);
  const targetLabels = nn.tensor(Float32Array.from(target.labels, (d) => d - 5), [target.labels.length, 1]);
  const frozenNames = model.layers.filter((l) => l.countParams() > 0 && !l.trainable).map((l) => l.name);
  const before = snapshot(model, frozenNames);
  const started = performance.now();
  const history = await model.fit(images(target), targetLabels, { epochs, batchSize: 32, seed, verbose: 0 });
  if (process.env.DEBUG_TRANSFER) console.log(history.history);
  const epochSeconds = (performance.now() - started) / 1000 / epochs;
  const after = snapshot(model, frozenNames);
  const frozenUnchanged = before.every((w, i) => w.every((v, j) => Object.is(v, after[i][j])));
  const evaluation = digitsWhere(test, (d) => d >= 5);
  const transferAccuracy = accuracy(model, images(evaluation), evaluation.labels, 5).accuracy;

  // Baseline: the same architecture (simdnn's copy of it) from scratch on the same samples.
  nn.setSeed(seed);
  const scratch = digitCnn('scratch', 5);
  scratch.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await scratch.fit(target.x, targetLabels, { epochs, batchSize: 32, seed, verbose: 0 });
  const scratchAccuracy = accuracy(scratch, evaluation.x, evaluation.labels, 5).accuracy;

  // The fine-tuned model is an ordinary simdnn model: saved in the TF.js format and loaded back.
  mkdirSync(saveDir, { recursive: true });
  await model.save(`file://${saveDir}`);
  const reloaded = await nn.loadModel(`file://${join(saveDir, 'model.json')}`);
  const x = images(evaluation);
  const a = (model.predict(x) as nn.Tensor).data, b = (reloaded.predict(x) as nn.Tensor).data;
  const reloadedSame = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  for (const m of [model, imported, scratch, reloaded]) m.dispose();
  return { importedAccuracy, importedCorrect, transferAccuracy, scratchAccuracy, epochSeconds, frozenUnchanged, reloadedSame };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { 'target-size': { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' } } });
  const r = await onnxTransfer({
    targetSize: values['target-size'] ? Number(values['target-size']) : undefined,
    epochs: values.epochs ? Number(values.epochs) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
  });
  console.log(`PyTorch's CNN on test digits 0-4: ${(MODEL_RECORD.testAccuracy * 100).toFixed(2)}% in PyTorch, ` +
    `${(r.importedAccuracy * 100).toFixed(2)}% imported into simdnn (${r.importedCorrect} of ${MODEL_RECORD.testSamples} vs ${MODEL_RECORD.testCorrect})`);
  console.log(`digits 5-9 from the labelled samples: frozen PyTorch base + new head ${(r.transferAccuracy * 100).toFixed(1)}%, ` +
    `same CNN from scratch ${(r.scratchAccuracy * 100).toFixed(1)}%; head epoch ${(r.epochSeconds * 1000).toFixed(0)} ms`);
  console.log(`frozen weights unchanged: ${r.frozenUnchanged}; saved in the TF.js format and reloaded, same predictions: ${r.reloadedSame}`);
}
