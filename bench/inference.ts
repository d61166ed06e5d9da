// Inference beside TensorFlow.js (wasm backend) and ONNX Runtime Web (wasm backend), all on one
// thread with SIMD, for the MNIST MLP and the example CNN with the same weights everywhere:
//   batch-1 latency   µs per `predict` of one sample through each library's public API
//                     (input copied in, output read back), median and p95 of single calls;
//   batch-256 rate    samples/s of one `predict` on 256 samples;
//   cold start        ms from spawning a fresh `node` process to the first prediction printed
//                     (bench/cold-start/*.mjs), with the same model loaded from saved files.
// tfjs loads simdnn's saved artifacts (`tf.loadLayersModel`), ORT an ONNX file saveOnnx (simdnn/onnx) writes
// from the same artifacts. Outputs are checked against simdnn's before anything is timed.
// A profile of simdnn's predict (input checks, plan lookup, copies, each layer) follows the table.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { checkFinite, checkSampleShape, toBatch } from '../src/data/inputs.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { window2D } from '../src/core/geometry.js';
import type { Layer } from '../src/layers/layer.js';
import { mnistCnn, mnistMlp } from './models.js';
import { layersToOnnx } from '../src/onnx/from-layers.js';
import { checkAgreement, disposePeerModels, INFERENCE_LIBS, type InferenceLib, latency, maxRelDiff, type PeerModels, peerModels, quantile, runner } from './peers.js';
import { type BenchOptions, fixed, formatTable, ratio, selected } from './table.js';

export { INFERENCE_LIBS, type InferenceLib };
type ModelName = 'mlp' | 'cnn';

/** The issue's targets for simdnn (set for the MLP) and its measurements of the peers. */
export const TARGETS = { latencyUs: 15, samplesPerSecond: 300_000, coldStartMs: 30 };

/** One library's figures for one model (null: not measured). */
export interface Figures {
  /** µs per batch-1 predict: median and 95th percentile of single calls (best round). */
  latencyMedian: number | null;
  latencyP95: number | null;
  /** Samples per second at batch 256, from the median call of the best round. */
  throughput: number | null;
  /** Median ms from spawn to the first prediction printed. */
  coldStart: number | null;
  /** Median performance.now() marks inside the child (ms since its process started). */
  coldMarks: Record<string, number> | null;
  /** Median over runs of the child's own time from its first line to the prediction (import, init, load, predict). */
  coldInScript: number | null;
  /** Largest |y - y_simdnn| / max(1, |y_simdnn|) over a batch of 256 and one cold-start sample. */
  agreement: number | null;
}

export interface ModelReport {
  name: ModelName;
  title: string;
  figures: Record<InferenceLib, Figures>;
  /** simdnn's cold start with dist/core.js and its chunks inlined into one file by esbuild, or null. */
  coldBundled: { wall: number; marks: Record<string, number>; inScript: number } | null;
  /** simdnn's predict taken apart: [what, µs per call] at batch 1 and 256. */
  profile: { batch: number; parts: [string, number][] }[];
}

export interface InferenceReport {
  models: ModelReport[];
  /** Median ms from spawn to the first line of a Node process that does nothing. */
  nodeFloor: number | null;
  coldRuns: number;
  rounds: number;
  notes: string[];
}

