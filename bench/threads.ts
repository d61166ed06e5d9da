// Threads and relaxed SIMD, each figure beside its one-thread peer measured in the same run:
// square GEMMs at 1 thread, every thread and relaxed (a child Node with
// --experimental-wasm-relaxed-simd, which Node 20 needs); the hand-off cost; then simdnn beside
// TF.js wasm and ORT web at the same thread count (MLP and CNN epochs, MLP batch-1 latency and
// batch-256 throughput), in Node (a child process per count) and in headless Chromium (a Web
// Worker per count; --no-browser skips it). GEMM figures are the best of several samples and the
// peers' latency and throughput the best round's median, so load from other processes costs a
// sample, not the row.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { gemm, gemmArgs } from '../src/core/kernels/gemm.js';
import { runParts } from '../src/core/threads/parts.js';
import { maddCeiling } from './ceiling.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';
import { chromiumPeerRuns } from './threads-browser/runner.js';
import { formatPeerTable } from './threads-peers-table.js';
import { PEER_FIGURES, type PeerRun } from './threads-peers.js';

const ALL = availableParallelism();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** 1 and every thread: the counts each peer table compares. */
const COUNTS = [...new Set([1, ALL])];

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

/** simdnn, TF.js wasm and ORT web at `threads`, in a child Node: TF.js and ORT fix their thread count once per process. */
function nodePeerRun(threads: number, options: BenchOptions): PeerRun {
  const request = JSON.stringify({ threads, quick: options.quick, filter: options.filter });
  const deadline = options.quick ? 180_000 : 420_000;
  let out: string;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/threads-peers-child.ts', request], {
      cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20, timeout: deadline, killSignal: 'SIGKILL',
    });
  } catch (error) {
    const { signal, status } = error as { signal?: string | null; status?: number | null };
    throw new Error(signal === 'SIGKILL'
      ? `the child Node at ${threads} thread(s) passed its ${deadline / 1000} s deadline and was killed`
      : `the child Node at ${threads} thread(s) exited with ${status ?? signal}: its stderr is above`);
  }
  // The last line: TF.js prints its advice about tfjs-node to stdout first.
  return JSON.parse(out.trim().split('\n').at(-1)!) as PeerRun;
}

/** What every peer table says about its figures. */
function peerHeading(where: string, versions: PeerRun['versions'], quick: boolean): string[] {
  return [
    `simdnn beside tfjs ${versions.tfjs} (wasm backend, setThreadsCount) and onnxruntime-web ${versions.ort} (wasm EP, numThreads) at the same thread count, ${where}; ` +
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${ALL} cores shared with other processes.`,
    `Epochs: best of ${quick ? 1 : 3} after a warm-up epoch, on deterministic MNIST-shaped data. Latency: median over samples of back-to-back batch-1 predicts (>= 0.5 ms each); ` +
      `throughput: median predict at batch 256 (batchSize 256); best of ${quick ? 1 : 3} round(s). "vs": how many times faster simdnn is (>1x: simdnn faster).`,
  ];
}

/** The Node table, from one child per thread count; a failed child is reported, not thrown. */
function nodePeerTable(options: BenchOptions, log: (line: string) => void): string {
  try {
    const runs = COUNTS.map((threads) => {
      log(`peers in Node at ${threads} thread(s) (child process)`);
      return nodePeerRun(threads, options);
    });
    return formatPeerTable(peerHeading(`Node ${process.version}, one process per count`, runs[0].versions, options.quick), runs);
  } catch (error) {
    return `Node peer table not measured: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** The Chromium table, or why there is none: Chromium missing or a step failed (never thrown). */
async function chromiumPeerTable(options: BenchOptions, log: (line: string) => void): Promise<string> {
  if (!options.browser) return 'Chromium peer table skipped (--no-browser).';
  try {
    const { chromium, cores, runs } = await chromiumPeerRuns(options, log);
    return formatPeerTable(peerHeading(`headless Chromium ${chromium} (hardwareConcurrency ${cores}), a module Web Worker per count in a crossOriginIsolated page`, runs[0].versions, options.quick), runs);
  } catch (error) {
    return `Chromium peer table not measured: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** A GEMM with nothing to do: its parts time the hand-off alone. */
const EMPTY = gemmArgs({ m: 0, n: 0, k: 0 });
function fillEmpty(a: Float64Array, part: number, parts: number): void {
  a.fill(0);
  a[16] = part;
  a[17] = parts;
}

/** µs per hand-off: a kernel call split in `ALL` parts that do nothing, less the same call on one thread. */
function handOffMicros(samples: number): number {
  const b = getBackend();
  const split = best(() => runParts(b, 'gemmPart', ALL, fillEmpty, EMPTY), 2000, samples);
  const alone = best(() => runParts(b, 'gemmPart', 1, fillEmpty, EMPTY), 2000, samples);
  return ((split - alone) * 1000) / Math.max(1, ALL - 1);
}

/** Median µs of one split empty call after the pool has been idle for 2 ms (workers asleep: the wake is in it). */
function coldHandOffMicros(): number {
  const b = getBackend();
  const idle = new Int32Array(new SharedArrayBuffer(4));
  const times: number[] = [];
  for (let i = 0; i < 51; i++) {
    Atomics.wait(idle, 0, 0, 2);
    const t0 = performance.now();
    runParts(b, 'gemmPart', ALL, fillEmpty, EMPTY);
    times.push((performance.now() - t0) * 1000);
  }
  return times.sort((x, y) => x - y)[25];
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
  const ceiling = maddCeiling();
  const largest = gemmRows.at(-1);
  lines.push(ceiling.gflops === null
    ? `fused multiply-add ceiling, one thread: not measured (${ceiling.why})`
    : `fused multiply-add ceiling, one thread: ${fixed(ceiling.gflops)} GFLOP/s (ten independent f32x4.relaxed_madd chains, operands in registers: the most` +
      ` this core issues${largest ? `; ${largest[0]} on 1 thread relaxed reaches ${ratio(Number(largest[4]), ceiling.gflops)} of it` : ''})`);

  if (ALL > 1) {
    lines.push('', `hand-off: ${fixed(handOffMicros(samples), 1)} µs per job back to back (post + join of an empty part, the workers polling);` +
      ` ${fixed(coldHandOffMicros(), 1)} µs for the first job after 2 ms idle (median of 51; the workers sleep after 200 µs without work)`);
  }
  await nn.ready({ threads: 1 });

  if (PEER_FIGURES.some((figure) => selected(figure, options.filter))) {
    lines.push('', nodePeerTable(options, log), '', await chromiumPeerTable(options, log));
  }
  return lines.join('\n');
}
