// Imported ONNX models, one thread, the same ONNX bytes for every library in one run:
//   simdnn      loadOnnx(bytes) → model.predict (NCHW in, NHWC inside)
//   ort-web     onnxruntime-web's wasm EP on the same bytes
//   tfjs-wasm   the same architecture in TF.js's layers: simdnn's import saved in the TF.js
//               format and read by tf.loadLayersModel (so TF.js runs its own Conv2D,
//               DepthwiseConv2D, Dense ... with the same weights)
// Rows: MobileNetV2 and ResNet-18 at 224x224, batch 1 (median latency); the MNIST CNN made by
// PyTorch (tests/fixtures/onnx) at batch 1 and 256; cold start from the model's bytes in memory
// to the first prediction, in a fresh Node process per library (bench/cold-start/onnx-*.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/index.js';
import { withSaveHandler } from '../src/io/handlers.js';
import { loadOnnx } from '../src/onnx/index.js';
import { benchModelFile, loadBenchModel } from './onnx-graphs.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
/** simdnn at most this fraction of ONNX Runtime Web's MobileNetV2 latency (the target). */
const TARGET_VS_ORT = 0.8;

interface Case { name: string; bytes: () => Uint8Array; shape: number[]; source: string }

const CASES: Case[] = [
  { name: 'mobilenetv2 224 b1', bytes: () => loadBenchModel('mobilenetv2'), shape: [1, 3, 224, 224], source: benchModelFile('mobilenetv2') ?? 'bench/onnx-graphs.ts' },
  { name: 'resnet18 224 b1', bytes: () => loadBenchModel('resnet18'), shape: [1, 3, 224, 224], source: benchModelFile('resnet18') ?? 'bench/onnx-graphs.ts' },
  { name: 'mnist cnn b1', bytes: () => mnistCnnBytes(), shape: [1, 1, 28, 28], source: 'tests/fixtures/onnx/mnist_cnn_ts_op13.onnx (torch.onnx.export)' },
  { name: 'mnist cnn b256', bytes: () => mnistCnnBytes(), shape: [256, 1, 28, 28], source: 'tests/fixtures/onnx/mnist_cnn_ts_op13.onnx (torch.onnx.export)' },
];

function mnistCnnBytes(): Uint8Array {
  return new Uint8Array(readFileSync(join(here, '..', 'tests', 'fixtures', 'onnx', 'mnist_cnn_ts_op13.onnx')));
}

export interface OnnxRow {
  name: string;
  /** Median ms per call. */
  simdnn: number;
  ort: number | null;
  tfjs: number | null;
  /** Largest |simdnn − ort| / max(1, |ort|) over the outputs. */
  agreement: number | null;
}

export interface ColdRow { name: string; simdnn: number; ort: number }

export interface OnnxReport { rows: OnnxRow[]; cold: ColdRow[]; notes: string[] }

/** Median of `runs` timings of `fn` after `warmup` calls. */
async function median(fn: () => unknown, runs: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function input(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
}

type LayerJSON = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][][] };

/**
 * TF.js has no explicit [[top, bottom], [left, right]] padding: each such layer gets a
 * ZeroPadding2D before it and 'valid' padding, as Keras users write it. (For MaxPooling2D that
 * pads with zeros rather than −∞, the same here: ResNet's pool follows a ReLU.)
 */
function withZeroPadding(topology: { config: { layers: LayerJSON[] } }): void {
  const out: LayerJSON[] = [];
  for (const layer of topology.config.layers) {
    const padding = layer.config.padding;
    if (Array.isArray(padding)) {
      const pad: LayerJSON = { name: `${layer.name}_pad`, class_name: 'ZeroPadding2D',
        config: { name: `${layer.name}_pad`, trainable: false, padding, data_format: 'channels_last' }, inbound_nodes: layer.inbound_nodes };
      out.push(pad);
      layer.config.padding = 'valid';
      layer.inbound_nodes = [[[pad.name, 0, 0, {}]]];
    }
    out.push(layer);
  }
  topology.config.layers = out;
}

/** The simdnn model as TF.js Layers: saved by simdnn, loaded by TF.js, run on its wasm backend. */
async function tfjsModel(model: nn.LayersModel, notes: string[], name: string): Promise<tf.LayersModel | null> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(withSaveHandler((a) => { artifacts = a as unknown as tf.io.ModelArtifacts; }));
  withZeroPadding(artifacts!.modelTopology as unknown as { config: { layers: LayerJSON[] } });
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  } catch (e) {
    notes.push(`${name}: TF.js could not load simdnn's TF.js-format save of the import: ${(e as Error).message}`);
    return null;
  }
}