interface Setup extends PeerModels {
  name: ModelName;
  title: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const BATCH = 256;

function buildModel(name: ModelName): nn.Sequential {
  nn.setSeed(name === 'mlp' ? 101 : 202);
  return name === 'mlp' ? mnistMlp() : mnistCnn();
}

const TITLES: Record<ModelName, string> = {
  mlp: 'MLP 784-128-10',
  cnn: 'CNN conv8-pool-conv16-pool-128-10',
};

/** Measures every figure; progress lines go to `log`. */
export async function benchInference(options: BenchOptions, log: (line: string) => void = () => {}): Promise<InferenceReport> {
  const names = (['mlp', 'cnn'] as const).filter((n) => selected(n, options.filter));
  if (names.length === 0) return { models: [], nodeFloor: null, coldRuns: 0, rounds: 0, notes: ['no model matches --filter (mlp, cnn)'] };
  const notes = await initLibraries();
  const { test } = nn.data.mnist();
  // Real digits as inputs: the first 256 test digits, and the first one alone.
  const xBatch = new nn.Tensor(test.x.data.slice(0, BATCH * 784), [BATCH, 784]);
  const xOne = new nn.Tensor(test.x.data.slice(0, 784), [1, 784]);
  const setups: Setup[] = [];
  for (const name of names) setups.push({ name, title: TITLES[name], ...(await peerModels(buildModel(name))) });
  const models: ModelReport[] = setups.map((s) => ({
    name: s.name, title: s.title, profile: [], coldBundled: null,
    figures: Object.fromEntries(INFERENCE_LIBS.map((lib) => [lib, emptyFigures()])) as Record<InferenceLib, Figures>,
  }));

  // Same outputs, or the timings compare different computations.
  for (let i = 0; i < setups.length; i++) {
    const diffs = await checkAgreement(setups[i], xBatch, `inference bench's ${setups[i].name}`);
    for (const lib of INFERENCE_LIBS) models[i].figures[lib].agreement = diffs[lib];
  }

  const rounds = options.quick ? 1 : 3;
  const latencyBudget = options.quick ? 150 : 600;
  const throughputBudget = options.quick ? 200 : 800;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < setups.length; i++) {
      for (const lib of INFERENCE_LIBS) {
        const f = models[i].figures[lib];
        const one = await latency(runner(lib, setups[i], xOne).run, latencyBudget);
        // Keep the round with the lowest median: a burst of load from other processes costs a round, not the row.
        if (f.latencyMedian === null || one.median < f.latencyMedian) { f.latencyMedian = one.median; f.latencyP95 = one.p95; }
        const batch = await latency(runner(lib, setups[i], xBatch).run, throughputBudget);
        f.throughput = Math.max(f.throughput ?? 0, (BATCH / batch.median) * 1e6);
        log(`round ${round + 1}/${rounds}  ${setups[i].name}  ${lib.padEnd(9)}  batch 1 ${one.median.toFixed(1)} µs (p95 ${one.p95.toFixed(1)}), ` +
          `batch ${BATCH} ${((BATCH / batch.median) * 1e3).toFixed(0)}k samples/s`);
      }
    }
  }
  for (let i = 0; i < setups.length; i++) {
    models[i].profile = [1, BATCH].map((n) => ({ batch: n, parts: profilePredict(setups[i].simdnn, n === 1 ? xOne : xBatch, options.quick) }));
  }

  const cold = await coldStarts(setups, xOne, options.quick ? 3 : 10, log, notes);
  models.forEach((m, i) => {
    for (const lib of INFERENCE_LIBS) {
      const c = cold.byModel[i][lib];
      Object.assign(m.figures[lib], { coldStart: c.wall, coldMarks: c.marks, coldInScript: c.inScript });
      m.figures[lib].agreement = Math.max(m.figures[lib].agreement ?? 0, c.agreement);
    }
    m.coldBundled = cold.bundled[i];
  });

  for (const s of setups) await disposePeerModels(s);
  return { models, nodeFloor: cold.floor, coldRuns: options.quick ? 3 : 10, rounds, notes };
}

function emptyFigures(): Figures {
  return { latencyMedian: null, latencyP95: null, throughput: null, coldStart: null, coldMarks: null, coldInScript: null, agreement: null };
}

/**
 * simdnn's predict taken apart, the same steps `predictLoop` (src/models/training.ts) takes,
 * each timed alone in loops (µs per call, median of repeated loops): what the public call adds
 * to the kernels, and inside each Dense / Conv2D layer, its kernel calls (im2col, GEMM with its
 * GFLOP/s, bias, activation) on the layer's own weights.
 */
