// simdnn beside its inference peers, TensorFlow.js (wasm backend) and ONNX Runtime Web, with the
// same weights in all three; and the timing helpers the inference and threads sections share.
// No Node imports: the threads section bundles this for a Web Worker in Chromium too.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/core.js';
import { layersToOnnx } from '../src/onnx/from-layers.js';

export const INFERENCE_LIBS = ['simdnn', 'tfjs-wasm', 'ort-web'] as const;
export type InferenceLib = (typeof INFERENCE_LIBS)[number];

/** One network in each library with the same weights. */
export interface PeerModels {
  simdnn: nn.LayersModel;
  artifacts: nn.io.ModelArtifacts;
  tfjs: tf.LayersModel;
  ort: ort.InferenceSession;
}

/** TF.js loads simdnn's saved artifacts, ORT the ONNX graph written from the same artifacts. */
export async function peerModels(simdnn: nn.LayersModel): Promise<PeerModels> {
  const artifacts = nn.io.modelToArtifacts(simdnn);
  const tfjs = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
  const session = await ort.InferenceSession.create(layersToOnnx(artifacts), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return { simdnn, artifacts, tfjs, ort: session };
}

export async function disposePeerModels(m: PeerModels): Promise<void> {
  m.simdnn.dispose();
  m.tfjs.dispose();
  await m.ort.release();
}

/** One predict through a library's public API: input from a Float32Array in, output read back. */
export function runner(lib: InferenceLib, s: PeerModels, x: nn.Tensor): { run: () => unknown; result: () => Promise<Float32Array> } {
  const n = x.shape[0];
  const features = x.shape.slice(1);
  if (lib === 'simdnn') {
    const run = () => (s.simdnn.predict(x, { batchSize: n }) as nn.Tensor).data;
    return { run, result: async () => run() };
  }
  if (lib === 'tfjs-wasm') {
    const run = () => {
      const input = tf.tensor(x.data, [n, ...features]);
      const output = s.tfjs.predict(input, { batchSize: n }) as tf.Tensor;
      const values = output.dataSync() as Float32Array;
      input.dispose();
      output.dispose();
      return values;
    };
    return { run, result: async () => run() };
  }
  const run = async () => (await s.ort.run({ input: new ort.Tensor('float32', x.data, [n, ...features]) })).output.data as Float32Array;
  return { run, result: run };
}

/** Largest |a - b| / max(1, |b|), or Infinity when the lengths differ. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/** Each library's largest difference from simdnn on `x`; throws above `tolerance` (the timings would compare different computations). */
export async function checkAgreement(s: PeerModels, x: nn.Tensor, what: string, tolerance = 1e-5): Promise<Record<InferenceLib, number>> {
  const reference = (s.simdnn.predict(x, { batchSize: x.shape[0] }) as nn.Tensor).data;
  const diffs = {} as Record<InferenceLib, number>;
  for (const lib of INFERENCE_LIBS) {
    diffs[lib] = maxRelDiff(await runner(lib, s, x).result(), reference);
    if (!(diffs[lib] <= tolerance)) throw new Error(`${lib} and simdnn disagree on the ${what} (max diff ${diffs[lib]})`);
  }
  return diffs;
}

/**
 * µs per call of `run` (sync or async): warm up (JIT tier-up, weight packing, first-call
 * allocations), then sample for `budgetMs`, each sample timing back-to-back calls for at least
 * `minSampleUs` (one call when 0; a coarse timer, such as a browser's 5 µs, needs more). Median
 * and p95 of the samples.
 */
export async function latency(run: () => unknown, budgetMs: number, minSampleUs = 0): Promise<{ median: number; p95: number }> {
  const warmUntil = performance.now() + Math.min(100, budgetMs / 3);
  let warm = 0;
  while (warm < 20 || performance.now() < warmUntil) {
    const r = run();
    if (r instanceof Promise) await r;
    warm++;
  }
  const calls = minSampleUs > 0 ? Math.max(1, Math.ceil(minSampleUs / (await meanMicros(run, 20)))) : 1;
  const samples: number[] = [];
  const until = performance.now() + budgetMs;
  while (samples.length < 10 || (performance.now() < until && samples.length < 50_000)) {
    const start = performance.now();
    for (let c = 0; c < calls; c++) {
      const r = run();
      if (r instanceof Promise) await r;
    }
    samples.push(((performance.now() - start) * 1000) / calls);
  }
  samples.sort((a, b) => a - b);
  return { median: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
}

/** Mean µs per call over `calls` back-to-back calls, warm. */
async function meanMicros(run: () => unknown, calls: number): Promise<number> {
  const start = performance.now();
  for (let c = 0; c < calls; c++) {
    const r = run();
    if (r instanceof Promise) await r;
  }
  return Math.max(0.01, ((performance.now() - start) * 1000) / calls);
}

export function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}
