// GEMM throughput of simdnn's wasm kernel beside TensorFlow.js (wasm/XNNPACK and cpu backends),
// measured in the same process with the `benchmark` package: square sizes and the shapes of a
// 784-128-10 MLP trained at batch 128.
import Benchmark from 'benchmark';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { getBackend, ready } from '../src/core/wasm.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

/** One GEMM problem: C[m,n] = op(A)[m,k] · op(B)[k,n]. */
export interface GemmCase {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

const plain = { transA: false, transB: false };
const square = (s: number): GemmCase => ({ name: `square ${s}`, m: s, n: s, k: s, ...plain });

/** Square sizes, then every GEMM of one training step of Dense(128, relu) -> Dense(10) on 784 inputs, batch 128. */
export const GEMM_CASES: GemmCase[] = [
  square(128), square(256), square(512), square(1024),
  { name: 'mlp fwd1 X.W1', m: 128, n: 128, k: 784, ...plain },
  { name: 'mlp fwd2 H.W2', m: 128, n: 10, k: 128, ...plain },
  { name: 'mlp dW1 X^T.dH', m: 784, n: 128, k: 128, transA: true, transB: false },
  { name: 'mlp dW2 H^T.dY', m: 128, n: 10, k: 128, transA: true, transB: false },
  { name: 'mlp dX2 dY.W2^T', m: 128, n: 128, k: 10, transA: false, transB: true },
];

export const GEMM_LIBS = ['simdnn', 'tfjs-wasm', 'tfjs-cpu'] as const;
export type GemmLib = (typeof GEMM_LIBS)[number];

/** Best GFLOP/s per library for one case (null: not measured). */
export interface GemmRow extends GemmCase {
  gflops: Record<GemmLib, number | null>;
}

export interface GemmReport {
  rows: GemmRow[];
  /** Lines describing the setup (versions, threads, SIMD). */
  notes: string[];
}

/** A case made ready on one library: `run` does one GEMM, `result` reads C back. */
interface Prepared {
  run: () => void;
  result: () => Float32Array;
  dispose: () => void;
}

/**
 * Measures every selected case on every library. Libraries take turns in rounds (two, one with
 * `quick`) and each row keeps its best sample, so a burst of load from other processes on this
 * shared machine costs a sample, not the row. Results are checked against each other once.
 */
export async function benchGemm(options: BenchOptions, log: (line: string) => void = () => {}): Promise<GemmReport> {
  const cases = GEMM_CASES.filter((c) => selected(c.name, options.filter));
  const inputs = cases.map((c) => ({ a: randomArray(c.m * c.k, 1 + c.m), b: randomArray(c.k * c.n, 2 + c.n) }));
  const rows: GemmRow[] = cases.map((c) => ({ ...c, gflops: { simdnn: null, 'tfjs-wasm': null, 'tfjs-cpu': null } }));
  const outputs = cases.map(() => new Map<GemmLib, Float32Array>());
  const notes = await initLibraries();
  const rounds = options.quick ? 1 : 2;
  for (let round = 0; round < rounds; round++) {
    for (const lib of GEMM_LIBS) {
      if (lib !== 'simdnn') await tf.setBackend(lib === 'tfjs-wasm' ? 'wasm' : 'cpu');
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        const flop = 2 * c.m * c.n * c.k;
        // tfjs-cpu needs seconds per 1024^3 product: one sample in the first round only, none when quick.
        const slow = lib === 'tfjs-cpu' && flop > 1e9;
        if (slow && (options.quick || round > 0)) continue;
        const prepared = prepare(lib, c, inputs[i].a, inputs[i].b);
        const seconds = measure(prepared.run, options.quick, slow);
        if (round === 0) outputs[i].set(lib, prepared.result());
        prepared.dispose();
        const gflops = flop / seconds / 1e9;
        rows[i].gflops[lib] = Math.max(rows[i].gflops[lib] ?? 0, gflops);
        log(`round ${round + 1}/${rounds}  ${lib.padEnd(9)}  ${c.name.padEnd(16)} ${gflops.toFixed(2)} GFLOP/s`);
      }
    }
  }
  cases.forEach((c, i) => checkAgreement(c, outputs[i]));
  return { rows, notes };
}

/** The report as a table: GFLOP/s per library and simdnn's ratio to each TensorFlow.js backend. */
export function formatGemm(report: GemmReport): string {
  const headers = ['GEMM (single thread)', 'm x n x k', 'op', 'simdnn', 'tfjs-wasm', 'tfjs-cpu', 'vs wasm', 'vs cpu'];
  const rows = report.rows.map((r) => [
    r.name,
    `${r.m} x ${r.n} x ${r.k}`,
    `${r.transA ? 'T' : 'N'}${r.transB ? 'T' : 'N'}`,
    fixed(r.gflops.simdnn),
    fixed(r.gflops['tfjs-wasm']),
    fixed(r.gflops['tfjs-cpu'], 2),
    ratio(r.gflops.simdnn, r.gflops['tfjs-wasm']),
    ratio(r.gflops.simdnn, r.gflops['tfjs-cpu']),
  ]);
  return [
    'GFLOP/s (2mnk / time, best sample; higher is better). op: N/T = op(A), op(B) transposed or not.',
    formatTable(headers, rows),
    ...report.notes,
  ].join('\n');
}

