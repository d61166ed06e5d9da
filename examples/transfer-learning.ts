/**
 * Transfer learning on the built-in digits, Keras's recipe: train a CNN on digits 0-4 (the source
 * task), save it to disk and load it back; put its convolutional base under a new head for digits
 * 5-9 (the target task, with few labelled samples), train the head with the base frozen, then
 * unfreeze and fine-tune everything at a low learning rate. A CNN of the same shape trained from
 * scratch on the same target samples is the baseline.
 *   npx tsx examples/transfer-learning.ts [--source-epochs 2] [--target-size 300] [--head-epochs 6]
 *     [--fine-tune-epochs 4] [--fine-tune-lr 1e-4] [--source-size 4000] [--seed 1]
 */
import * as nn from 'simdnn';
import 'simdnn/node'; // registers file:// for model.save and nn.loadModel
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { digitsWhere, sameBits, snapshot, type Digits } from './digit-subsets.js';
import { checkInteger } from './study-output.js';

/** The layers with weights that make up the base: the convolutions. */
export const BASE_LAYERS = ['conv1', 'conv2'] as const;

/** The example CNN: a convolutional base, then a head (a 64-unit hidden layer and a softmax over `classes`). */
export function digitCnn(name: string, classes: number): nn.Sequential {
  return nn.sequential({
    name,
    layers: [
      nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1], name: 'image' }),
      nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }),
      nn.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }),
      nn.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      nn.layers.flatten({ name: 'flatten' }),
      nn.layers.dense({ units: 64, activation: 'relu', name: 'hidden' }),
      nn.layers.dense({ units: classes, activation: 'softmax', name: 'output' }),
    ],
  });
}

/**
 * Keras's recipe for a new task: the layers of `pretrained` up to its 'flatten', applied to a new
 * input (so they are shared with `pretrained`, weights included), then a new head ('hidden' and a
 * softmax 'output' over `classes`).
 */
export function withNewHead(pretrained: nn.LayersModel, classes: number): nn.Functional {
  const layers = pretrained.layers;
  const base = layers.slice(0, layers.indexOf(pretrained.getLayer('flatten')) + 1);
  const image = nn.input({ shape: [784], name: 'image' });
  const features = base.reduce((x, layer) => layer.apply(x), image);
  const hidden = nn.layers.dense({ units: 64, activation: 'relu', name: 'hidden' }).apply(features);
  const output = nn.layers.dense({ units: classes, activation: 'softmax', name: 'output' }).apply(hidden);
  return nn.model({ inputs: image, outputs: output, name: `${pretrained.name}_new_head` });
}

