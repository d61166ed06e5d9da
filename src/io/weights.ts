/**
 * Weight bytes: specs ↔ values (float32, int32, and the tfjs converter's uint8/uint16/float16
 * quantisation on read), and model.json ↔ artifacts with the weights manifest and its shards.
 * Everything here is plain JS memory; nothing touches wasm, so a failure leaves nothing behind.
 */
import type { ModelArtifacts, ModelJSON, ShardOptions, WeightSpec, WeightsManifestGroup } from './types.js';
import { describeValue, isObject } from './validate.js';

/** A weight decoded from the weight data. */
export interface NamedWeight {
  /** '<layer>/<weight>', or an optimizer slot name. */
  name: string;
  /** Dimensions; [] for a scalar. */
  shape: number[];
  /** Values as float32 (int32 specs are converted). */
  values: Float32Array;
  /** 'optimizer' for optimizer state. */
  group?: string;
  /** The stored dtype ('float32' or 'int32'). */
  dtype: string;
}

/** Typed arrays use the platform's byte order; the format is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Checks a spec and returns its value count and stored byte length. */
function sizeOf(spec: unknown, index: number): { count: number; bytes: number } {
  const who = `weight spec ${index}`;
  if (!isObject(spec)) throw new Error(`${who}: expected an object { name, shape, dtype }, got ${describeValue(spec)}`);
  const s = spec as Partial<WeightSpec>;
  if (typeof s.name !== 'string' || s.name === '') throw new Error(`${who}: 'name' must be a non-empty string, got ${describeValue(s.name)}`);
  const named = `weight '${s.name}'`;
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`${named}: shape must be a list of non-negative integers, got ${describeValue(s.shape)}`);
  }
  if (s.dtype !== 'float32' && s.dtype !== 'int32') throw new Error(`${named}: dtype '${String(s.dtype)}' is not supported; expected 'float32' (or 'int32' for the optimizer's iteration count)`);
  const count = s.shape.reduce((p, d) => p * d, 1);
  if (!Number.isSafeInteger(count)) throw new Error(`${named}: shape ${JSON.stringify(s.shape)} is too large`);
  let stored = s.dtype;
  if (s.quantization !== undefined && s.quantization !== null) {
    const q = s.quantization;
    if (!isObject(q) || !['uint8', 'uint16', 'float16'].includes(q.dtype as string)) {
      throw new Error(`${named}: quantization ${describeValue(q)} is not supported; expected dtype 'uint8', 'uint16' or 'float16'`);
    }
    if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
      throw new Error(`${named}: ${q.dtype} quantization needs numeric 'scale' and 'min', got ${describeValue(q)}`);
    }
    stored = q.dtype as string;
  }
  return { count, bytes: count * STORED_BYTES[stored] };
}

/** The bytes of `weightData` as one buffer (tfjs allows a list of buffers). */
export function concatData(data: unknown, who = 'weightData'): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer || ArrayBuffer.isView(b))) {
    const parts = data.map((b) => concatData(b, who));
    const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.byteLength; }
    return out;
  }
  throw new Error(`${who}: expected an ArrayBuffer (or a list of them), got ${describeValue(data)}`);
}

/** Total stored bytes of `specs`, validating each. */
export function manifestBytes(specs: readonly unknown[]): number {
  return specs.reduce<number>((sum, spec, i) => sum + sizeOf(spec, i).bytes, 0);
}

/** Decodes every spec from `data`; throws naming the problem when the byte length does not match. */
export function decodeWeights(specs: unknown, data: unknown): NamedWeight[] {
  if (!Array.isArray(specs)) throw new Error(`weightSpecs: expected a list of weight specs, got ${describeValue(specs)}`);
  const bytes = concatData(data);
  const need = manifestBytes(specs);
  if (need !== bytes.byteLength) {
    throw new Error(`weight data has ${bytes.byteLength} bytes but the manifest's ${specs.length} weights need ${need} bytes`);
  }
  const copy = bytes.slice(); // aligned, and independent of the caller's buffer
  const view = new DataView(copy.buffer);
  const out: NamedWeight[] = [];
  let at = 0;
  specs.forEach((raw: WeightSpec, i) => {
    const { count, bytes: size } = sizeOf(raw, i);
    const values = new Float32Array(count);
    const q = raw.quantization ?? undefined;
    if (q?.dtype === 'uint8') for (let j = 0; j < count; j++) values[j] = view.getUint8(at + j) * q.scale! + q.min!;
    else if (q?.dtype === 'uint16') for (let j = 0; j < count; j++) values[j] = view.getUint16(at + 2 * j, true) * q.scale! + q.min!;
    else if (q?.dtype === 'float16') for (let j = 0; j < count; j++) values[j] = halfToFloat(view.getUint16(at + 2 * j, true));
    else if (raw.dtype === 'int32') for (let j = 0; j < count; j++) values[j] = view.getInt32(at + 4 * j, true);
    else if (at % 4 === 0 && LITTLE_ENDIAN) values.set(new Float32Array(copy.buffer, at, count));
    else for (let j = 0; j < count; j++) values[j] = view.getFloat32(at + 4 * j, true);
    out.push({ name: raw.name, shape: [...raw.shape], values, dtype: raw.dtype, ...(raw.group ? { group: raw.group } : {}) });
    at += size;
  });
  return out;
}

