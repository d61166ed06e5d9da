/**
 * A siamese network on the built-in digits: two images in, "same digit?" out. One encoder (a small
 * CNN, a Sequential model used as a layer) is applied to both images, so both branches use the same
 * weights and training sums their gradients; the head is a logistic regression on the squared
 * difference of the two embeddings, (ea - eb)², which makes the answer symmetric in the two images. Training pairs come
 * from the training digits, half of them the same digit; the pair accuracy is on pairs of test
 * digits, which the encoder never saw.
 *   npx tsx examples/siamese-mnist.ts [--epochs 4] [--pairs 6000] [--test-pairs 2000] [--seed 1]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';
import { seededRandom } from './digit-subsets.js';
import { checkInteger } from './study-output.js';

/** The encoder: a small CNN from an image to an `embedding`-wide vector. */
export function encoderModel(embedding = 32): nn.Sequential {
  return nn.sequential({
    name: 'encoder',
    layers: [
      nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1], name: 'encoder_image' }),
      nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'encoder_conv1' }),
      nn.layers.maxPooling2d({ poolSize: 2, name: 'encoder_pool1' }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', name: 'encoder_conv2' }),
      nn.layers.maxPooling2d({ poolSize: 2, name: 'encoder_pool2' }),
      nn.layers.flatten({ name: 'encoder_flatten' }),
      nn.layers.dense({ units: embedding, activation: 'relu', name: 'encoder_embedding' }),
    ],
  });
}

/**
 * The siamese model (inputs 'left' and 'right', output 'same') and its encoder, used as a layer
 * on both inputs: its layers are shared, so `encoder.predict` gives the embeddings the siamese
 * model compares, before and after training.
 */
export function siameseModel(embedding = 32): { model: nn.Functional; encoder: nn.Sequential } {
  const left = nn.input({ shape: [784], name: 'left' });
  const right = nn.input({ shape: [784], name: 'right' });
  const encoder = encoderModel(embedding);
  const embedded = [encoder.apply(left), encoder.apply(right)] as nn.SymbolicTensor[];
  const difference = nn.layers.subtract({ name: 'difference' }).apply(embedded);
  const squared = nn.layers.multiply({ name: 'squared_difference' }).apply([difference, difference]);
  const same = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(squared);
  return { model: nn.model({ inputs: [left, right], outputs: same, name: 'siamese' }), encoder };
}

/** Pairs of digits: images [count, 784] twice and a 0/1 "same digit" label [count, 1]. */
export interface DigitPairs {
  left: nn.Tensor;
  right: nn.Tensor;
  same: nn.Tensor;
}

/**
 * `count` pairs from `part`, drawn with `seed`: even-numbered pairs are two different samples of
 * one digit, odd-numbered pairs two samples of different digits, so half are "same".
 */
export function digitPairs(part: { x: nn.Tensor; labels: Uint8Array }, count: number, seed: number): DigitPairs {
  const random = seededRandom(seed);
  const byDigit: number[][] = Array.from({ length: 10 }, () => []);
  part.labels.forEach((label, i) => byDigit[label].push(i));
  if (byDigit.some((samples) => samples.length < 2)) throw new Error('digitPairs: every digit needs at least 2 samples in the part');
  const pick = (list: number[]) => list[Math.floor(random() * list.length)];
  const left = new Float32Array(count * 784);
  const right = new Float32Array(count * 784);
  const same = new Float32Array(count);
  for (let p = 0; p < count; p++) {
    const a = Math.floor(random() * 10);
    const b = p % 2 === 0 ? a : (a + 1 + Math.floor(random() * 9)) % 10;
    const i = pick(byDigit[a]);
    let j = pick(byDigit[b]);
    while (j === i) j = pick(byDigit[b]);
    left.set(part.x.data.subarray(i * 784, (i + 1) * 784), p * 784);
    right.set(part.x.data.subarray(j * 784, (j + 1) * 784), p * 784);
    same[p] = a === b ? 1 : 0;
  }
  return { left: nn.tensor(left, [count, 784]), right: nn.tensor(right, [count, 784]), same: nn.tensor(same, [count, 1]) };
}

/** Options of {@link siameseStudy}. */
export interface SiameseOptions {
  epochs?: number;
  /** Training pairs (from the training digits); default 6000. */
  pairs?: number;
  /** Held-out pairs (from the test digits); default 2000. */
  testPairs?: number;
  seed?: number;
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

/** What {@link siameseStudy} measured. */
export interface SiameseResult {
  history: nn.History;
  /** Loss and accuracy on the held-out pairs. */
  test: Record<string, number>;
  /** Weight counts: of the encoder (once, though both branches use it) and of the whole model. */
  params: { encoder: number; model: number };
}

/** Trains the siamese network on digit pairs and measures pair accuracy on held-out pairs. */
export async function siameseStudy(options: SiameseOptions = {}): Promise<SiameseResult> {
  const who = 'siameseStudy';
  const epochs = checkInteger(who, options.epochs ?? 4, 'epochs', 1);
  const pairs = checkInteger(who, options.pairs ?? 6000, 'pairs', 2);
  const testPairs = checkInteger(who, options.testPairs ?? 2000, 'testPairs', 2);
  const seed = options.seed ?? 1;
  const log = options.log ?? console.log;
  await nn.ready();
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist({ seed });
  const trainPairs = digitPairs(train, pairs, seed);
  const heldOut = digitPairs(test, testPairs, seed + 1);

  const { model, encoder } = siameseModel();
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit([trainPairs.left, trainPairs.right], trainPairs.same, {
    epochs, batchSize: 64, seed, verbose: options.verbose ?? 0, validationData: [[heldOut.left, heldOut.right], heldOut.same],
  });
  const result = { ...model.evaluate([heldOut.left, heldOut.right], heldOut.same, { batchSize: 512 }) } as Record<string, number>;
  const params = { encoder: encoder.countParams(), model: model.countParams() };
  model.dispose();
  encoder.dispose();
  log(`held-out pairs (${testPairs}, from test digits, half the same digit): pair accuracy ${result.accuracy.toFixed(4)}, loss ${result.loss.toFixed(4)}; ` +
    `${params.model} weights, ${params.encoder} of them in the encoder both branches share`);
  return { history, test: result, params };
}

/** The command line: flags as in the file comment. */
export async function main(argv = process.argv.slice(2)): Promise<SiameseResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '4' },
      pairs: { type: 'string', default: '6000' },
      'test-pairs': { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const started = performance.now();
  const result = await siameseStudy({
    epochs: Number(values.epochs), pairs: Number(values.pairs), testPairs: Number(values['test-pairs']), seed: Number(values.seed), verbose: 1,
  });
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