async function initLibraries(): Promise<string[]> {
  await ready();
  // One XNNPACK thread: must be set before the wasm backend initialises. In Node the backend also
  // never picks its threaded binary (WASM_HAS_MULTITHREAD_SUPPORT is false there), so it is the
  // single-threaded SIMD build; getThreadsCount() below confirms the pool size.
  setThreadsCount(1);
  await quietly(() => tf.setBackend('wasm'));
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const threads = getThreadsCount();
  if (!simd) throw new Error('tfjs-wasm would run its non-SIMD binary here: the comparison would be unfair');
  if (threads !== 1) throw new Error(`tfjs-wasm runs ${threads} threads, expected 1`);
  await quietly(() => tf.setBackend('cpu'));
  // The cpu backend greets Node users on its first tensor; let that happen here, silenced.
  quietly(() => tf.tensor([0]).dispose());
  return [
    `simdnn: one wasm instance, scratch ${(getBackend().kernels.gemmScratchBytes() / 2 ** 20).toFixed(2)} MiB; ` +
      `tfjs ${tf.version.tfjs}: wasm backend ${threaded ? 'threaded' : 'single-threaded'} SIMD binary ` +
      `(WASM_HAS_SIMD_SUPPORT=${simd}), XNNPACK threads=${threads}; cpu backend is plain JavaScript.`,
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}.`,
  ];
}

function prepare(lib: GemmLib, c: GemmCase, a: Float32Array, b: Float32Array): Prepared {
  if (lib === 'simdnn') {
    const { kernels, arena } = getBackend();
    const pa = arena.allocF32(a.length), pb = arena.allocF32(b.length), pc = arena.allocF32(c.m * c.n);
    const scratch = arena.alloc(kernels.gemmScratchBytes());
    arena.f32.set(a, pa >>> 2);
    arena.f32.set(b, pb >>> 2);
    const lda = c.transA ? c.m : c.k, ldb = c.transB ? c.k : c.n;
    const transA = +c.transA, transB = +c.transB;
    return {
      run: () => kernels.gemm(transA, transB, c.m, c.n, c.k, pa, lda, pb, ldb, pc, c.n, 0, 0, 0, 0, scratch),
      result: () => arena.f32.slice(pc >>> 2, (pc >>> 2) + c.m * c.n),
      dispose: () => [pa, pb, pc, scratch].forEach((p) => arena.release(p)),
    };
  }
  // The active tfjs backend owns these tensors; matMul runs synchronously on both backends.
  const ta = tf.tensor2d(a, c.transA ? [c.k, c.m] : [c.m, c.k]);
  const tb = tf.tensor2d(b, c.transB ? [c.n, c.k] : [c.k, c.n]);
  return {
    run: () => tf.matMul(ta, tb, c.transA, c.transB).dispose(),
    result: () => {
      const out = tf.matMul(ta, tb, c.transA, c.transB);
      const values = Float32Array.from(out.dataSync());
      out.dispose();
      return values;
    },
    dispose: () => { ta.dispose(); tb.dispose(); },
  };
}

/** Seconds per call, best sample: warm up (JIT tier-up, XNNPACK weight packing), then benchmark.js. */
function measure(run: () => void, quick: boolean, slow: boolean): number {
  const warmUntil = performance.now() + (quick ? 30 : 100);
  do run(); while (!slow && performance.now() < warmUntil);
  const bench = new Benchmark('gemm', run, slow
    ? { minSamples: 1, maxTime: 0, initCount: 1 }
    : { minSamples: quick ? 3 : 5, maxTime: quick ? 0.15 : 0.5 });
  bench.run();
  if (bench.error) throw bench.error;
  return Math.min(...bench.stats.sample);
}

/** Every library must produce the same C (float32 rounding aside), or the timings mean nothing. */
function checkAgreement(c: GemmCase, outputs: Map<GemmLib, Float32Array>): void {
  const reference = outputs.get('simdnn');
  if (!reference) return;
  for (const [lib, out] of outputs) {
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - reference[i]) / Math.max(1, Math.abs(reference[i])));
    if (!(worst < 1e-3)) throw new Error(`gemm bench: ${lib} and simdnn disagree on ${c.name} (max rel diff ${worst})`);
  }
}

/** Deterministic uniform values in [-1, 1). */
function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs fn with console.warn muted (tfjs prints install hints for tfjs-node). */
function quietly<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = () => {};
  try {
    const result = fn();
    if (result instanceof Promise) return result.finally(() => { console.warn = warn; }) as T;
    console.warn = warn;
    return result;
  } catch (error) {
    console.warn = warn;
    throw error;
  }
}
