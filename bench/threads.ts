// Threads and relaxed SIMD, each figure beside its one-thread peer measured in the same run:
// square GEMMs at 1 thread, every thread and relaxed (a child Node with
// --experimental-wasm-relaxed-simd, which Node 20 needs); an MLP and the example CNN trained
// for an epoch; MLP inference at batch 1 (latency) and 256 (throughput); the hand-off cost.
// Each figure is the best of several samples, so load from other processes costs a sample, not the row.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { gemm, gemmArgs } from '../src/core/kernels/gemm.js';
import { runParts } from '../src/core/threads/parts.js';
import { mnistCnn, mnistMlp } from './models.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

const ALL = availableParallelism();

/** Best time per call of `fn` in ms over `samples` samples of `reps` calls. */
function best(fn: () => void, reps: number, samples: number): number {
  fn();
  let min = Infinity;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    min = Math.min(min, (performance.now() - t0) / reps);
  }
  return min;
}

/** GFLOP/s of a square GEMM at `size` on the current backend. */
export function gemmGflops(size: number, samples: number): number {
  const { arena } = getBackend();
  const a = arena.allocF32(size * size), b = arena.allocF32(size * size), c = arena.allocF32(size * size);
  arena.f32.fill(0.5, a >>> 2, (a >>> 2) + 2 * size * size);
  const g = gemmArgs({ m: size, n: size, k: size, a, b, c });
  const ms = best(() => gemm(g), Math.max(1, Math.round(2e8 / size ** 3)), samples);
  for (const p of [a, b, c]) arena.release(p);
  return (2 * size ** 3) / (ms * 1e6);
}

/** The relaxed build's GFLOP/s per size, from a child Node that has the flag (null if it cannot run it). */
function relaxedGflops(sizes: number[], samples: number): (number | null)[] {
  const script = `
    import * as nn from './src/index.ts';
    import { gemmGflops } from './bench/threads.ts';
    await nn.ready({ simd: 'relaxed' });
    const info = nn.backend();
    console.log(JSON.stringify(info.simd === 'relaxed' ? ${JSON.stringify(sizes)}.map((s) => gemmGflops(s, ${samples})) : []));
  `;
  try {
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const values = JSON.parse(out.trim().split('\n').at(-1)!) as number[];
    return sizes.map((_, i) => values[i] ?? null);
  } catch {
    return sizes.map(() => null);
  }
}

/** Seconds for one epoch of `samples` random MNIST-shaped samples. */
async function epochSeconds(build: () => nn.Sequential, batchSize: number, samples: number): Promise<number> {
  const model = build();
  model.compile({ optimizer: nn.optimizers.adam(), loss: 'categoricalCrossentropy' });
  const x = nn.tensor(new Float32Array(samples * 784).map((_, i) => (i * 7919 % 255) / 255), [samples, 784]);
  const y = nn.data.toCategorical(new Uint8Array(samples).map((_, i) => i % 10), 10);
  await model.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
  let min = Infinity;
  for (let s = 0; s < 2; s++) {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
    min = Math.min(min, (performance.now() - t0) / 1000);
  }
  model.dispose();
  return min;
}

/** ms per predict of the MLP at `batch`. */
function predictMs(model: nn.Sequential, batch: number, samples: number): number {
  const x = nn.tensor(new Float32Array(batch * 784).fill(0.3), [batch, 784]);
  return best(() => { model.predict(x); }, batch === 1 ? 200 : 10, samples);
}

/** µs per hand-off: a kernel call split in `ALL` parts that do nothing, less the same call on one thread. */
function handOffMicros(samples: number): number {
  const b = getBackend();
  const empty = gemmArgs({ m: 0, n: 0, k: 0 });
  const fill = (a: Float64Array, part: number, parts: number): void => { a.fill(0); a[16] = part; a[17] = parts; };
  const split = best(() => runParts(b, 'gemmPart', ALL, fill, empty), 2000, samples);
  const alone = best(() => runParts(b, 'gemmPart', 1, fill, empty), 2000, samples);
  return ((split - alone) * 1000) / Math.max(1, ALL - 1);
}

export async function benchThreads(options: BenchOptions, log: (line: string) => void): Promise<string> {
  const samples = options.quick ? 2 : 5;
  await nn.ready({ threads: ALL });
  const lines: string[] = [`threads: ${ALL} (${JSON.stringify(nn.backend())}); Node ${process.version}`];

  const sizes = [256, 512, 1024].filter((s) => selected(`gemm ${s}`, options.filter) && !(options.quick && s === 1024));
  const gemmRows: string[][] = [];
  const relaxed = relaxedGflops(sizes, samples);
  for (const [i, size] of sizes.entries()) {
    log(`gemm ${size}`);
    await nn.ready({ threads: 1 });
    const one = gemmGflops(size, samples);
    await nn.ready({ threads: ALL });
    const all = gemmGflops(size, samples);
    gemmRows.push([`gemm ${size}`, fixed(one), fixed(all), ratio(all, one), fixed(relaxed[i]), ratio(relaxed[i], one)]);
  }
  lines.push('', formatTable(['GFLOP/s', '1 thread', `${ALL} threads`, 'speed-up', '1t relaxed', 'relaxed/plain'], gemmRows));

  const trainRows: string[][] = [];
  for (const [name, build, batch] of [['mlp epoch', mnistMlp, 128], ['cnn epoch', mnistCnn, 64]] as const) {
    if (!selected(name, options.filter)) continue;
    log(name);
    const n = options.quick ? 2048 : name === 'cnn epoch' ? 6000 : 12000;
    await nn.ready({ threads: 1 });
    const one = await epochSeconds(build, batch, n);
    await nn.ready({ threads: ALL });
    const all = await epochSeconds(build, batch, n);
    trainRows.push([`${name} (${n} samples, batch ${batch}), s`, fixed(one, 2), fixed(all, 2), ratio(one, all)]);
  }
  const mlp = mnistMlp();
  for (const batch of [1, 256]) {
    const name = `mlp predict batch ${batch}, ms`;
    if (!selected(name, options.filter)) continue;
    log(name);
    await nn.ready({ threads: 1 });
    const one = predictMs(mlp, batch, samples);
    await nn.ready({ threads: ALL });
    const all = predictMs(mlp, batch, samples);
    trainRows.push([name, fixed(one, 3), fixed(all, 3), ratio(one, all)]);
  }
  lines.push('', formatTable(['model', '1 thread', `${ALL} threads`, 'speed-up'], trainRows));

  if (ALL > 1) lines.push('', `hand-off: ${fixed(handOffMicros(samples), 1)} µs per job (post + wake + join of an empty part)`);
  await nn.ready({ threads: 1 });
  return lines.join('\n');
}
