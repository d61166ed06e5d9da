// The threads section's peer comparison at one thread count: simdnn, TensorFlow.js wasm and ONNX
// Runtime Web, each asked for the same count, measured in one fresh process or Web Worker per count
// (TF.js and ORT fix theirs when their wasm starts): MLP and CNN epochs, MLP batch-1 latency and
// batch-256 throughput. No Node imports: a child Node runs this, and so does a Chromium worker.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/core.js';
import { type Build, simdnnEpoch, tfjsEpoch } from './epochs.js';
import { mnistMlp } from './models.js';
import { checkAgreement, disposePeerModels, INFERENCE_LIBS, type InferenceLib, latency, peerModels, runner } from './peers.js';
import { selected } from './table.js';

export const PEER_FIGURES = ['mlp epoch', 'cnn epoch', 'mlp batch-1 latency', 'mlp batch-256 throughput'] as const;
export type PeerFigure = (typeof PEER_FIGURES)[number];
/** A measurement (s per epoch, µs per call, k samples/s), or why there is none. */
export type Cell = number | string;

export interface PeerOptions {
  threads: number;
  quick: boolean;
  filter: string[];
  /** URL folders holding each library's .wasm files, where a bundle cannot find them (browser). */
  wasmPaths?: { tfjs: string; ort: string };
}

export interface PeerRun {
  threads: number;
  /** Threads each library runs, as it reports them (ORT: env.wasm.numThreads once its wasm started). */
  granted: Record<InferenceLib, number>;
  /** TF.js's own verdict: whether it loaded its threaded wasm build. */
  tfjsMultithread: boolean;
  figures: Partial<Record<PeerFigure, Record<InferenceLib, Cell>>>;
  /** Largest output difference from simdnn's on the inference batch (checked <= 1e-5 before timing). */
  agreement: Record<InferenceLib, number>;
  versions: { tfjs: string; ort: string };
  samples: Record<Build, number>;
  /** What the host did to get here, for the table's notes. */
  notes: string[];
}

const BATCH = 256;
/** Batch-1 samples time back-to-back calls for at least this long: a browser's timer ticks in 5 µs steps. */
const MIN_SAMPLE_US = 500;

/** Every figure with every library at `o.threads` threads; progress lines go to `log`. */
export async function measurePeers(o: PeerOptions, log: (line: string) => void): Promise<PeerRun> {
  const { missing, tfjsMultithread } = await startLibraries(o);
  // The first ORT session starts ORT's wasm: only then does env.wasm.numThreads say what it granted.
  nn.setSeed(101);
  const models = await peerModels(mnistMlp());
  const granted: Record<InferenceLib, number> = { simdnn: nn.backend().threads, 'tfjs-wasm': getThreadsCount(), 'ort-web': ort.env.wasm.numThreads ?? 1 };
  if (granted['ort-web'] !== o.threads) missing['ort-web'] = `onnxruntime-web fell back to ${granted['ort-web']} thread(s)`;
  const runs = (lib: InferenceLib) => missing[lib] === undefined;
  const samples = { mlp: o.quick ? 2048 : 6144, cnn: o.quick ? 1024 : 3072 };
  const figures: PeerRun['figures'] = {};
  const tag = `${o.threads}t`;

  for (const kind of ['mlp', 'cnn'] as const) {
    const name = `${kind} epoch` as const;
    if (!selected(name, o.filter)) continue;
    const { x, y } = syntheticDigits(samples[kind]);
    const epochs = o.quick ? 1 : 3;
    const cells = {
      simdnn: runs('simdnn') ? await simdnnEpoch(kind, x, y, epochs) : missing.simdnn!,
      'tfjs-wasm': runs('tfjs-wasm') ? await tfjsEpoch(kind, 'wasm', x, y, epochs, samples[kind]) : missing['tfjs-wasm']!,
      'ort-web': 'onnxruntime-web only runs inference (no training API)',
    };
    figures[name] = cells;
    log(`${tag} ${name}: ${INFERENCE_LIBS.map((lib) => `${lib} ${show(cells[lib], 3)}`).join(', ')}`);
  }

  const xOne = syntheticDigits(1).x, xBatch = syntheticDigits(BATCH).x;
  const agreement = await checkAgreement(models, xBatch, 'MLP');
  const latencyName = 'mlp batch-1 latency', throughputName = 'mlp batch-256 throughput';
  const wantLatency = selected(latencyName, o.filter), wantThroughput = selected(throughputName, o.filter);
  const best = { latency: {} as Record<InferenceLib, number>, throughput: {} as Record<InferenceLib, number> };
  const rounds = o.quick ? 1 : 3;
  for (let round = 0; round < rounds && (wantLatency || wantThroughput); round++) {
    for (const lib of INFERENCE_LIBS.filter(runs)) {
      // Keep the best round: a burst of load from other processes costs a round, not the row.
      if (wantLatency) {
        const one = await latency(runner(lib, models, xOne).run, o.quick ? 150 : 400, MIN_SAMPLE_US);
        best.latency[lib] = Math.min(best.latency[lib] ?? Infinity, one.median);
      }
      if (wantThroughput) {
        const batch = await latency(runner(lib, models, xBatch).run, o.quick ? 200 : 600);
        best.throughput[lib] = Math.max(best.throughput[lib] ?? 0, (BATCH / batch.median) * 1e3);
      }
    }
    log(`${tag} mlp inference round ${round + 1}/${rounds}: ${INFERENCE_LIBS.filter(runs).map((lib) =>
      `${lib} ${show(best.latency[lib], 1)} µs, ${show(best.throughput[lib], 0)}k samples/s`).join('; ')}`);
  }
  const cellsOf = (values: Record<InferenceLib, number>) =>
    Object.fromEntries(INFERENCE_LIBS.map((lib) => [lib, runs(lib) ? values[lib] : missing[lib]!])) as Record<InferenceLib, Cell>;
  if (wantLatency) figures[latencyName] = cellsOf(best.latency);
  if (wantThroughput) figures[throughputName] = cellsOf(best.throughput);
  await disposePeerModels(models);

  return { threads: o.threads, granted, tfjsMultithread, figures, agreement, versions: { tfjs: tf.version.tfjs, ort: ort.env.versions.web ?? '?' }, samples, notes: [] };
}

