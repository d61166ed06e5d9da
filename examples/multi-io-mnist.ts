/**
 * A functional model with two inputs and two outputs on the built-in digits. Inputs: the image
 * and a side input, 'hint': 1 when the digit is even, 0 when odd, but wrong for a fraction of the
 * samples (--hint-noise, default 25%), as a cheap, noisy second source such as a user's answer.
 * Outputs: 'digit' (softmax over 0-9, from the image alone) and 'even' (sigmoid, from the image
 * features joined with the hint). One loss per output, weighted 1 : 0.5, with accuracy for each.
 *   npx tsx examples/multi-io-mnist.ts [--epochs 3] [--hint-noise 0.25] [--train-size 7996] [--seed 1]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';
import { seededRandom } from './digit-subsets.js';
import { checkInteger } from './study-output.js';

/** The example network: image → CNN features → 'digit'; [features, hint] → 'even'. */
export function multiIoModel(): nn.Functional {
  const image = nn.input({ shape: [784], name: 'image' });
  const hint = nn.input({ shape: [1], name: 'hint' });
  let x = nn.layers.reshape({ targetShape: [28, 28, 1] }).apply(image);
  x = nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = nn.layers.flatten().apply(x);
  const features = nn.layers.dense({ units: 64, activation: 'relu', name: 'features' }).apply(x);
  const digit = nn.layers.dense({ units: 10, activation: 'softmax', name: 'digit' }).apply(features);
  const joined = nn.layers.concatenate({ name: 'joined' }).apply([features, hint]);
  const evenHidden = nn.layers.dense({ units: 16, activation: 'relu', name: 'even_hidden' }).apply(joined);
  const even = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'even' }).apply(evenHidden);
  return nn.model({ inputs: [image, hint], outputs: [digit, even], name: 'digit_and_parity' });
}

/** The compile arguments of the example: a loss, a weight and accuracy per output. */
export function multiIoCompileArgs(learningRate = 1e-3): nn.CompileArgs {
  return {
    optimizer: nn.optimizers.adam({ learningRate }),
    loss: { digit: 'categoricalCrossentropy', even: 'binaryCrossentropy' },
    lossWeights: { digit: 1, even: 0.5 },
    metrics: { digit: ['accuracy'], even: ['accuracy'] },
  };
}

/** Inputs and targets of one part of the data, keyed by the model's input and output names. */
export interface HintedDigits {
  inputs: { image: nn.Tensor; hint: nn.Tensor };
  targets: { digit: nn.Tensor; even: nn.Tensor };
  labels: Uint8Array;
}

/** The part's images and labels with a parity hint that is wrong with probability `noise`. */
export function hintedDigits(part: { x: nn.Tensor; y: nn.Tensor; labels: Uint8Array }, noise: number, seed: number): HintedDigits {
  const random = seededRandom(seed);
  const n = part.labels.length;
  const even = Float32Array.from(part.labels, (l) => (l % 2 === 0 ? 1 : 0));
  const hint = even.map((e) => (random() < noise ? 1 - e : e));
  return {
    inputs: { image: part.x, hint: nn.tensor(hint, [n, 1]) },
    targets: { digit: part.y, even: nn.tensor(even, [n, 1]) },
    labels: part.labels,
  };
}

/** Options of {@link multiIoStudy}. */
export interface MultiIoOptions {
  epochs?: number;
  /** Training digits (default all 7,996); the test part is always all 2,004. */
  trainSize?: number;
  hintNoise?: number;
  seed?: number;
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

/** What {@link multiIoStudy} measured on the test digits. */
export interface MultiIoResult {
  history: nn.History;
  /** model.evaluate on the test part: loss, digit_loss, even_loss (both weighted), digit_accuracy, even_accuracy. */
  test: Record<string, number>;
  /** How often the test hint alone is right (1 - noise, up to sampling). */
  hintAccuracy: number;
  /** Parity of the digit head's argmax. */
  parityFromDigitHead: number;
  /** The even head with every test hint inverted: how much it leans on the hint. */
  evenWithInvertedHint: number;
}

/** Fraction of rows where `predicted` (probabilities or hints) rounds to the 0/1 `truth`. */
function binaryAccuracy(predicted: Float32Array, truth: Float32Array): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if ((predicted[i] >= 0.5 ? 1 : 0) === truth[i]) right++;
  return right / truth.length;
}

