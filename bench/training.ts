// Training time per epoch on the built-in MNIST split: the 784-128-10 MLP (SGD, batch 128) beside
// TensorFlow.js wasm, and the example CNN (Adam, batch 64) beside TensorFlow.js cpu — its wasm
// backend cannot train a convolution, which the table reports instead of dropping the row.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as nn from '../src/index.js';
import { mnistCnn, mnistMlp } from './models.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

export interface EpochRow {
  name: string;
  samples: number;
  simdnn: number;
  tfjsWasm: number | string | null;
  tfjsCpu: number | string | null;
}

type Build = 'mlp' | 'cnn';

function simdnnModel(kind: Build): nn.Sequential {
  return kind === 'mlp' ? mnistMlp() : mnistCnn();
}

function tfjsModel(kind: Build): tf.Sequential {
  const layers = kind === 'mlp'
    ? [tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })]
    : [
      tf.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ];
  return tf.sequential({ layers });
}

const SETTINGS: Record<Build, { batchSize: number; optimizer: () => { simdnn: nn.Optimizer; tfjs: tf.Optimizer } }> = {
  mlp: { batchSize: 128, optimizer: () => ({ simdnn: nn.optimizers.sgd({ learningRate: 0.1 }), tfjs: tf.train.sgd(0.1) }) },
  cnn: { batchSize: 64, optimizer: () => ({ simdnn: nn.optimizers.adam({ learningRate: 1e-3 }), tfjs: tf.train.adam(1e-3) }) },
};

/** Best seconds per epoch of simdnn over `epochs` epochs (the first warms up). */
async function simdnnEpoch(kind: Build, x: nn.Tensor, y: nn.Tensor, epochs: number): Promise<number> {
  nn.setSeed(1);
  const model = simdnnModel(kind);
  model.compile({ optimizer: SETTINGS[kind].optimizer().simdnn, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const times: number[] = [];
  let began = 0;
  await model.fit(x, y, {
    batchSize: SETTINGS[kind].batchSize, epochs: epochs + 1, verbose: 0, seed: 1,
    callbacks: [{ onEpochBegin: () => { began = performance.now(); }, onEpochEnd: () => { times.push(performance.now() - began); } }],
  });
  model.dispose();
  return Math.min(...times.slice(1)) / 1000;
}

/** Best seconds per epoch of TensorFlow.js on `backend`, scaled to `fullSamples` when run on fewer. */
async function tfjsEpoch(kind: Build, backend: 'wasm' | 'cpu', x: nn.Tensor, y: nn.Tensor, epochs: number, fullSamples: number): Promise<number | string> {
  await tf.setBackend(backend);
  const model = tfjsModel(kind);
  model.compile({ optimizer: SETTINGS[kind].optimizer().tfjs, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor(x.data, [...x.shape]), ys = tf.tensor(y.data, [...y.shape]);
  const times: number[] = [];
  let began = 0;
  try {
    await model.fit(xs, ys, {
      batchSize: SETTINGS[kind].batchSize, epochs: epochs + 1, shuffle: true, verbose: 0,
      callbacks: { onEpochBegin: async () => { began = performance.now(); }, onEpochEnd: async () => { times.push(performance.now() - began); } },
    });
  } catch (error) {
    return `cannot train: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    xs.dispose(); ys.dispose(); model.dispose();
  }
  return (Math.min(...times.slice(1)) / 1000) * (fullSamples / x.shape[0]);
}

/** Epoch times for the MLP and the CNN. */
export async function benchTraining(options: BenchOptions, log: (line: string) => void = () => {}): Promise<EpochRow[]> {
  await nn.ready();
  setThreadsCount(1); // before the wasm backend initialises; no effect if it already has
  const warn = console.warn;
  console.warn = () => {};
  await tf.setBackend('wasm');
  console.warn = warn;
  const { train } = nn.data.mnist();
  const full = train.x.shape[0];
  const epochs = options.quick ? 1 : 3;
  const rows: EpochRow[] = [];
  if (selected('mlp epoch', options.filter)) {
    const simdnn = await simdnnEpoch('mlp', train.x, train.y, epochs);
    log(`mlp epoch simdnn ${simdnn.toFixed(3)} s`);
    const tfjsWasm = await tfjsEpoch('mlp', 'wasm', train.x, train.y, epochs, full);
    log(`mlp epoch tfjs-wasm ${typeof tfjsWasm === 'number' ? tfjsWasm.toFixed(3) : tfjsWasm}`);
    rows.push({ name: 'mlp epoch (SGD, batch 128)', samples: full, simdnn, tfjsWasm, tfjsCpu: null });
  }
  if (selected('cnn epoch', options.filter)) {
    const simdnn = await simdnnEpoch('cnn', train.x, train.y, options.quick ? 1 : 2);
    log(`cnn epoch simdnn ${simdnn.toFixed(3)} s`);
    // TensorFlow.js cpu needs many seconds per CNN epoch: time it on a slice and scale to the full split.
    const slice = options.quick ? 640 : 1280;
    const xs = new nn.Tensor(train.x.data.subarray(0, slice * 784), [slice, 784]);
    const ys = new nn.Tensor(train.y.data.subarray(0, slice * 10), [slice, 10]);
    const tfjsCpu = await tfjsEpoch('cnn', 'cpu', xs, ys, 1, full);
    log(`cnn epoch tfjs-cpu ${typeof tfjsCpu === 'number' ? tfjsCpu.toFixed(3) : tfjsCpu}`);
    const tfjsWasm = await tfjsEpoch('cnn', 'wasm', xs, ys, 1, full);
    log(`cnn epoch tfjs-wasm ${typeof tfjsWasm === 'number' ? tfjsWasm.toFixed(3) : tfjsWasm}`);
    rows.push({ name: 'cnn epoch (Adam, batch 64)', samples: full, simdnn, tfjsWasm, tfjsCpu });
  }
  return rows;
}

export function formatTraining(rows: EpochRow[]): string {
  const cell = (v: number | string | null) => (typeof v === 'string' ? v : fixed(v, 3));
  const speedup = (v: number | string | null, s: number) => (typeof v === 'number' ? ratio(v, s) : '-');
  return [
    'Seconds per training epoch on the 7,996-digit split (best epoch after a warm-up; lower is better).',
    'tfjs-cpu CNN is timed on a 1,280-sample slice and scaled to the full split. "faster" = tfjs time / simdnn time.',
    formatTable(['epoch', 'simdnn (s)', 'tfjs-wasm (s)', 'tfjs-cpu (s)', 'faster than wasm', 'faster than cpu'],
      rows.map((r) => [r.name, fixed(r.simdnn, 3), cell(r.tfjsWasm), cell(r.tfjsCpu), speedup(r.tfjsWasm, r.simdnn), speedup(r.tfjsCpu, r.simdnn)])),
  ].join('\n');
}
