/**
 * Builds the edge worker: the MNIST MLP (trained here in Node, or the one already saved), saved
 * with `model.save` as model.json + weights.bin, bundled with worker.ts, 'simdnn/core' and
 * 'simdnn/onnx' by esbuild into one ES module, plus the kernels as a wasm module, the PyTorch CNN
 * (examples/models/mnist04-cnn.onnx) as a data module, and a workerd config.
 *
 *   <modelDir>/model.json, weights.bin     the saved model (default examples/edge/model/)
 *   <outDir>/worker.js                     both routes + simdnn/core + simdnn/onnx + the MLP, one module
 *   <outDir>/worker-mlp.js                 /predict alone (built only to measure what the ONNX route adds)
 *   <outDir>/simdnn.wasm                   the kernels, from simdnn/simdnn.wasm (Workers only run wasm shipped as a module)
 *   <outDir>/mnist04-cnn.onnx              the ONNX model, a `data` module (its bytes, not base64)
 *   <outDir>/workerd.capnp                 the workerd config serving worker.js on 127.0.0.1
 */
import * as nn from 'simdnn';
import 'simdnn/node'; // registers file:// for model.save / nn.loadModel
import { loadOnnx } from 'simdnn/onnx';
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSize, type BundleSize } from './bundle-size.js';

/** This folder. */
export const EDGE_DIR = fileURLToPath(new URL('.', import.meta.url));
/** Where the model is saved unless told otherwise (gitignored). */
export const DEFAULT_MODEL_DIR = join(EDGE_DIR, 'model');
/** Where the bundle goes unless told otherwise (gitignored). */
export const DEFAULT_OUT_DIR = join(EDGE_DIR, 'dist');
/** The CNN served by /predict-onnx: PyTorch-trained on digits 0-4, exported with torch.onnx.export. */
export const ONNX_MODEL_FILE = join(EDGE_DIR, '..', 'models', 'mnist04-cnn.onnx');

/** The workerd binary and the newest compatibility date it supports, from the `workerd` package. */
export const workerd = createRequire(import.meta.url)('workerd') as { default: string; compatibilityDate: string; version: string };