/** Trains the example model and measures it on the test digits; see the file comment. */
export async function multiIoStudy(options: MultiIoOptions = {}): Promise<MultiIoResult> {
  const who = 'multiIoStudy';
  const epochs = checkInteger(who, options.epochs ?? 3, 'epochs', 1);
  const hintNoise = options.hintNoise ?? 0.25;
  if (!(hintNoise >= 0 && hintNoise <= 1)) throw new RangeError(`${who}: hintNoise must be in [0, 1], got ${hintNoise}`);
  const seed = options.seed ?? 1;
  const log = options.log ?? console.log;
  await nn.ready();
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist({ seed, trainSize: options.trainSize });
  const trainSet = hintedDigits(train, hintNoise, seed);
  const testSet = hintedDigits(test, hintNoise, seed + 1);

  const model = multiIoModel();
  model.compile(multiIoCompileArgs());
  const history = await model.fit(trainSet.inputs, trainSet.targets, {
    epochs, batchSize: 64, seed, verbose: options.verbose ?? 0,
    validationData: [[testSet.inputs.image, testSet.inputs.hint], [testSet.targets.digit, testSet.targets.even]],
  });
  const result = model.evaluate([testSet.inputs.image, testSet.inputs.hint], [testSet.targets.digit, testSet.targets.even], { batchSize: 512 });
  const testLogs = { ...result } as Record<string, number>;

  const evenTruth = testSet.targets.even.data;
  const [digitProbs] = model.predict([testSet.inputs.image, testSet.inputs.hint], { batchSize: 512 }) as nn.Tensor[];
  const parity = new Float32Array(evenTruth.length);
  for (let i = 0; i < parity.length; i++) {
    const row = digitProbs.data.subarray(i * 10, i * 10 + 10);
    parity[i] = row.indexOf(Math.max(...row)) % 2 === 0 ? 1 : 0;
  }
  const inverted = nn.tensor(testSet.inputs.hint.data.map((h) => 1 - h), testSet.inputs.hint.shape);
  const [, evenInverted] = model.predict([testSet.inputs.image, inverted], { batchSize: 512 }) as nn.Tensor[];
  model.dispose();

  const measured: MultiIoResult = {
    history, test: testLogs,
    hintAccuracy: binaryAccuracy(testSet.inputs.hint.data, evenTruth),
    parityFromDigitHead: binaryAccuracy(parity, evenTruth),
    evenWithInvertedHint: binaryAccuracy(evenInverted.data, evenTruth),
  };
  // As Keras 3, each `<output>_loss` is already multiplied by its loss weight, so they add up to 'loss'.
  log(`test (${test.labels.length} digits): digit accuracy ${testLogs.digit_accuracy.toFixed(4)}, even accuracy ${testLogs.even_accuracy.toFixed(4)}; ` +
    `loss ${testLogs.loss.toFixed(4)} = digit_loss ${testLogs.digit_loss.toFixed(4)} + even_loss ${testLogs.even_loss.toFixed(4)} (0.5 × its cross-entropy)`);
  log(`for comparison: the hint alone ${measured.hintAccuracy.toFixed(4)}, parity of the digit head ${measured.parityFromDigitHead.toFixed(4)}, ` +
    `even head with every hint inverted ${measured.evenWithInvertedHint.toFixed(4)}`);
  return measured;
}

/** The command line: flags as in the file comment. */
export async function main(argv = process.argv.slice(2)): Promise<MultiIoResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '3' },
      'hint-noise': { type: 'string', default: '0.25' },
      'train-size': { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const started = performance.now();
  const result = await multiIoStudy({
    epochs: Number(values.epochs), hintNoise: Number(values['hint-noise']), seed: Number(values.seed), verbose: 1,
    trainSize: values['train-size'] === undefined ? undefined : Number(values['train-size']),
  });
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