function profilePredict(model: nn.LayersModel, x: nn.Tensor, quick: boolean): [string, number][] {
  const n = x.shape[0];
  const { arena, kernels: k, gemmScratch } = getBackend();
  const plan = model.planFor(n, false);
  const nodes = model.graph();
  const last = nodes[nodes.length - 1];
  const per = (fn: () => void) => perCall(fn, n === 1 ? 2000 : 10, quick);
  const parts: [string, number][] = [];
  parts.push(['predict (public API), total', per(() => model.predict(x, { batchSize: n }))]);
  parts.push(['  toBatch + checkSampleShape', per(() => checkSampleShape(toBatch(x, model.inputShape, 'predict', 'x'), model.inputShape, 'predict', 'x'))]);
  parts.push(['  checkFinite (JS loop over the input)', per(() => checkFinite(x, 'predict', 'x'))]);
  const inputSize = n * nodes[0].size;
  parts.push(['  (proposed instead: countNonFinite kernel after the copy)', per(() => k.countNonFinite(plan.outputs[0], inputSize))]);
  parts.push(['  planFor + graph() + output shape', per(() => {
    model.planFor(n, false);
    const g = model.graph();
    void g[g.length - 1].shape;
  })]);
  parts.push(['  copy input into wasm memory', per(() => arena.f32.set(x.data, plan.outputs[0] >>> 2))]);
  parts.push(['  plan.forward (all layers)', per(() => plan.forward(n, false))]);
  for (let j = 1; j < nodes.length; j++) {
    const layer = nodes[j].layer as Layer;
    const input = plan.outputs[j - 1], output = plan.outputs[j];
    const activation = layer.activationName === 'linear' ? '' : ` +${layer.activationName}`;
    const call = plan.callOf(j)!;
    parts.push([`    ${layer.className}${activation} -> [${layer.outputShape.join(',')}]`, per(() => layer.forward(n, call, false))]);
    const cols = layer.outputShape[layer.outputShape.length - 1];
    const rows = (n * layer.outputSize) / cols;
    let gemm: { m: number; n: number; k: number; a: number } | null = null;
    let colBuffer = 0;
    if (layer instanceof Dense) {
      gemm = { m: rows, n: layer.units, k: layer.inputUnits, a: input };
    } else if (layer instanceof Conv2D) {
      const w = window2D(layer.inputShapes[0], layer.kernelSize, layer.strides, layer.dilationRate, layer.padding, layer.describe());
      const patch = w.kh * w.kw * w.channels;
      if (layer.direct) {
        const [kernel, bias] = layer.params;
        const direct = () => k.conv2dDirectNHWC(input, kernel.ptr, bias ? bias.ptr : 0, output, n, w.inH, w.inW, w.channels, w.kh, w.kw,
          w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, layer.filters, 0, 0);
        const us = per(direct);
        parts.push([`      direct conv + bias [${rows} x ${layer.filters}, patch ${patch}]: ${((2 * rows * layer.filters * patch) / us / 1e3).toFixed(1)} GFLOP/s`, us]);
        if (activation) parts.push([`      ${layer.activationName}`, per(() => layer.applyActivation(k, output, output, rows, cols))]);
        continue;
      }
      colBuffer = arena.allocF32(rows * patch);
      const im2col = () => k.im2colNHWC(input, colBuffer, n, w.inH, w.inW, w.channels, w.kh, w.kw,
        w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW);
      parts.push([`      im2col [${rows} x ${patch}]`, per(im2col)]);
      gemm = { m: rows, n: layer.filters, k: patch, a: colBuffer };
    }
    if (gemm) {
      const g = gemm;
      const [kernel, bias] = layer.params;
      const us = per(() => k.gemm(0, 0, g.m, g.n, g.k, g.a, g.k, kernel.ptr, g.n, output, g.n, 0, 0, 0, 0, gemmScratch));
      parts.push([`      gemm ${g.m}x${g.n}x${g.k}${g.m === 1 ? ' (row-vector path)' : ''}: ${((2 * g.m * g.n * g.k) / us / 1e3).toFixed(1)} GFLOP/s`, us]);
      if (bias) parts.push(['      bias (addRowVector)', per(() => k.addRowVector(output, bias.ptr, output, rows, cols))]);
      if (activation) parts.push([`      ${layer.activationName}`, per(() => layer.applyActivation(k, output, output, rows, cols))]);
      if (colBuffer) arena.release(colBuffer);
    }
  }
  parts.push(['  copy output out + result Tensor', per(() => {
    const result = new Float32Array(n * last.size);
    const from = plan.visible[0] >>> 2;
    result.set(arena.f32.subarray(from, from + n * last.size));
    void new nn.Tensor(result, [n, ...last.shape]);
  })]);
  return parts;
}