/** How the model is trained when none is saved yet. */
export interface TrainOptions {
  /** Epochs of SGD (lr 0.1, batch 128) over the 7,996 built-in training digits; default 20 (as examples/mnist-mlp.ts). */
  epochs?: number;
  /** Seed of initialisation and shuffling; default 1. */
  seed?: number;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

/** Options of {@link buildEdgeWorker}. */
export interface BuildOptions extends TrainOptions {
  /** Folder of the saved model; default examples/edge/model. */
  modelDir?: string;
  /** Folder of the bundle and config; default examples/edge/dist. */
  outDir?: string;
  /** Train and save again even when a model is saved already. */
  retrain?: boolean;
}

/** What {@link buildEdgeWorker} made. */
export interface BuildResult {
  modelDir: string;
  outDir: string;
  /** The workerd config to `workerd serve`. */
  configPath: string;
  /** True when the model was trained now, false when the saved one was reused. */
  trained: boolean;
  /** Test accuracy on the 2,004 built-in test digits, when trained now. */
  testAccuracy?: number;
  /** Seconds spent training, when trained now. */
  trainSeconds?: number;
  /** Size of worker.js (library + model + handlers) and of simdnn.wasm, in bytes. */
  bundleBytes: number;
  wasmBytes: number;
  /** What is deployed with both routes (worker.js, simdnn.wasm, mnist04-cnn.onnx), raw and gzipped. */
  withOnnx: BundleSize;
  /** What is deployed with /predict alone (worker-mlp.js, simdnn.wasm). */
  withoutOnnx: BundleSize;
}

/** The network: 784-128(ReLU)-10(softmax), as examples/mnist-mlp.ts. */
export function mnistMlp(): nn.Sequential {
  return nn.sequential({
    layers: [
      nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Trains the MLP on the built-in MNIST digits and saves it to `modelDir` with `model.save`. */
export async function trainAndSave(modelDir: string, options: TrainOptions = {}): Promise<{ testAccuracy: number; trainSeconds: number }> {
  const { epochs = 20, seed = 1, log = () => undefined } = options;
  await nn.ready();
  nn.setSeed(seed);
  const { train, test } = nn.data.mnist();
  const model = mnistMlp();
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  log(`training 784-128-10 on ${train.x.shape[0]} digits: SGD lr 0.1, batch 128, ${epochs} epochs, seed ${seed}`);
  const started = performance.now();
  await model.fit(train.x, train.y, { batchSize: 128, epochs, seed, verbose: 0 });
  const trainSeconds = (performance.now() - started) / 1000;
  const { accuracy } = model.evaluate(test.x, test.y, { batchSize: 1024 });
  await model.save(`file://${resolve(modelDir)}`);
  model.dispose();
  log(`trained in ${trainSeconds.toFixed(1)} s, test accuracy ${(accuracy! * 100).toFixed(2)}%, saved to ${modelDir}`);
  return { testAccuracy: accuracy!, trainSeconds };
}

/** Loads the saved model in Node (the reference the worker's answers are checked against). */
export async function loadSavedModel(modelDir: string = DEFAULT_MODEL_DIR): Promise<nn.LayersModel> {
  await nn.ready();
  return nn.loadModel(`file://${join(resolve(modelDir), 'model.json')}`);
}

/** Imports the ONNX CNN in Node, as the worker does (the reference of /predict-onnx's answers). */
export async function loadOnnxReference(): Promise<nn.Functional> {
  await nn.ready();
  return loadOnnx(new Uint8Array(await readFile(ONNX_MODEL_FILE)));
}

/**
 * The kernels as wasm bytes, from the package's `simdnn/simdnn.wasm` export. The JS entries embed
 * the same bytes as base64 (so every runtime loads them without a bundler plug-in); Workers,
 * though, refuse `WebAssembly.compile` at run time, so the worker ships them as a wasm module.
 */
async function kernelBytes(): Promise<Uint8Array> {
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve('simdnn/simdnn.wasm');
  } catch (e) {
    throw new Error(`edge: cannot find simdnn/simdnn.wasm (${(e as Error).message}); run \`npm run build\` first`);
  }
  return new Uint8Array(await readFile(file));
}

/** Points the worker's `./model/*` imports at `modelDir` and leaves the wasm and ONNX imports to workerd. */
function edgeImports(modelDir: string): esbuild.Plugin {
  return {
    name: 'edge-imports',
    setup(build) {
      build.onResolve({ filter: /\/simdnn\.wasm$/ }, () => ({ path: './simdnn.wasm', external: true }));
      // The threaded and relaxed builds' base64 chunks (dist/chunks/wasm-threads-base64-<hash>.js, ...)
      // stay out: a Worker has no threads, and gets its kernels as the wasm module above.
      build.onResolve({ filter: /\/wasm-[a-z-]+-base64-[A-Z0-9]+\.js$/ }, (args) => ({ path: basename(args.path), namespace: 'no-kernel-bytes' }));
      build.onLoad({ filter: /.*/, namespace: 'no-kernel-bytes' }, (args) => {
        const name = basename(args.path, '.js').replace(/-[A-Z0-9]+$/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
        return { contents: `export const ${name} = '';`, loader: 'js' };
      });
      build.onResolve({ filter: /\.onnx$/ }, (args) => ({ path: `./${basename(args.path)}`, external: true }));
      build.onResolve({ filter: /^\.\/model\/(model\.json|weights\.bin)$/ }, (args) => ({ path: join(resolve(modelDir), basename(args.path)) }));
    },
  };
}

function workerdConfig(compatibilityDate: string): string {
  return `# Generated by examples/edge/build.ts. Run: workerd serve workerd.capnp [--socket-addr http=127.0.0.1:PORT]
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "predict", worker = .predictWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "predict") ],
);

const predictWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "simdnn.wasm", wasm = embed "simdnn.wasm"),
    (name = "${basename(ONNX_MODEL_FILE)}", data = embed "${basename(ONNX_MODEL_FILE)}"),
  ],
  compatibilityDate = "${compatibilityDate}",
);
`;
}

/** Bundles worker.ts (and worker-mlp.ts) + simdnn + the model in `modelDir` into `outDir`. */
export async function bundleWorker(modelDir: string, outDir: string): Promise<Pick<BuildResult, 'configPath' | 'bundleBytes' | 'wasmBytes' | 'withOnnx' | 'withoutOnnx'>> {
  await mkdir(outDir, { recursive: true });
  const wasm = await kernelBytes();
  await writeFile(join(outDir, 'simdnn.wasm'), wasm);
  await copyFile(ONNX_MODEL_FILE, join(outDir, basename(ONNX_MODEL_FILE)));
  await esbuild.build({
    entryPoints: { worker: join(EDGE_DIR, 'worker.ts'), 'worker-mlp': join(EDGE_DIR, 'worker-mlp.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    loader: { '.bin': 'binary', '.json': 'json' },
    plugins: [edgeImports(modelDir)],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const configPath = join(outDir, 'workerd.capnp');
  await writeFile(configPath, workerdConfig(workerd.compatibilityDate));
  const withOnnx = await bundleSize(outDir, ['worker.js', 'simdnn.wasm', basename(ONNX_MODEL_FILE)]);
  const withoutOnnx = await bundleSize(outDir, ['worker-mlp.js', 'simdnn.wasm']);
  return { configPath, bundleBytes: withOnnx.files[0].bytes, wasmBytes: wasm.byteLength, withOnnx, withoutOnnx };
}

/** Trains and saves the model unless one is saved already (or `retrain`), then bundles the worker. */
export async function buildEdgeWorker(options: BuildOptions = {}): Promise<BuildResult> {
  const modelDir = resolve(options.modelDir ?? DEFAULT_MODEL_DIR);
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const saved = existsSync(join(modelDir, 'model.json')) && existsSync(join(modelDir, 'weights.bin'));
  let trained: Awaited<ReturnType<typeof trainAndSave>> | undefined;
  if (options.retrain || !saved) trained = await trainAndSave(modelDir, options);
  else {
    // Check the saved files load before bundling them (a clear error now, not a 500 later).
    const model = await loadSavedModel(modelDir);
    model.dispose();
    options.log?.(`using the model saved in ${modelDir} (--retrain to train again)`);
  }
  const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const paths = manifest.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== 1 || paths[0].replace(/^\.\//, '') !== 'weights.bin') {
    throw new Error(`edge: the worker embeds one weights.bin; ${modelDir}/model.json names ${JSON.stringify(paths)}`);
  }
  const bundle = await bundleWorker(modelDir, outDir);
  return { modelDir, outDir, trained: trained !== undefined, ...trained, ...bundle };
}
