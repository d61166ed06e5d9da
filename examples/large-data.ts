/**
 * Training from files too large to hold: the built-in digits are written as IDX files (the MNIST
 * format) to a temporary directory, `--copies` times over with each copy shifted by up to 2 pixels
 * (so the training file is `copies` × 7,996 different images), then streamed with simdnn/node's
 * `idxDataset` into `model.fit(dataset)`: each epoch reopens the files and reads them front to back
 * through a shuffle buffer, so memory holds the buffer and one batch, not the data set. The
 * validation split is streamed the same way. The optimizer keeps a moving average of the weights
 * (`useEma`), which validation uses and which the model holds when fit ends.
 * Prints, per epoch, loss, accuracy and the process's resident memory (RSS): it stays flat.
 *   npx tsx examples/large-data.ts [--epochs 5] [--copies 8] [--batch-size 64] [--shuffle-buffer 4096]
 *       [--train-size 7996] [--lr 0.001] [--gzip] [--seed 1]
 */
import * as nn from 'simdnn';
import { idxDataset } from 'simdnn/node';
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Options of {@link largeDataStudy}. */
export interface LargeDataOptions {
  epochs?: number;
  /** Shifted copies of the training digits in the training file; default 8 (63,968 images, 50 MB). */
  copies?: number;
  /** Training digits per copy (of 7,996); default all. */
  trainSize?: number;
  batchSize?: number;
  /** Records the stream shuffles among; default 4096. */
  shuffleBuffer?: number;
  learningRate?: number;
  /** Write the files gzip-compressed (inflated 16 KB at a time while training); default false. */
  gzip?: boolean;
  seed?: number;
  /** Where the lines go; default console.log. */
  log?: (line: string) => void;
}

/** One epoch as printed. */
export interface LargeDataEpoch {
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Resident set size of the process after the epoch, MiB. */
  rssMiB: number;
  seconds: number;
}

/** What a run measured. */
export interface LargeDataResult {
  epochs: LargeDataEpoch[];
  /** Samples in the training file, and its size in bytes. */
  trainSamples: number;
  trainBytes: number;
  /** RSS before training (after writing the files), MiB. */
  rssBeforeMiB: number;
  /** evaluateDataset on the streamed validation files after fit (the weights are then the moving average). */
  test: { loss: number; accuracy: number };
}

const MiB = 1024 * 1024;
const rssMiB = (): number => process.memoryUsage().rss / MiB;

/** The example network: 784 → 128 ReLU → 10 softmax. */
export function largeDataNet(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
}

