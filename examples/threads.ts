/**
 * Threads: the example CNN trained on one thread and on every core ends with the very same
 * weights, and the MLP predicts batches of 256 faster. `ready({ threads: 'auto' })` must be the
 * first `ready()` of the process (it loads the threaded build); later calls resize the pool, and
 * `backend()` says how many threads run, or why only one does. `shutdown()` stops the workers.
 *   npx tsx examples/threads.ts [--samples 3000] [--epochs 1] [--seed 1]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';
import { mnistCnn } from './mnist-cnn.js';

/** What one thread count gave. */
export interface ThreadsRow {
  threads: number;
  /** Seconds for the training epochs. */
  trainSeconds: number;
  /** The trained CNN's weights, all tensors end to end. */
  weights: Float32Array;
  /** MLP predict throughput at batch 256, samples per second (median of 30 calls). */
  samplesPerSecond: number;
}

export interface ThreadsOptions {
  samples?: number;
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Trains and predicts on one thread, then on every core; returns both rows and whether the weights are the same bits. */
export async function threadsStudy(options: ThreadsOptions = {}): Promise<{ rows: ThreadsRow[]; identical: boolean; why?: string }> {
  const { samples = 3000, epochs = 1, seed = 1, log = console.log } = options;
  await nn.ready({ threads: 'auto' });
  const { why } = nn.backend();
  const { train } = nn.data.mnist({ trainSize: samples });
  const batch = new nn.Tensor(train.x.data.slice(0, 256 * 784), [256, 784]);
  const rows: ThreadsRow[] = [];
  for (const threads of [1, 'auto'] as const) {
    await nn.ready({ threads });
    nn.setSeed(seed);
    const cnn = mnistCnn();
    cnn.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const started = performance.now();
    const history = await cnn.fit(train.x, train.y, { epochs, batchSize: 64, seed, verbose: 0 });
    const trainSeconds = (performance.now() - started) / 1000;
    const weights = Float32Array.from(cnn.getWeights().flatMap((w) => Array.from(w.data)));
    cnn.dispose();
    const mlp = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    const calls: number[] = [];
    for (let i = 0; i < 31; i++) {
      const t0 = performance.now();
      mlp.predict(batch, { batchSize: 256 });
      if (i > 0) calls.push(performance.now() - t0);
    }
    mlp.dispose();
    const medianMs = calls.sort((a, b) => a - b)[calls.length >> 1];
    const row = { threads: nn.backend().threads, trainSeconds, weights, samplesPerSecond: 256 / (medianMs / 1000) };
    rows.push(row);
    const loss = history.history.loss.at(-1)!;
    log(`${row.threads} thread(s): CNN ${epochs} epoch(s) on ${samples} digits in ${trainSeconds.toFixed(2)} s (loss ${loss.toFixed(4)}), ` +
      `MLP predict ${Math.round(row.samplesPerSecond / 1000)}k samples/s at batch 256`);
  }
  const [one, all] = rows;
  const identical = one.weights.length === all.weights.length && one.weights.every((v, i) => Object.is(v, all.weights[i]));
  log(`weights after training on ${one.threads} and on ${all.threads} thread(s): ${identical ? 'bit-identical' : 'DIFFERENT'}` +
    (why ? ` (only one thread here: ${why})` : ''));
  await nn.shutdown();
  return { rows, identical, why };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string', default: '3000' },
      epochs: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
    },
  });
  const { identical } = await threadsStudy({ samples: Number(values.samples), epochs: Number(values.epochs), seed: Number(values.seed) });
  if (!identical) process.exitCode = 1;
}
