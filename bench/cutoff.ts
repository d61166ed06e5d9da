// The split cutoff (multiply-adds a part needs before work is split across threads), measured
// as it was chosen: epochs of the example CNN and the MLP and the MLP's batch-256 predict on one
// thread and on all threads at three cutoffs, interleaved round by round, first on a quiet
// machine and then with a busy-loop process holding one core.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as nn from '../src/index.js';
import { MIN_WORK_PER_PART, setMinWorkPerPart } from '../src/core/threads/parts.js';
import { mnistCnn, mnistMlp } from './models.js';
import { type BenchOptions, fixed, formatTable } from './table.js';

const ALL = availableParallelism();
const CUTOFFS = [MIN_WORK_PER_PART, 1 << 18, 1 << 16];

interface Setup {
  cnn: nn.Sequential;
  mlp: nn.Sequential;
  x: nn.Tensor;
  y: nn.Tensor;
  batch: nn.Tensor;
}

async function setup(samples: number): Promise<Setup> {
  const x = nn.tensor(new Float32Array(samples * 784).map((_, i) => (i * 7919 % 255) / 255), [samples, 784]);
  const y = nn.data.toCategorical(new Uint8Array(samples).map((_, i) => i % 10), 10);
  const cnn = mnistCnn();
  cnn.compile({ optimizer: nn.optimizers.adam(), loss: 'categoricalCrossentropy' });
  const mlp = mnistMlp();
  mlp.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
  await cnn.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
  await mlp.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
  return { cnn, mlp, x, y, batch: new nn.Tensor(x.data.slice(0, 256 * 784), [256, 784]) };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Rows of median figures per configuration over `rounds` interleaved rounds. */
async function measure(s: Setup, rounds: number): Promise<string[][]> {
  const configs: [string, number, number][] = [['1 thread', 1, MIN_WORK_PER_PART],
    ...CUTOFFS.map((cut): [string, number, number] => [`${ALL} threads, ${cut >> 10}k per part`, ALL, cut])];
  const times = configs.map(() => ({ cnn: [] as number[], mlp: [] as number[], predict: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, threads, cut]] of configs.entries()) {
      await nn.ready({ threads });
      setMinWorkPerPart(cut);
      let t0 = performance.now();
      await s.cnn.fit(s.x, s.y, { epochs: 1, batchSize: 64, verbose: 0 });
      times[i].cnn.push(performance.now() - t0);
      t0 = performance.now();
      await s.mlp.fit(s.x, s.y, { epochs: 1, batchSize: 128, verbose: 0 });
      times[i].mlp.push(performance.now() - t0);
      const calls: number[] = [];
      for (let c = 0; c < 50; c++) {
        t0 = performance.now();
        s.mlp.predict(s.batch, { batchSize: 256 });
        calls.push((performance.now() - t0) * 1000);
      }
      times[i].predict.push(median(calls));
    }
  }
  setMinWorkPerPart();
  return configs.map(([label], i) => [label, fixed(median(times[i].cnn), 0), fixed(median(times[i].mlp), 0), fixed(median(times[i].predict), 0)]);
}

/** A child that spins on one core until killed. */
function busyCore(): () => void {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

export async function benchCutoff(options: BenchOptions, log: (line: string) => void): Promise<string> {
  await nn.ready({ threads: ALL });
  const samples = options.quick ? 1024 : 3072;
  const rounds = options.quick ? 2 : 5;
  const s = await setup(samples);
  const headers = ['configuration', `cnn epoch, ms`, `mlp epoch, ms`, 'mlp predict 256, µs'];
  log('cutoff: quiet');
  const quiet = await measure(s, rounds);
  log('cutoff: one core busy');
  const stop = busyCore();
  let loaded: string[][];
  try {
    loaded = await measure(s, rounds);
  } finally {
    stop();
  }
  await nn.ready({ threads: 1 });
  return [
    `Epochs of ${samples} samples (CNN batch 64, MLP batch 128) and the MLP's batch-256 predict; medians of ${rounds} interleaved rounds.`,
    `Default cutoff: ${MIN_WORK_PER_PART >> 10}k multiply-adds a part.`,
    '', 'quiet:', formatTable(headers, quiet),
    '', 'a busy-loop process on one core:', formatTable(headers, loaded),
  ].join('\n');
}