/** µs per call of fn: `reps` calls per timed loop, median over loops. */
function perCall(fn: () => void, reps: number, quick: boolean): number {
  for (let i = 0; i < reps; i++) fn();
  const loops: number[] = [];
  for (let l = 0; l < (quick ? 5 : 15); l++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) fn();
    loops.push(((performance.now() - start) * 1000) / reps);
  }
  loops.sort((a, b) => a - b);
  return quantile(loops, 0.5);
}

interface ColdResult {
  floor: number | null;
  byModel: Record<InferenceLib, { wall: number; marks: Record<string, number>; inScript: number; agreement: number }>[];
  bundled: ({ wall: number; marks: Record<string, number>; inScript: number } | null)[];
}

type ColdKind = InferenceLib | 'baseline' | 'simdnn-bundled';
const COLD_ENTRY: Record<ColdKind, string> = {
  baseline: 'baseline.mjs', simdnn: 'simdnn.mjs', 'simdnn-bundled': 'simdnn.mjs', 'tfjs-wasm': 'tfjs-wasm.mjs', 'ort-web': 'ort-web.mjs',
};

/**
 * Spawns `runs` fresh Node processes per library and model (and per run one that does nothing,
 * Node's own floor), interleaved so load from other processes spreads over all of them; each
 * loads the model from files written here and prints its prediction, which must match simdnn's.
 */