/** An IDX header: magic (0, 0, uint8 = 0x08, rank) then each dimension as a big-endian int32. */
function idxHeader(shape: readonly number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  head.set([0, 0, 0x08, shape.length]);
  const view = new DataView(head.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return head;
}

/** `x` ([n, 784] in [0, 1]) as uint8 pixels, each image moved by (dy, dx) with zeros shifted in. */
function shiftedPixels(x: Float32Array, n: number, dy: Int8Array, dx: Int8Array, out: Uint8Array): void {
  out.fill(0);
  for (let s = 0; s < n; s++) {
    for (let r = 0; r < 28; r++) {
      const sr = r - dy[s];
      if (sr < 0 || sr >= 28) continue;
      for (let c = 0; c < 28; c++) {
        const sc = c - dx[s];
        if (sc >= 0 && sc < 28) out[s * 784 + r * 28 + c] = Math.round(255 * x[s * 784 + sr * 28 + sc]);
      }
    }
  }
}

/**
 * Writes images and labels IDX files (`copies` shifted copies of `x`; copy 0 unshifted), one copy
 * at a time so writing holds one copy, not the file; gzip compresses each file as a stream after writing.
 */
async function writeIdxPair(dir: string, name: string, x: nn.Tensor, labels: Uint8Array, copies: number, gzip: boolean, random: () => number): Promise<{ images: string; labels: string }> {
  const n = labels.length;
  const images = join(dir, `${name}-images-idx3-ubyte`), labelPath = join(dir, `${name}-labels-idx1-ubyte`);
  const imageFile = openSync(images, 'w'), labelFile = openSync(labelPath, 'w');
  try {
    writeSync(imageFile, idxHeader([n * copies, 28, 28]));
    writeSync(labelFile, idxHeader([n * copies]));
    const pixels = new Uint8Array(n * 784);
    const dy = new Int8Array(n), dx = new Int8Array(n);
    for (let copy = 0; copy < copies; copy++) {
      for (let s = 0; s < n; s++) {
        dy[s] = copy === 0 ? 0 : Math.floor(random() * 5) - 2;
        dx[s] = copy === 0 ? 0 : Math.floor(random() * 5) - 2;
      }
      shiftedPixels(x.data, n, dy, dx, pixels);
      writeSync(imageFile, pixels);
      writeSync(labelFile, labels);
    }
  } finally {
    closeSync(imageFile);
    closeSync(labelFile);
  }
  if (!gzip) return { images, labels: labelPath };
  const zipped = async (path: string): Promise<string> => {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
    rmSync(path);
    return `${path}.gz`;
  };
  return { images: await zipped(images), labels: await zipped(labelPath) };
}

/** Writes the files, trains from the streamed files, and reports each epoch's figures and RSS. */
export async function largeDataStudy(options: LargeDataOptions = {}): Promise<LargeDataResult> {
  const { epochs = 5, copies = 8, batchSize = 64, shuffleBuffer = 4096, learningRate = 1e-3, gzip = false, seed = 1, log = console.log } = options;
  await nn.ready();
  nn.setSeed(seed);
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-large-data-'));
  try {
    let files: { train: { images: string; labels: string }; test: { images: string; labels: string } };
    {
      // Scoped so the in-memory digits can be collected once the files are written.
      const { train, test } = nn.data.mnist({ trainSize: options.trainSize, seed });
      const random = makeRandom(seed);
      files = {
        train: await writeIdxPair(dir, 'train', train.x, train.labels, copies, gzip, random),
        test: await writeIdxPair(dir, 't10k', test.x, test.labels, 1, gzip, random),
      };
    }
    const trainBytes = statSync(files.train.images).size + statSync(files.train.labels).size;
    const trainSet = await idxDataset(files.train.images, files.train.labels, { batchSize, shuffleBuffer, seed });
    const valSet = await idxDataset(files.test.images, files.test.labels, { batchSize: 256 });
    const trainSamples = trainSet.size ?? Number.NaN;
    log(`training file: ${Number.isNaN(trainSamples) ? 'gzip, size unknown until read' : `${trainSamples} digits`} in ${(trainBytes / MiB).toFixed(1)} MiB${gzip ? ' (gzip)' : ''}`);

    const model = largeDataNet();
    model.compile({ optimizer: nn.optimizers.adam({ learningRate, useEma: true, emaMomentum: 0.99 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const rssBeforeMiB = rssMiB();
    log(`RSS before training: ${rssBeforeMiB.toFixed(1)} MiB`);
    const rows: LargeDataEpoch[] = [];
    let started = 0;
    try {
      await model.fit(trainSet, {
        epochs, validationData: valSet, verbose: 0,
        callbacks: [{
          onEpochBegin: () => { started = performance.now(); },
          onEpochEnd: (epoch, logs) => {
            const row = { loss: logs!.loss, accuracy: logs!.accuracy, valLoss: logs!.val_loss, valAccuracy: logs!.val_accuracy, rssMiB: rssMiB(), seconds: (performance.now() - started) / 1000 };
            rows.push(row);
            log(`epoch ${epoch + 1}/${epochs}: loss ${row.loss.toFixed(4)}, accuracy ${row.accuracy.toFixed(4)}, ` +
              `val_loss ${row.valLoss.toFixed(4)}, val_accuracy ${row.valAccuracy.toFixed(4)}, RSS ${row.rssMiB.toFixed(1)} MiB, ${row.seconds.toFixed(1)} s`);
          },
        }],
      });
      const test = await model.evaluateDataset(valSet);
      log(`after fit (weights = their moving average): test accuracy ${test.accuracy.toFixed(4)}, test loss ${test.loss.toFixed(4)}; ` +
        `RSS ${rows.map((r) => r.rssMiB.toFixed(0)).join(' → ')} MiB over ${rows.length} epochs of ${(trainBytes / MiB).toFixed(1)} MiB each`);
      return { epochs: rows, trainSamples, trainBytes, rssBeforeMiB, test: { loss: test.loss, accuracy: test.accuracy } };
    } finally {
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small seeded generator for the shifts (mulberry32). */
function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      copies: { type: 'string', default: '8' },
      'train-size': { type: 'string' },
      'batch-size': { type: 'string', default: '64' },
      'shuffle-buffer': { type: 'string', default: '4096' },
      lr: { type: 'string', default: '0.001' },
      gzip: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
    },
  });
  await largeDataStudy({
    epochs: Number(values.epochs), copies: Number(values.copies), trainSize: values['train-size'] === undefined ? undefined : Number(values['train-size']),
    batchSize: Number(values['batch-size']), shuffleBuffer: Number(values['shuffle-buffer']), learningRate: Number(values.lr),
    gzip: values.gzip, seed: Number(values.seed),
  });
}
