// Depthwise convolution throughput (direct NHWC over channels, no im2col) at MobileNet-like
// shapes, beside the plain GEMM of the pointwise 1x1 convolution that follows it in a MobileNet
// block (M = batch·outH·outW, N = K = channels), measured in the same run.
import Benchmark from 'benchmark';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { type BenchOptions, fixed, formatTable, selected } from './table.js';

interface DepthwiseCase {
  name: string;
  batch: number;
  input: [number, number, number];
  strides: number;
  multiplier: number;
}

const CASES: DepthwiseCase[] = [
  { name: 'mobilenet 112x112x32 s1', batch: 4, input: [112, 112, 32], strides: 1, multiplier: 1 },
  { name: 'mobilenet 56x56x128 s1', batch: 4, input: [56, 56, 128], strides: 1, multiplier: 1 },
  { name: 'mobilenet 28x28x256 s2', batch: 4, input: [28, 28, 256], strides: 2, multiplier: 1 },
  { name: 'mobilenet 14x14x512 s1', batch: 8, input: [14, 14, 512], strides: 1, multiplier: 1 },
  { name: 'odd 28x28x27 s1 x2', batch: 8, input: [28, 28, 27], strides: 1, multiplier: 2 },
];

export interface DepthwiseRow {
  name: string;
  m: number;
  channels: number;
  forward: number;
  backward: number;
  gemm: number;
}

function best(run: () => void, quick: boolean): number {
  for (let i = 0; i < 3; i++) run();
  const bench = new Benchmark('depthwise', run, { minSamples: quick ? 3 : 8, maxTime: quick ? 0.2 : 0.6 });
  bench.run();
  if (bench.error) throw bench.error;
  return Math.min(...bench.stats.sample);
}

/** GFLOP/s of a 3x3 'same' depthwise forward and backward, and of the pointwise GEMM after it. */
export async function benchDepthwise(options: BenchOptions, log: (line: string) => void = () => {}): Promise<DepthwiseRow[]> {
  await nn.ready();
  const { arena, kernels, gemmScratch } = getBackend();
  const rows: DepthwiseRow[] = [];
  for (const c of CASES.filter((cc) => selected(cc.name, options.filter))) {
    nn.setSeed(1);
    const layer = nn.layers.depthwiseConv2d({ kernelSize: 3, strides: c.strides, depthMultiplier: c.multiplier, padding: 'same' });
    layer.build([[...c.input]]);
    const inSize = c.batch * c.input[0] * c.input[1] * c.input[2];
    const outSize = c.batch * layer.outputSize;
    const [x, y, dy, dx] = [inSize, outSize, outSize, inSize].map((n) => arena.allocF32(n));
    const call = standaloneCall(layer, c.batch, { inputs: [x], output: y, gradOutput: dy, gradInputs: [dx] });
    for (let i = 0; i < inSize; i++) arena.f32[(x >>> 2) + i] = Math.sin(i);
    for (let i = 0; i < outSize; i++) arena.f32[(dy >>> 2) + i] = Math.cos(i);
    const [outH, outW, channels] = layer.outputShape;
    const m = c.batch * outH * outW;
    const flop = 2 * m * channels * 9; // interior taps; the border's padded taps are counted too
    const forward = flop / best(() => layer.forward(c.batch, call, true), options.quick) / 1e9;
    // Backward = kernel and input gradients, each the forward's multiply-adds, plus the bias sum.
    const backward = (2 * flop) / best(() => layer.backward(c.batch, call), options.quick) / 1e9;
    const a = arena.allocF32(m * channels), w = arena.allocF32(channels * channels), out = arena.allocF32(m * channels);
    const gemmFlop = 2 * m * channels * channels;
    const gemm = gemmFlop / best(() => kernels.gemm(0, 0, m, channels, channels, a, channels, w, channels, out, channels, 0, 0, 0, 0, gemmScratch), options.quick) / 1e9;
    call.release();
    for (const p of [x, y, dy, dx, a, w, out]) arena.release(p);
    layer.dispose();
    rows.push({ name: c.name, m, channels, forward, backward, gemm });
    log(`depthwise ${c.name}: forward ${forward.toFixed(1)}, backward ${backward.toFixed(1)}, pointwise gemm ${gemm.toFixed(1)} GFLOP/s`);
  }
  return rows;
}

export function formatDepthwise(rows: DepthwiseRow[]): string {
  return [
    "DepthwiseConv2D 3x3 same, simdnn, GFLOP/s (forward 2·M·C·9, backward twice that, best sample); GEMM = the pointwise 1x1 after it, M x C x C.",
    formatTable(['depthwiseConv2d', 'M x C', 'forward', 'backward', 'pointwise GEMM'],
      rows.map((r) => [r.name, `${r.m} x ${r.channels}`, fixed(r.forward), fixed(r.backward), fixed(r.gemm)])),
  ].join('\n');
}
