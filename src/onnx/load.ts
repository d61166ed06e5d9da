/**
 * `loadOnnx`: an ONNX file → a simdnn model that predicts, summarises, saves in the TF.js format
 * and fine-tunes like one built by hand. The file is bounded and decoded, every node lowered to
 * simdnn layers or refused (all refusals in one error) before any wasm memory is used, and only
 * then is the model built.
 */
import { checkOptions } from '../core/checks.js';
import { ready } from '../core/wasm.js';
import type { Functional } from '../models/functional.js';
import { Tensor } from '../core/tensor.js';
import { decodeModel, type OnnxModelProto } from './decode.js';
import { buildModel } from './import/build.js';
import { CONVERTERS } from './import/converters.js';
import { Lowering, OnnxUnsupportedError, type BoundaryLayout } from './import/lower.js';

/** Options of {@link loadOnnx}. */
export interface LoadOnnxOptions {
  /**
   * How rank-4 (image) inputs and outputs are laid out: 'NCHW' (default) takes and returns the
   * ONNX graph's own shapes; 'NHWC' takes channels-last images (as simdnn and Keras do) and
   * skips the transpose at the input.
   */
  layout?: BoundaryLayout;
  /** Largest file accepted, in bytes; default 1 GiB. */
  maxBytes?: number;
  /** The model's name; default the ONNX graph's name, or 'onnx_model'. */
  name?: string;
  /**
   * Graph inputs to fix at import, by name: each becomes a constant of the given value (for
   * graphs that take their weights as inputs). Its shape must match the input's declared shape.
   */
  constants?: Record<string, Tensor>;
}

const OPTION_KEYS = ['layout', 'maxBytes', 'name', 'constants'];
const DEFAULT_MAX_BYTES = 1 << 30;
/** Opsets whose semantics the converters check (older ones spell broadcasting and pads differently). */
const MIN_OPSET = 1;
const MAX_OPSET = 21;

/** The file's bytes: given, fetched (http, https, relative URLs in browsers) or read (a path, in Node, Bun and Deno). */
async function bytesOf(source: Uint8Array | ArrayBuffer | URL | string, maxBytes: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const text = source instanceof URL ? source.href : source;
  if (typeof text !== 'string' || text === '') throw new TypeError(`loadOnnx: expected bytes, a URL or a path, got ${typeof source}`);
  const isFileUrl = text.startsWith('file://');
  const isPath = !isFileUrl && !/^[a-z][a-z0-9+.-]*:/i.test(text) && typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (isFileUrl || isPath) {
    // A variable specifier keeps bundlers for browsers and workers from following the Node-only module.
    const module = '../node/index.js';
    const { readRegularFile } = await import(/* @vite-ignore */ module) as typeof import('../node/index.js');
    const path = isFileUrl ? decodeURIComponent(new URL(text).pathname) : text;
    try {
      return await readRegularFile(path, { maxBytes, tooLarge: (size, max) => `${size} bytes, more than maxBytes (${max})` });
    } catch (e) {
      throw new Error(`loadOnnx: cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const response = await fetch(text);
  if (!response.ok) throw new Error(`loadOnnx: fetching ${text} gave HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new Error(`loadOnnx: ${text} is ${declared} bytes, more than maxBytes (${maxBytes})`);
  const body = new Uint8Array(await response.arrayBuffer());
  if (body.length > maxBytes) throw new Error(`loadOnnx: ${text} is ${body.length} bytes, more than maxBytes (${maxBytes})`);
  return body;
}

/**
 * Imports an ONNX model (opsets 1–21 of the default domain; see the README for the op table).
 * Throws `OnnxUnsupportedError` listing every node simdnn cannot run, before allocating anything;
 * a malformed or truncated file gets an error naming the field.
 */
export async function loadOnnx(source: Uint8Array | ArrayBuffer | URL | string, options: LoadOnnxOptions = {}): Promise<Functional> {
  checkOptions(options, 'loadOnnx', OPTION_KEYS);
  const layout = options.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new RangeError(`loadOnnx: layout must be 'NCHW' or 'NHWC', got ${JSON.stringify(layout)}`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new RangeError(`loadOnnx: maxBytes must be a positive integer, got ${maxBytes}`);
  const bytes = await bytesOf(source, maxBytes);
  if (bytes.length > maxBytes) throw new Error(`loadOnnx: the model is ${bytes.length} bytes, more than maxBytes (${maxBytes})`);
  let decoded;
  try {
    decoded = decodeModel(bytes);
  } catch (e) {
    throw new Error(`loadOnnx: not a readable ONNX model: ${(e as Error).message}`);
  }
  const opset = decoded.opsets.get('');
  if (opset === undefined || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OnnxUnsupportedError([{ op: 'opset', node: 'ai.onnx', reason: `the model imports opset ${opset ?? '(none)'} of the default domain; simdnn reads opsets ${MIN_OPSET} to ${MAX_OPSET}` }]);
  }
  if (options.constants !== undefined) bindConstants(decoded, options.constants);
  const lowered = new Lowering(decoded, layout).run(CONVERTERS);
  await ready();
  return buildModel(lowered, options.name ?? (decoded.graph.name || 'onnx_model'));
}

/** Moves the named graph inputs to the initializers, with the given values. */
function bindConstants(model: OnnxModelProto, constants: Record<string, Tensor>): void {
  if (typeof constants !== 'object' || constants === null) throw new TypeError('loadOnnx: constants must be an object of tensors by input name');
  for (const [name, value] of Object.entries(constants)) {
    const info = model.graph.inputs.find((i) => i.name === name);
    if (!info) throw new Error(`loadOnnx: constants names '${name}', which is not a graph input (inputs: ${model.graph.inputs.map((i) => i.name).join(', ')})`);
    if (!(value instanceof Tensor)) throw new TypeError(`loadOnnx: constants['${name}'] must be a Tensor`);
    const declared = info.shape;
    if (declared && (declared.length !== value.shape.length || declared.some((d, i) => typeof d === 'number' && d !== value.shape[i]))) {
      throw new Error(`loadOnnx: constants['${name}'] has shape [${value.shape.join(', ')}], the input is declared [${declared.map((d) => d ?? '?').join(', ')}]`);
    }
    model.graph.inputs = model.graph.inputs.filter((i) => i !== info);
    model.graph.initializers.push({ name, dims: [...value.shape], dataType: 1, values: value.data });
  }
}
