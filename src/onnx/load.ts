/**
 * `loadOnnx`: an ONNX file → a simdnn model that predicts, summarises, saves in the TF.js format
 * and fine-tunes like one built by hand. The file is bounded and decoded, every node lowered to
 * simdnn layers or refused (all refusals in one error) before any wasm memory is used, and only
 * then is the model built.
 */
import { checkOptions } from '../core/checks.js';
import { ready } from '../core/wasm.js';
import type { Functional } from '../models/functional.js';
import { decodeModel } from './decode.js';
import { buildModel } from './import/build.js';
import { CONVERTERS } from './import/converters.js';
import { Lowering, type BoundaryLayout } from './import/lower.js';

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
}

const OPTION_KEYS = ['layout', 'maxBytes', 'name'];
const DEFAULT_MAX_BYTES = 1 << 30;

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
    const module = '../node/read-file.js';
    const { readRegularFile } = await import(/* @vite-ignore */ module) as typeof import('../node/read-file.js');
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
 * Imports an ONNX model (opsets 7–21 of the default domain; see the README for the op table).
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
  if (opset === undefined || opset < 7 || opset > 21) {
    throw new Error(`loadOnnx: the model imports opset ${opset ?? '(none)'} of the default domain; simdnn reads opsets 7 to 21`);
  }
  const lowered = new Lowering(decoded, layout).run(CONVERTERS);
  await ready();
  return buildModel(lowered, options.name ?? (decoded.graph.name || 'onnx_model'));
}