async function coldStarts(setups: Setup[], xOne: nn.Tensor, runs: number, log: (line: string) => void, notes: string[]): Promise<ColdResult> {
  ensureDist(log, notes);
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-cold-'));
  try {
    const bundle = await bundleCore(dir, notes);
    writeFileSync(join(dir, 'input.bin'), new Uint8Array(xOne.data.buffer, xOne.data.byteOffset, xOne.data.byteLength));
    const expected: Float32Array[] = [];
    for (const s of setups) {
      const { modelTopology, weightSpecs, weightData } = s.artifacts;
      writeFileSync(join(dir, `${s.name}.json`), JSON.stringify({ modelTopology, weightSpecs }));
      writeFileSync(join(dir, `${s.name}.bin`), new Uint8Array(weightData as ArrayBuffer));
      writeFileSync(join(dir, `${s.name}.onnx`), layersToOnnx(s.artifacts));
      expected.push((s.simdnn.predict(xOne) as nn.Tensor).data);
    }
    const floor: number[] = [];
    const walls = setups.map(() => Object.fromEntries(INFERENCE_LIBS.map((l) => [l, [] as number[]])) as Record<InferenceLib, number[]>);
    const marks = setups.map(() => Object.fromEntries(INFERENCE_LIBS.map((l) => [l, [] as Record<string, number>[]])) as Record<InferenceLib, Record<string, number>[]>);
    const agreement = setups.map(() => Object.fromEntries(INFERENCE_LIBS.map((l) => [l, 0])) as Record<InferenceLib, number>);
    const bundled = setups.map(() => ({ walls: [] as number[], marks: [] as Record<string, number>[] }));
    for (let run = 0; run < runs; run++) {
      floor.push((await spawnTimed('baseline', dir, '')).wall);
      for (let i = 0; i < setups.length; i++) {
        for (const lib of INFERENCE_LIBS) {
          const r = await spawnTimed(lib, dir, setups[i].name);
          walls[i][lib].push(r.wall);
          marks[i][lib].push(r.marks);
          agreement[i][lib] = Math.max(agreement[i][lib], maxRelDiff(Float32Array.from(r.output), expected[i]));
          if (!(agreement[i][lib] <= 1e-5)) throw new Error(`inference bench: cold-start ${lib} predicts differently from simdnn on the ${setups[i].name}`);
        }
        if (bundle) {
          const r = await spawnTimed('simdnn-bundled', dir, setups[i].name, bundle);
          if (!(maxRelDiff(Float32Array.from(r.output), expected[i]) <= 1e-5)) throw new Error('inference bench: the bundled simdnn/core predicts differently');
          bundled[i].walls.push(r.wall);
          bundled[i].marks.push(r.marks);
        }
      }
      log(`cold start run ${run + 1}/${runs}: node floor ${floor[run].toFixed(0)} ms; ` +
        setups.map((s, i) => `${s.name} ${INFERENCE_LIBS.map((l) => `${l} ${walls[i][l][run].toFixed(0)}`).join(', ')} ms`).join('; '));
    }
    return {
      floor: median(floor),
      byModel: setups.map((_, i) => Object.fromEntries(INFERENCE_LIBS.map((l) => [l, {
        wall: median(walls[i][l]),
        marks: medianMarks(marks[i][l]),
        inScript: median(marks[i][l].map((m) => m.predicted - m.main)),
        agreement: agreement[i][l],
      }])) as ColdResult['byModel'][number]),
      bundled: bundled.map((b) => (b.walls.length
        ? { wall: median(b.walls), marks: medianMarks(b.marks), inScript: median(b.marks.map((m) => m.predicted - m.main)) }
        : null)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall ms from spawn to the child's first stdout line, and what that line said. */
function spawnTimed(kind: ColdKind, dir: string, model: string, ...extra: string[]): Promise<{ wall: number; output: number[]; marks: Record<string, number> }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // no loader (tsx) in the child: a plain `node file.mjs`
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let wall = 0;
    const start = performance.now();
    const child = spawn(process.execPath, [join(HERE, 'cold-start', COLD_ENTRY[kind]), dir, model, ...extra], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (wall === 0 && out.includes('\n')) wall = performance.now() - start;
    });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || wall === 0) {
        reject(new Error(`inference bench: cold-start ${kind} exited with ${code}: ${err.split('\n').map((l) => l.trim().slice(0, 300)).filter(Boolean).slice(-3).join(' | ')}`));
        return;
      }
      const line = JSON.parse(out.slice(0, out.indexOf('\n'))) as { output?: number[]; marks: Record<string, number> };
      resolve({ wall, output: line.output ?? [], marks: line.marks });
    });
  });
}

/**
 * dist/core.js and everything it imports as one ESM file (esbuild), to show what the module
 * graph costs at start-up: the URL to import, or null when esbuild is not installed.
 */
