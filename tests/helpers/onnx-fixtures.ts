// The ONNX fixtures of tests/fixtures/onnx/ (made by scripts/fixtures/onnx/make_onnx_fixtures.py):
// the manifest, each fixture's model bytes, inputs and expected outputs, and a run in ONNX Runtime Web.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

const DIR = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));

export interface FixtureArray {
  name: string;
  shape: number[];
  /** Byte offset in the fixture's data file. */
  offset: number;
  /** Outputs only: the most float32 roundings a path accumulates into one element (see the manifest). */
  roundings?: number;
}

export interface FixtureEntry {
  name: string;
  file: string;
  bytes: number;
  what: string;
  producer: string;
  exporter: 'torchscript' | 'dynamo' | 'onnx.helper';
  expectedFrom: string;
  opset: number;
  irVersion: number;
  ops: string[];
  data: string;
  inputs: FixtureArray[];
  outputs: FixtureArray[];
}

/** A named float32 array with its shape. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
  roundings?: number;
}

export function readManifest(): { fixtures: FixtureEntry[] } {
  return JSON.parse(readFileSync(`${DIR}manifest.json`, 'utf8'));
}

export function fixtureBytes(entry: FixtureEntry): Uint8Array {
  return new Uint8Array(readFileSync(`${DIR}${entry.file}`));
}

/** The fixture's inputs and its producer's outputs, each checked to lie inside the data file. */
export function fixtureArrays(entry: FixtureEntry): { inputs: NamedArray[]; outputs: NamedArray[] } {
  const file = readFileSync(`${DIR}${entry.data}`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const read = (a: FixtureArray): NamedArray => {
    const count = a.shape.reduce((p, d) => p * d, 1);
    if (a.offset + count * 4 > file.byteLength) throw new Error(`${entry.name}: '${a.name}' runs past the end of ${entry.data}`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(a.offset + 4 * i, true);
    return { name: a.name, shape: a.shape, data, roundings: a.roundings };
  };
  return { inputs: entry.inputs.map(read), outputs: entry.outputs.map(read) };
}

/** Runs the model once in ONNX Runtime Web (wasm, one thread: set ort.env.wasm.numThreads = 1 first). */
export async function ortRun(bytes: Uint8Array, inputs: NamedArray[]): Promise<NamedArray[]> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = Object.fromEntries(inputs.map((x) => [x.name, new ort.Tensor('float32', x.data, x.shape)]));
    const result = await session.run(feeds);
    return session.outputNames.map((name) => {
      const t = result[name];
      if (t.type !== 'float32') throw new Error(`output '${name}' is ${t.type}, expected float32`);
      return { name, shape: [...t.dims], data: t.data as Float32Array };
    });
  } finally {
    await session.release();
  }
}

/** Root mean square of the values: the output's typical magnitude. */
export function rms(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum / Math.max(values.length, 1));
}

/** NCHW → NHWC for a rank-4 array. */
export function toNhwc(x: NamedArray): NamedArray {
  const [n, c, h, w] = x.shape;
  const out = new Float32Array(x.data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) out[((b * h + i) * w + j) * c + ch] = x.data[((b * c + ch) * h + i) * w + j];
      }
    }
  }
  return { name: x.name, shape: [n, h, w, c], data: out };
}