/** Options of {@link transferLearning}. */
export interface TransferOptions {
  /** Source-task (digits 0-4) training samples; default 4000 (all of them). */
  sourceSize?: number;
  sourceEpochs?: number;
  /** Labelled target-task (digits 5-9) training samples; default 300. */
  targetSize?: number;
  headEpochs?: number;
  fineTuneEpochs?: number;
  fineTuneLearningRate?: number;
  seed?: number;
  /** Where the source model is saved; default a fresh temporary folder, removed afterwards. */
  dir?: string;
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

/** What {@link transferLearning} measured. Accuracies are on held-out digits of the task. */
export interface TransferResult {
  sourceAccuracy: number;
  /** Target test accuracy after training the new head on the frozen base. */
  headAccuracy: number;
  /** ... and after fine-tuning everything. */
  fineTuneAccuracy: number;
  /** The same CNN trained from scratch on the target samples for headEpochs + fineTuneEpochs. */
  scratchAccuracy: number;
  targetTrainSize: number;
  targetTestSize: number;
  /** Base weights: of the trained source model, as loaded from disk, after the head phase, after fine-tuning. */
  base: { trained: Float32Array[]; loaded: Float32Array[]; afterHead: Float32Array[]; afterFineTune: Float32Array[] };
  /** Trainable parameters in the head phase and in fine-tuning. */
  trainableParams: { head: number; fineTune: number };
}

const SOURCE = (d: number): boolean => d < 5;
const TARGET = (d: number): boolean => d >= 5;

/** One-hot labels of digits offset by `first` (5-9 become 0-4). */
const oneHot = (d: Digits, first: number) => nn.data.toCategorical(Array.from(d.labels, (l) => l - first), 5);

/** Runs the four phases and returns what it measured; see the file comment. */
export async function transferLearning(options: TransferOptions = {}): Promise<TransferResult> {
  const who = 'transferLearning';
  const sourceSize = checkInteger(who, options.sourceSize ?? 4000, 'sourceSize', 10);
  const sourceEpochs = checkInteger(who, options.sourceEpochs ?? 2, 'sourceEpochs', 1);
  const targetSize = checkInteger(who, options.targetSize ?? 300, 'targetSize', 10);
  const headEpochs = checkInteger(who, options.headEpochs ?? 6, 'headEpochs', 1);
  const fineTuneEpochs = checkInteger(who, options.fineTuneEpochs ?? 4, 'fineTuneEpochs', 1);
  const fineTuneLearningRate = options.fineTuneLearningRate ?? 1e-4;
  if (!(fineTuneLearningRate > 0 && fineTuneLearningRate < 1)) throw new RangeError(`${who}: fineTuneLearningRate must be in (0, 1), got ${fineTuneLearningRate}`);
  const seed = options.seed ?? 1;
  const verbose = options.verbose ?? 0;
  const log = options.log ?? console.log;
  await nn.ready();
  nn.setSeed(seed);

  const { train, test } = nn.data.mnist({ seed });
  const source = { train: digitsWhere(train, SOURCE, sourceSize), test: digitsWhere(test, SOURCE) };
  const target = { train: digitsWhere(train, TARGET, targetSize), test: digitsWhere(test, TARGET) };
  const fitArgs = (epochs: number) => ({ epochs, batchSize: 32, seed, verbose });
  const accuracy = (m: nn.LayersModel, d: Digits, first: number) => m.evaluate(d.x, oneHot(d, first), { batchSize: 512 }).accuracy!;

  // 1. The source task, saved to disk.
  const sourceModel = digitCnn('source_cnn', 5);
  sourceModel.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await sourceModel.fit(source.train.x, oneHot(source.train, 0), fitArgs(sourceEpochs));
  const sourceAccuracy = accuracy(sourceModel, source.test, 0);
  log(`source (digits 0-4, ${source.train.x.shape[0]} samples, ${sourceEpochs} epochs): test accuracy ${sourceAccuracy.toFixed(4)} on ${source.test.x.shape[0]} digits`);
  const trained = snapshot(sourceModel, BASE_LAYERS);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'simdnn-transfer-'));
  try {
    await sourceModel.save(`file://${dir}`);
    sourceModel.dispose();
    const loaded = await nn.loadModel(`file://${dir}`);
    log(`saved to and loaded from ${dir}`);

    // 2. A new head on the loaded base: the loaded model's layers up to 'flatten', shared (not copied).
    const model = withNewHead(loaded, 5);
    const loadedBase = snapshot(loaded, BASE_LAYERS);
    for (const name of BASE_LAYERS) model.getLayer(name).trainable = false;
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const headParams = model.countTrainableParams();
    await model.fit(target.train.x, oneHot(target.train, 5), fitArgs(headEpochs));
    const afterHead = snapshot(model, BASE_LAYERS);
    const headAccuracy = accuracy(model, target.test, 5);
    log(`new head (digits 5-9, ${target.train.x.shape[0]} samples, ${headEpochs} epochs, ${headParams} trainable weights): ` +
      `test accuracy ${headAccuracy.toFixed(4)} on ${target.test.x.shape[0]} digits; frozen base bit-identical: ${sameBits(loadedBase, afterHead)}`);

    // 3. Unfrozen, fine-tuned at a low learning rate (trainable changes take effect at compile).
    for (const name of BASE_LAYERS) model.getLayer(name).trainable = true;
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: fineTuneLearningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const fineTuneParams = model.countTrainableParams();
    await model.fit(target.train.x, oneHot(target.train, 5), fitArgs(fineTuneEpochs));
    const afterFineTune = snapshot(model, BASE_LAYERS);
    const fineTuneAccuracy = accuracy(model, target.test, 5);
    log(`fine-tuned (all ${fineTuneParams} weights, Adam ${fineTuneLearningRate}, ${fineTuneEpochs} epochs): test accuracy ${fineTuneAccuracy.toFixed(4)}`);
    model.dispose();
    loaded.dispose();

    // 4. The baseline: no source task, the same target samples and epochs.
    const scratch = digitCnn('scratch_cnn', 5);
    scratch.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await scratch.fit(target.train.x, oneHot(target.train, 5), fitArgs(headEpochs + fineTuneEpochs));
    const scratchAccuracy = accuracy(scratch, target.test, 5);
    log(`from scratch (same ${target.train.x.shape[0]} samples, ${headEpochs + fineTuneEpochs} epochs): test accuracy ${scratchAccuracy.toFixed(4)}`);
    scratch.dispose();

    return {
      sourceAccuracy, headAccuracy, fineTuneAccuracy, scratchAccuracy,
      targetTrainSize: target.train.x.shape[0], targetTestSize: target.test.x.shape[0],
      base: { trained, loaded: loadedBase, afterHead, afterFineTune },
      trainableParams: { head: headParams, fineTune: fineTuneParams },
    };
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** The command line: flags as in the file comment. */
export async function main(argv = process.argv.slice(2)): Promise<TransferResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'source-size': { type: 'string', default: '4000' },
      'source-epochs': { type: 'string', default: '2' },
      'target-size': { type: 'string', default: '300' },
      'head-epochs': { type: 'string', default: '6' },
      'fine-tune-epochs': { type: 'string', default: '4' },
      'fine-tune-lr': { type: 'string', default: '1e-4' },
      seed: { type: 'string', default: '1' },
    },
  });
  const started = performance.now();
  const result = await transferLearning({
    sourceSize: Number(values['source-size']), sourceEpochs: Number(values['source-epochs']), targetSize: Number(values['target-size']),
    headEpochs: Number(values['head-epochs']), fineTuneEpochs: Number(values['fine-tune-epochs']),
    fineTuneLearningRate: Number(values['fine-tune-lr']), seed: Number(values.seed), verbose: 1,
  });
  if (!sameBits(result.base.loaded, result.base.afterHead)) throw new Error('transfer-learning: the frozen base changed while the head trained');
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