async function bundleCore(dir: string, notes: string[]): Promise<string | null> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    notes.push('esbuild is not installed: the bundled simdnn/core cold start was skipped.');
    return null;
  }
  const outfile = join(dir, 'simdnn-core.mjs');
  await esbuild.build({ entryPoints: [join(ROOT, 'dist', 'core.js')], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent' });
  return pathToFileURL(outfile).href;
}

/**
 * The cold-start child imports `simdnn/core` from dist/: rebuild it (tsc) when any file under
 * src/ (the wasm bytes are src/core/generated, which the bench's build:wasm refreshes) is newer.
 */
function ensureDist(log: (line: string) => void, notes: string[]): void {
  const built = join(ROOT, 'dist', 'core.js');
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true })
    .reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(ROOT, 'src'))) return;
  log('dist/ is older than src/: building it (tsc -p tsconfig.build.json) for the cold-start child');
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    if (!existsSync(built)) throw new Error(`inference bench: cannot build dist/ for the cold start: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
    notes.push('WARNING: tsc failed on the current src/; the simdnn cold start ran the previous dist/ build.');
  }
}

function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

function medianMarks(list: Record<string, number>[]): Record<string, number> {
  const keys = Object.keys(list[0] ?? {});
  return Object.fromEntries(keys.map((k) => [k, median(list.map((m) => m[k]))]));
}

async function initLibraries(): Promise<string[]> {
  await nn.ready();
  // As bench/gemm.ts: one XNNPACK thread, set before the wasm backend initialises; Node gets
  // the single-threaded SIMD binary, checked below.
  setThreadsCount(1);
  const warn = console.warn;
  console.warn = () => {};
  try {
    await tf.setBackend('wasm');
  } finally {
    console.warn = warn;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = getThreadsCount();
  if (!simd) throw new Error('tfjs-wasm would run its non-SIMD binary here: the comparison would be unfair');
  if (threads !== 1) throw new Error(`tfjs-wasm runs ${threads} threads, expected 1`);
  // ORT: one thread (set before the first session); its npm package ships SIMD builds only.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  return [
    `tfjs ${tf.version.tfjs} wasm backend: SIMD binary (WASM_HAS_SIMD_SUPPORT=${simd}), XNNPACK threads=${threads}. ` +
      `onnxruntime-web ${ort.env.versions.web ?? '?'}: wasm EP, numThreads=1, SIMD build (ort-wasm-simd-threaded.wasm), graphOptimizationLevel 'all'.`,
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores shared with other processes, Node ${process.version}.`,
  ];
}