/** Encodes weights as float32 (int32 where asked) specs and one buffer, little-endian as tfjs. */
export function encodeWeights(weights: readonly NamedWeight[]): { specs: WeightSpec[]; data: ArrayBuffer } {
  const total = weights.reduce((s, w) => s + w.values.length * 4, 0);
  const data = new ArrayBuffer(total);
  const view = new DataView(data);
  let at = 0;
  const specs = weights.map((w) => {
    if (w.dtype === 'int32') for (let j = 0; j < w.values.length; j++) view.setInt32(at + 4 * j, w.values[j], true);
    else if (LITTLE_ENDIAN) new Float32Array(data, at, w.values.length).set(w.values);
    else for (let j = 0; j < w.values.length; j++) view.setFloat32(at + 4 * j, w.values[j], true);
    at += 4 * w.values.length;
    const spec: WeightSpec = { name: w.name, shape: [...w.shape], dtype: w.dtype };
    if (w.group) spec.group = w.group;
    return spec;
  });
  return { specs, data };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** model.json plus its weight files, from artifacts: one 'weights.bin' by default, or shards. */
export function toModelJSON(artifacts: ModelArtifacts, options: ShardOptions = {}): { modelJSON: ModelJSON; weightFiles: Record<string, Uint8Array<ArrayBuffer>> } {
  const data = concatData(artifacts.weightData);
  const weightFiles: Record<string, Uint8Array<ArrayBuffer>> = {};
  const shard = options.shardBytes;
  if (shard !== undefined && (!Number.isInteger(shard) || shard < 1)) throw new RangeError(`toModelJSON: shardBytes must be a positive integer, got ${shard}`);
  if (shard !== undefined && data.byteLength > shard) {
    const n = Math.ceil(data.byteLength / shard);
    for (let i = 0; i < n; i++) weightFiles[`group1-shard${i + 1}of${n}.bin`] = data.slice(i * shard, (i + 1) * shard);
  } else {
    weightFiles[options.weightsPath ?? 'weights.bin'] = data.slice();
  }
  const modelJSON: ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: Object.keys(weightFiles), weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
  return { modelJSON, weightFiles };
}

/** Parses and checks model.json (text, bytes or an object) without reading any weights. */
export function parseModelJSON(source: unknown): ModelJSON {
  let json = source;
  if (json instanceof ArrayBuffer || ArrayBuffer.isView(json)) json = new TextDecoder().decode(concatData(json));
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new Error(`model.json is not valid JSON (truncated or corrupt?): ${(e as Error).message}`);
    }
  }
  if (!isObject(json)) throw new Error(`model.json: expected a JSON object with modelTopology and weightsManifest, got ${describeValue(json)}`);
  const m = json as Partial<ModelJSON>;
  if (m.format !== undefined && m.format !== 'layers-model') {
    throw new Error(`model.json: format is '${String(m.format)}', expected 'layers-model' (a TensorFlow.js Layers model; graph models and other formats are not supported)`);
  }
  if (!isObject(m.modelTopology)) throw new Error(`model.json: missing modelTopology (expected an object, got ${describeValue(m.modelTopology)})`);
  if (!Array.isArray(m.weightsManifest)) throw new Error(`model.json: missing weightsManifest (expected a list of { paths, weights }, got ${describeValue(m.weightsManifest)})`);
  m.weightsManifest.forEach((g: unknown, i) => {
    const group = g as Partial<WeightsManifestGroup>;
    if (!isObject(g) || !Array.isArray(group.paths) || group.paths.some((p) => typeof p !== 'string') || !Array.isArray(group.weights)) {
      throw new Error(`model.json: weightsManifest[${i}] must be { paths: string[], weights: [...] }, got ${describeValue(g)}`);
    }
  });
  return m as ModelJSON;
}

/**
 * Reads one weights file; `maxBytes` is what its group still needs, so a reader that can see a
 * file's size first refuses a larger one without reading it.
 */
export type WeightsFileReader = (path: string, maxBytes: number) => Promise<ArrayBuffer | Uint8Array>;

/**
 * Artifacts from model.json and a reader of its weight files: each group's shards are read in
 * order, concatenated, and checked against the byte length its specs need; reading stops at
 * the first shard that takes the group past it.
 */
export async function artifactsFromModelJSON(source: unknown, readFile: WeightsFileReader): Promise<ModelArtifacts> {
  const json = parseModelJSON(source);
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const [g, group] of json.weightsManifest.entries()) {
    const need = manifestBytes(group.weights);
    const shards: Uint8Array[] = [];
    let have = 0;
    for (const [i, path] of group.paths.entries()) {
      let bytes: ArrayBuffer | Uint8Array;
      try {
        bytes = await readFile(path, need - have);
      } catch (e) {
        throw new Error(`weights file '${path}' (weightsManifest[${g}]) could not be read: ${(e as Error)?.message ?? String(e)}`);
      }
      shards.push(concatData(bytes, `weights file '${path}'`));
      have += shards[shards.length - 1].byteLength;
      if (have > need && i < group.paths.length - 1) throw new Error(`weightsManifest[${g}]: the files ${JSON.stringify(group.paths.slice(0, i + 1))} already hold ${have} bytes but its ${group.weights.length} weights need ${need} bytes`);
    }
    if (have !== need) {
      throw new Error(`weightsManifest[${g}]: the files ${JSON.stringify(group.paths)} hold ${have} bytes but its ${group.weights.length} weights need ${need} bytes`);
    }
    specs.push(...group.weights);
    parts.push(...shards);
  }
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology, weightSpecs: specs, weightData: concatData(parts).buffer as ArrayBuffer,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
  };
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
  return artifacts;
}