export async function benchOnnx(options: BenchOptions, log: (line: string) => void = () => {}): Promise<OnnxReport> {
  await nn.ready();
  setThreadsCount(1);
  const warn = console.warn;
  console.warn = () => {};
  try { await tf.setBackend('wasm'); } finally { console.warn = warn; }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const notes: string[] = [];
  const rows: OnnxRow[] = [];
  const runs = options.quick ? 5 : 25;
  for (const c of CASES.filter((cc) => selected(cc.name, options.filter))) {
    const bytes = c.bytes();
    notes.push(`${c.name}: ${(bytes.length / 1e6).toFixed(1)} MB from ${c.source}`);
    const x = input(c.shape);
    const model = await loadOnnx(bytes);
    const xs = new nn.Tensor(x, c.shape);
    const batch = c.shape[0];
    const simdnn = await median(() => model.predict(xs, { batchSize: batch }), runs);
    log(`${c.name}: simdnn ${simdnn.toFixed(2)} ms`);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, c.shape) };
    const ortMs = await median(() => session.run(feeds), runs);
    const ortOut = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;
    const ours = (model.predict(xs, { batchSize: batch }) as nn.Tensor).data;
    let agreement = 0;
    for (let i = 0; i < ortOut.length; i++) agreement = Math.max(agreement, Math.abs(ours[i] - ortOut[i]) / Math.max(1, Math.abs(ortOut[i])));
    await session.release();
    log(`${c.name}: ort-web ${ortMs.toFixed(2)} ms`);
    const tfModel = await tfjsModel(model, notes, c.name);
    let tfMs: number | null = null;
    if (tfModel) {
      const tx = tf.tensor(x, c.shape);
      tfMs = await median(() => { const y = tfModel.predict(tx) as tf.Tensor; y.dataSync(); y.dispose(); }, runs);
      tx.dispose();
      tfModel.dispose();
      log(`${c.name}: tfjs-wasm ${tfMs.toFixed(2)} ms`);
    }
    model.dispose();
    rows.push({ name: c.name, simdnn, ort: ortMs, tfjs: tfMs, agreement });
  }
  const cold = selected('cold', options.filter) || options.filter.length === 0 ? coldStarts(options.quick ? 3 : 7, log) : [];
  return { rows, cold, notes };
}

/** Fresh `node` processes: wall time from the script's start to the first prediction, median. */
function coldStarts(runs: number, log: (line: string) => void): ColdRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-onnx-cold-'));
  try {
    const rows: ColdRow[] = [];
    for (const [name, bytes, shape] of [['mobilenetv2 224', loadBenchModel('mobilenetv2'), [1, 3, 224, 224]], ['mnist cnn', mnistCnnBytes(), [1, 1, 28, 28]]] as const) {
      writeFileSync(join(dir, 'model.onnx'), bytes);
      writeFileSync(join(dir, 'input.bin'), input([...shape]));
      const time = (script: string) => {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const out = execFileSync(process.execPath, [join(here, 'cold-start', script), dir, JSON.stringify(shape)], { encoding: 'utf8' });
          const marks = JSON.parse(out.trim().split('\n').pop()!).marks as Record<string, number>;
          times.push(marks.predicted - marks.main);
        }
        return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
      };
      const row = { name, simdnn: time('onnx-simdnn.mjs'), ort: time('onnx-ort-web.mjs') };
      log(`cold ${name}: simdnn ${row.simdnn.toFixed(0)} ms, ort-web ${row.ort.toFixed(0)} ms`);
      rows.push(row);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatOnnx(report: OnnxReport): string {
  const headers = ['model (ms, median, 1 thread)', 'simdnn', 'ort-web', 'tfjs-wasm', 'simdnn / ort', 'simdnn / tfjs', 'max rel. diff vs ort'];
  const rows = report.rows.map((r) => [r.name, fixed(r.simdnn, 2), fixed(r.ort, 2), fixed(r.tfjs, 2), ratio(r.simdnn, r.ort), ratio(r.simdnn, r.tfjs),
    r.agreement == null ? '-' : r.agreement.toExponential(1)]);
  const mobile = report.rows.find((r) => r.name.startsWith('mobilenetv2'));
  const target = mobile && mobile.ort ? `target: simdnn ≤ ${TARGET_VS_ORT}x ONNX Runtime Web on MobileNetV2: ${(mobile.simdnn / mobile.ort).toFixed(2)}x, ${mobile.simdnn / mobile.ort <= TARGET_VS_ORT ? 'met' : 'missed'}` : '';
  const cold = report.cold.length === 0 ? '' : `\n\ncold start, bytes in memory → first prediction, fresh node process (median):\n${formatTable(
    ['model', 'simdnn ms', 'ort-web ms', 'simdnn / ort'], report.cold.map((c) => [c.name, fixed(c.simdnn, 0), fixed(c.ort, 0), ratio(c.simdnn, c.ort)]))}`;
  return `${formatTable(headers, rows)}\n${target}${cold}\n${report.notes.join('\n')}`;
}