/** The report: one table of every figure with simdnn's ratios, the cold-start phases, the profile. */
export function formatInference(report: InferenceReport): string {
  const headers = ['model / figure', 'simdnn', 'tfjs-wasm', 'ort-web', 'simdnn vs tfjs', 'simdnn vs ort', 'target', 'met'];
  const rows: string[][] = [];
  for (const m of report.models) {
    const f = m.figures;
    const isMlp = m.name === 'mlp';
    const lower = (key: 'latencyMedian' | 'latencyP95' | 'coldStart', label: string, digits: number, target: number | null) => {
      const s = f.simdnn[key];
      rows.push([`${m.name}  ${label}`, fixed(s, digits), fixed(f['tfjs-wasm'][key], digits), fixed(f['ort-web'][key], digits),
        speedup(f['tfjs-wasm'][key], s), speedup(f['ort-web'][key], s),
        target === null ? '' : `< ${target}`, target === null || s === null ? '' : s < target ? 'yes' : 'NO']);
    };
    rows.push([m.title, '', '', '', '', '', '', '']);
    lower('latencyMedian', 'batch-1 latency, median (µs)', 1, isMlp ? TARGETS.latencyUs : null);
    lower('latencyP95', 'batch-1 latency, p95 (µs)', 1, null);
    const t = (lib: InferenceLib) => f[lib].throughput;
    const s = t('simdnn');
    rows.push([`${m.name}  batch-${BATCH} throughput (k samples/s)`, fixed(kilo(s), 1), fixed(kilo(t('tfjs-wasm')), 1), fixed(kilo(t('ort-web')), 1),
      speedup(s, t('tfjs-wasm')), speedup(s, t('ort-web')),
      isMlp ? `> ${TARGETS.samplesPerSecond / 1000}` : '', isMlp && s !== null ? (s > TARGETS.samplesPerSecond ? 'yes' : 'NO') : '']);
    lower('coldStart', 'cold start, spawn to 1st prediction (ms)', 0, isMlp ? TARGETS.coldStartMs : null);
    const inScript = (lib: InferenceLib) => f[lib].coldInScript;
    const si = inScript('simdnn');
    rows.push([`${m.name}    ... of which in the script: import to prediction (ms)`, fixed(si, 0), fixed(inScript('tfjs-wasm'), 0), fixed(inScript('ort-web'), 0),
      speedup(inScript('tfjs-wasm'), si), speedup(inScript('ort-web'), si),
      isMlp ? `< ${TARGETS.coldStartMs}` : '', isMlp && si !== null ? (si < TARGETS.coldStartMs ? 'yes' : 'NO') : '']);
    if (m.coldBundled) {
      const b = m.coldBundled;
      rows.push([`${m.name}  cold start, simdnn/core bundled into one file (ms)`, fixed(b.wall, 0), '', '',
        speedup(f['tfjs-wasm'].coldStart, b.wall), speedup(f['ort-web'].coldStart, b.wall), '', '']);
      rows.push([`${m.name}    ... of which in the script (ms)`, fixed(b.inScript, 0), '', '',
        speedup(inScript('tfjs-wasm'), b.inScript), speedup(inScript('ort-web'), b.inScript),
        isMlp ? `< ${TARGETS.coldStartMs}` : '', isMlp ? (b.inScript < TARGETS.coldStartMs ? 'yes' : 'NO') : '']);
    }
    rows.push([`${m.name}  max output diff vs simdnn`, '0', sci(f['tfjs-wasm'].agreement), sci(f['ort-web'].agreement), '', '', '<= 1e-5', '']);
  }

  const phases = ['main', 'imported', 'ready', 'loaded', 'predicted'];
  const coldRows: string[][] = [];
  for (const m of report.models) {
    for (const lib of INFERENCE_LIBS) {
      const marks = m.figures[lib].coldMarks ?? {};
      coldRows.push([`${m.name}  ${lib}`, ...phases.map((p) => fixed(marks[p], 0)), fixed(m.figures[lib].coldStart, 0)]);
    }
    if (m.coldBundled) coldRows.push([`${m.name}  simdnn, bundled`, ...phases.map((p) => fixed(m.coldBundled!.marks[p], 0)), fixed(m.coldBundled.wall, 0)]);
  }

  const profile: string[] = [];
  for (const m of report.models) {
    for (const p of m.profile) {
      profile.push(formatTable([`simdnn ${m.name}, batch ${p.batch}`, 'µs per call'], p.parts.map(([what, us]) => [what, fixed(us, us < 10 ? 2 : 1)])));
    }
  }

  return [
    `Inference on one thread with SIMD, same weights in every library (seeded; inputs: MNIST test digits).`,
    `Latency: single calls of the public predict (copy in, predict, read the output back); median and p95 of the best of ${report.rounds} round(s)` +
      ` (the round with the lowest median). Throughput: ${BATCH} samples per call, from the median call of the best round.`,
    `Cold start: median of ${report.coldRuns} fresh \`node\` processes per library, spawn to the first prediction printed` +
      `${report.nodeFloor === null ? '' : ` (a script that only prints takes ${report.nodeFloor.toFixed(0)} ms: node's own start here)`};` +
      ` "in the script": the child's own time from its first line to the prediction (median over runs).`,
    `"bundled into one file": dist/core.js with its shared chunks inlined into a single module (the package ships the entries as ES modules over a few shared chunks).`,
    `Ratios: how many times faster simdnn is (>1x: simdnn faster). Targets from issue 5, set for the MLP.`,
    formatTable(headers, rows),
    '',
    'Cold-start phases, median ms since the child process started (performance.now marks): module code starts, library imported,',
    "wasm ready, model loaded (ORT: session created, which also instantiates its wasm), first prediction; then the parent's wall time.",
    formatTable(['cold start', 'main', 'imported', 'ready', 'loaded', 'predicted', 'wall'], coldRows),
    '',
    'Where simdnn\'s predict spends its time: the steps of predictLoop (src/models/training.ts) timed alone (median of repeated loops).',
    ...profile.flatMap((p) => [p, '']),
    ...report.notes,
  ].join('\n');
}

/** How many times faster simdnn is: peer / simdnn for times, simdnn / peer for rates (callers order them). */
function speedup(a: number | null | undefined, b: number | null | undefined): string {
  return ratio(a, b);
}

function kilo(v: number | null): number | null {
  return v === null ? null : v / 1000;
}

function sci(v: number | null): string {
  return v === null ? '-' : v === 0 ? '0' : v.toExponential(1);
}