/**
 * Starts each library at `o.threads` (simdnn first: this must be the process's first ready call
 * for the threaded build) and says, per library, why it cannot run that many threads.
 */
async function startLibraries(o: PeerOptions): Promise<{ missing: Partial<Record<InferenceLib, string>>; tfjsMultithread: boolean }> {
  const missing: Partial<Record<InferenceLib, string>> = {};
  await nn.ready({ threads: o.threads });
  const simdnn = nn.backend();
  if (simdnn.threads !== o.threads) missing.simdnn = `simdnn runs ${simdnn.threads} thread(s): ${simdnn.why}`;

  if (o.wasmPaths) {
    setWasmPaths(o.wasmPaths.tfjs);
    ort.env.wasm.wasmPaths = o.wasmPaths.ort;
  }
  setThreadsCount(o.threads); // before the wasm backend initialises, which fixes the count
  const warn = console.warn;
  console.warn = () => {}; // TF.js's "Hi there" advice about tfjs-node
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  } finally {
    console.warn = warn;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  if (!simd) throw new Error('tfjs-wasm would run its non-SIMD binary here: the comparison would be unfair');
  if (getThreadsCount() !== o.threads) {
    const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    missing['tfjs-wasm'] = `tfjs-wasm runs ${getThreadsCount()} thread(s) here (WASM_HAS_MULTITHREAD_SUPPORT=${multithread}` +
      `${inNode ? ': its Node build has no threads; see the Chromium table' : ''})`;
  }
  ort.env.wasm.numThreads = o.threads; // before the first session, which fixes the count
  return { missing, tfjsMultithread: multithread === true };
}

/** Deterministic MNIST-shaped inputs in [0, 1] and one-hot labels cycling through the 10 classes. */
function syntheticDigits(samples: number): { x: nn.Tensor; y: nn.Tensor } {
  const x = nn.tensor(new Float32Array(samples * 784).map((_, i) => ((i * 7919) % 255) / 255), [samples, 784]);
  const y = nn.data.toCategorical(new Uint8Array(samples).map((_, i) => i % 10), 10);
  return { x, y };
}

function show(cell: Cell | undefined, decimals: number): string {
  return typeof cell === 'number' ? cell.toFixed(decimals) : cell ?? '-';
}
