// Convolution throughput (im2col + GEMM forward; weight and input gradients through GEMM +
// col2im backward) at the example CNN's shapes and a VGG-like layer, as a fraction of the plain
// GEMM of the same M x N x K measured in the same run: what the column copies cost.
import Benchmark from 'benchmark';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { type BenchOptions, fixed, formatTable, selected } from './table.js';

interface ConvCase {
  name: string;
  batch: number;
  input: [number, number, number];
  filters: number;
  kernel: number;
}

const CASES: ConvCase[] = [
  { name: 'cnn conv1 28x28x1->8', batch: 64, input: [28, 28, 1], filters: 8, kernel: 3 },
  { name: 'cnn conv2 14x14x8->16', batch: 64, input: [14, 14, 8], filters: 16, kernel: 3 },
  { name: 'vgg 56x56x64->64', batch: 4, input: [56, 56, 64], filters: 64, kernel: 3 },
];

export interface ConvRow {
  name: string;
  m: number;
  n: number;
  k: number;
  forward: number;
  backward: number;
  gemm: number;
}

function best(run: () => void, quick: boolean): number {
  for (let i = 0; i < 3; i++) run();
  const bench = new Benchmark('conv', run, { minSamples: quick ? 3 : 8, maxTime: quick ? 0.2 : 0.6 });
  bench.run();
  if (bench.error) throw bench.error;
  return Math.min(...bench.stats.sample);
}

/** GFLOP/s of forward, backward and the equivalent GEMM for each selected case. */
export async function benchConv(options: BenchOptions, log: (line: string) => void = () => {}): Promise<ConvRow[]> {
  await nn.ready();
  const { arena, kernels, gemmScratch } = getBackend();
  const rows: ConvRow[] = [];
  for (const c of CASES.filter((cc) => selected(cc.name, options.filter))) {
    nn.setSeed(1);
    const layer = nn.layers.conv2d({ filters: c.filters, kernelSize: c.kernel, padding: 'same' });
    layer.build([[...c.input]]);
    const inSize = c.batch * c.input[0] * c.input[1] * c.input[2];
    const outSize = c.batch * layer.outputSize;
    const [x, y, dy, dx] = [inSize, outSize, outSize, inSize].map((n) => arena.allocF32(n));
    const call = standaloneCall(layer, c.batch, { inputs: [x], output: y, gradOutput: dy, gradInputs: [dx] });
    for (let i = 0; i < inSize; i++) arena.f32[(x >>> 2) + i] = Math.sin(i);
    for (let i = 0; i < outSize; i++) arena.f32[(dy >>> 2) + i] = Math.cos(i);
    const m = c.batch * c.input[0] * c.input[1], n = c.filters, k = c.kernel * c.kernel * c.input[2];
    const flop = 2 * m * n * k;
    const forward = flop / best(() => layer.forward(c.batch, call, true), options.quick) / 1e9;
    // Backward = two GEMMs of the same size (weight and input gradients) plus col2im.
    const backward = (2 * flop) / best(() => layer.backward(c.batch, call), options.quick) / 1e9;
    const a = arena.allocF32(m * k), w = arena.allocF32(k * n);
    const gemm = flop / best(() => kernels.gemm(0, 0, m, n, k, a, k, w, n, y, n, 0, 0, 0, 0, gemmScratch), options.quick) / 1e9;
    call.release();
    for (const p of [x, y, dy, dx, a, w]) arena.release(p);
    layer.dispose();
    rows.push({ name: c.name, m, n, k, forward, backward, gemm });
    log(`conv ${c.name}: forward ${forward.toFixed(1)}, backward ${backward.toFixed(1)}, gemm ${gemm.toFixed(1)} GFLOP/s`);
  }
  return rows;
}

export function formatConv(rows: ConvRow[]): string {
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
  return [
    'Conv2D 3x3 same, simdnn, GFLOP/s (forward 2MNK, backward 4MNK per call, best sample); "of GEMM" = conv / plain GEMM of the same M x N x K.',
    formatTable(['conv2d', 'batch M x N x K', 'forward', 'backward', 'GEMM', 'fwd of GEMM', 'bwd of GEMM'],
      rows.map((r) => [r.name, `${r.m} x ${r.n} x ${r.k}`, fixed(r.forward), fixed(r.backward), fixed(r.gemm), pct(r.forward, r.gemm), pct(r.backward, r.gemm)])),
  ].join('\n');
}
