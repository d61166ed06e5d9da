/**
 * A digit read as a sequence: each image is 28 rows of 28 pixels, fed one row per step to an
 * LSTM(128) whose last state a softmax layer classifies (the classic "sequential MNIST by rows").
 * Prints the test accuracy and the time of each epoch.
 *   npx tsx examples/mnist-lstm.ts [--epochs 20] [--batch-size 64] [--units 128] [--lr 0.001] [--seed 1]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';

/** Options of {@link mnistLstmStudy}. */
export interface MnistLstmOptions {
  epochs?: number;
  batchSize?: number;
  /** LSTM units; default 128. */
  units?: number;
  /** Adam's learning rate; default 1e-3. */
  learningRate?: number;
  /** Training and test digits to use (default: the whole default split, 7,996 / 2,004). */
  trainSize?: number;
  testSize?: number;
  seed?: number;
  /** Where the lines go; default console.log. */
  log?: (line: string) => void;
}

/** What a run measured. */
export interface MnistLstmResult {
  test: { loss: number; accuracy: number };
  /** Seconds of each epoch's training (validation excluded). */
  epochSeconds: number[];
  params: number;
}

/** The example network: rows → LSTM(units) → dense(10, softmax); exported so tests train exactly this model. */
export function mnistLstm(units = 128): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.reshape({ inputShape: [784], targetShape: [28, 28] }),
    nn.layers.lstm({ units, recurrentActivation: 'sigmoid' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
}

/** Trains the example network on the built-in digits and reports test accuracy and epoch times. */
export async function mnistLstmStudy(options: MnistLstmOptions = {}): Promise<MnistLstmResult> {
  const { epochs = 20, batchSize = 64, units = 128, learningRate = 1e-3, seed = 1, log = console.log } = options;
  await nn.ready();
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist({ trainSize: options.trainSize, testSize: options.testSize, seed });
  const model = mnistLstm(units);
  model.compile({ optimizer: nn.optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const epochSeconds: number[] = [];
  let started = 0;
  try {
    await model.fit(train.x, train.y, {
      epochs, batchSize, seed, verbose: 0,
      callbacks: [{
        onEpochBegin: () => { started = performance.now(); },
        onEpochEnd: (epoch, logs) => {
          epochSeconds.push((performance.now() - started) / 1000);
          log(`epoch ${epoch + 1}/${epochs}: loss ${logs?.loss?.toFixed(4)}, accuracy ${logs?.accuracy?.toFixed(4)}, ${epochSeconds.at(-1)!.toFixed(1)} s`);
        },
      }],
    });
    const result = model.evaluate(test.x, test.y, { batchSize: 256 });
    const mean = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
    log(`LSTM(${units}) on rows of ${train.x.shape[0]} digits: test accuracy ${result.accuracy.toFixed(4)} on ${test.x.shape[0]} digits, ` +
      `test loss ${result.loss.toFixed(4)}, ${mean.toFixed(1)} s per epoch`);
    return { test: { loss: result.loss, accuracy: result.accuracy }, epochSeconds, params: model.countParams() };
  } finally {
    model.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '20' },
      'batch-size': { type: 'string', default: '64' },
      units: { type: 'string', default: '128' },
      lr: { type: 'string', default: '0.001' },
      seed: { type: 'string', default: '1' },
    },
  });
  await mnistLstmStudy({
    epochs: Number(values.epochs), batchSize: Number(values['batch-size']), units: Number(values.units),
    learningRate: Number(values.lr), seed: Number(values.seed),
  });
}
