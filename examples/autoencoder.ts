/**
 * A convolutional autoencoder on the built-in digits: two strided convolutions squeeze a 28x28
 * digit into a 7x7x8 code (392 values, half the pixels), two strided transposed convolutions draw
 * it back, the second with a sigmoid; binary cross-entropy against the input, Adam. It prints the
 * test split's reconstruction error (MSE) beside that of predicting the mean training digit, and
 * the time per epoch, and saves a grid of test digits (originals above reconstructions) as a PNG.
 * Node only (the PNG is written with node:zlib).
 *   npx tsx examples/autoencoder.ts [--epochs 5] [--batch-size 64] [--train-size 7996] [--test-size 2004]
 *       [--seed 1] [--out examples-output/autoencoder]
 */
import * as nn from 'simdnn';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeGrayPng } from './png.js';
import { checkInteger } from './study-output.js';

/** The autoencoder: [784] pixels in [0, 1] → a 7x7x8 code → [784] pixels. */
export function autoencoderModel(): nn.Sequential {
  return nn.sequential({
    name: 'autoencoder',
    layers: [
      nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), // 14x14x16
      nn.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'code' }), // 7x7x8
      nn.layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), // 14x14x16
      nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }), // 28x28x1
      nn.layers.flatten(),
    ],
  });
}

/** Options of {@link autoencoderStudy}. */
export interface AutoencoderOptions {
  /** Default 5. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Training digits; default the built-in split's 7,996. */
  trainSize?: number;
  /** Test digits; default the built-in split's 2,004. */
  testSize?: number;
  /** Default 1. */
  seed?: number;
  /** Directory for the PNG; default examples-output/autoencoder. */
  out?: string;
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

/** What {@link autoencoderStudy} measured and wrote. */
export interface AutoencoderResult {
  history: nn.History;
  /** Mean squared error per pixel of the reconstructions of the test digits. */
  testMse: number;
  /** The same for predicting the mean training digit for every test digit: the bar to beat. */
  meanImageMse: number;
  /** Seconds per training epoch, in order. */
  epochSeconds: number[];
  /** The grid's path, and the test samples shown in it (the first of each digit present). */
  png: string;
  shown: number[];
}

/** Mean over samples and pixels of (a − b)², in float64. */
export function meanSquaredError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`meanSquaredError: lengths ${a.length} and ${b.length} differ`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum / a.length;
}

/** The mean image of `x` [n, pixels], in float64, rounded to float32. */
export function meanImage(x: nn.Tensor): Float32Array {
  const [n, pixels] = x.shape;
  const sum = new Float64Array(pixels);
  for (let i = 0; i < n; i++) for (let p = 0; p < pixels; p++) sum[p] += x.data[i * pixels + p];
  return Float32Array.from(sum, (s) => s / n);
}

/** Cell side, gap between cells and magnification of the grid. */
const SIDE = 28, GAP = 2, SCALE = 2;

/**
 * A grayscale grid of 28x28 images in [0, 1]: one row per entry of `rows`, the images of
 * `columns` samples each, on a mid-grey background; magnified SCALE times.
 */
export function imageGrid(rows: Float32Array[], columns: number[]): { pixels: Uint8Array; width: number; height: number } {
  const width = (columns.length * (SIDE + GAP) + GAP) * SCALE, height = (rows.length * (SIDE + GAP) + GAP) * SCALE;
  const pixels = new Uint8Array(width * height).fill(128);
  rows.forEach((images, r) => columns.forEach((sample, c) => {
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) {
      const v = Math.round(255 * Math.min(Math.max(images[sample * SIDE * SIDE + y * SIDE + x], 0), 1));
      const top = (GAP + r * (SIDE + GAP) + y) * SCALE, left = (GAP + c * (SIDE + GAP) + x) * SCALE;
      for (let dy = 0; dy < SCALE; dy++) pixels.fill(v, (top + dy) * width + left, (top + dy) * width + left + SCALE);
    }
  }));
  return { pixels, width, height };
}

/** Trains the autoencoder, measures the reconstruction error and writes the grid. */
export async function autoencoderStudy(options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  const who = 'autoencoderStudy';
  const epochs = checkInteger(who, options.epochs ?? 5, 'epochs', 1);
  const batchSize = checkInteger(who, options.batchSize ?? 64, 'batchSize', 1);
  const seed = options.seed ?? 1;
  const out = options.out ?? join('examples-output', 'autoencoder');
  const log = options.log ?? console.log;
  await nn.ready();
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist({ seed, trainSize: options.trainSize, testSize: options.testSize });

  const model = autoencoderModel();
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 2e-3 }), loss: 'binaryCrossentropy' });
  const epochSeconds: number[] = [];
  let started = 0;
  const timer: nn.Callback = {
    onEpochBegin: () => { started = performance.now(); },
    onEpochEnd: () => { epochSeconds.push((performance.now() - started) / 1000); },
  };
  const history = await model.fit(train.x, train.x, { epochs, batchSize, seed, verbose: options.verbose ?? 0, callbacks: [timer] });
  const reconstructed = (model.predict(test.x, { batchSize: 512 }) as nn.Tensor).data;
  model.dispose();

  const testMse = meanSquaredError(reconstructed, test.x.data);
  const mean = meanImage(train.x);
  const meanImages = new Float32Array(test.x.size);
  for (let i = 0; i < test.x.shape[0]; i++) meanImages.set(mean, i * 784);
  const meanImageMse = meanSquaredError(meanImages, test.x.data);

  const shown = [...new Set(test.labels)].sort((a, b) => a - b).map((digit) => test.labels.indexOf(digit));
  const grid = imageGrid([test.x.data, reconstructed], shown);
  mkdirSync(out, { recursive: true });
  const png = join(out, 'reconstructions.png');
  writeFileSync(png, encodeGrayPng(grid.pixels, grid.width, grid.height));

  const perEpoch = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
  log(`test reconstruction MSE ${testMse.toFixed(4)} over ${test.x.shape[0]} digits (predicting the mean training digit: ${meanImageMse.toFixed(4)}); ` +
    `${epochs} epochs of ${train.x.shape[0]} digits, ${perEpoch.toFixed(2)} s per epoch; grid written to ${png}`);
  return { history, testMse, meanImageMse, epochSeconds, png, shown };
}

/** The command line: flags as in the file comment. */
export async function main(argv = process.argv.slice(2)): Promise<AutoencoderResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '5' },
      'batch-size': { type: 'string', default: '64' },
      'train-size': { type: 'string' },
      'test-size': { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join('examples-output', 'autoencoder') },
    },
  });
  const size = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return autoencoderStudy({
    epochs: Number(values.epochs), batchSize: Number(values['batch-size']), trainSize: size(values['train-size']), testSize: size(values['test-size']),
    seed: Number(values.seed), out: values.out, verbose: 1,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
