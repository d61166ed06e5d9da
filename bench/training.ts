// Training time per epoch on the built-in MNIST split: the 784-128-10 MLP (SGD, batch 128) beside
// TensorFlow.js wasm, and the example CNN (Adam, batch 64) beside TensorFlow.js cpu — its wasm
// backend cannot train a convolution, which the table reports instead of dropping the row.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as nn from '../src/index.js';
import { simdnnEpoch, tfjsEpoch } from './epochs.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

export interface EpochRow {
  name: string;
  samples: number;
  simdnn: number;
  tfjsWasm: number | string | null;
  tfjsCpu: number | string | null;
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
