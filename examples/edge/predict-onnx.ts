/**
 * POST /predict-onnx: the CNN PyTorch trained on digits 0-4 and exported to ONNX
 * (examples/models/mnist04-cnn.onnx), shipped as a `data` module of the worker and imported with
 * `loadOnnx(bytes)` once, on the first request. Inputs are the ONNX graph's own NCHW images.
 *
 *   body: a JSON array of shape [n, 1, 28, 28] (n digits, 1 ≤ n ≤ 64, row-major pixels in [0, 1])
 *   →  200 { probabilities: number[n][5], classes: number[n] }
 */
import * as nn from 'simdnn/core';
import { loadOnnx } from 'simdnn/onnx';
import onnxBytes from '../models/mnist04-cnn.onnx';
import { HttpError, describe, finiteNumber, json, parseJsonBody, readBody } from './http.js';
import { kernelsReady } from './kernels.js';

/** Largest request body accepted: 64 digits written with float32 precision (~15 KB each). */
const MAX_BODY_BYTES = 1024 * 1024;
/** Most digits per request. */
const MAX_BATCH = 64;

type OnnxModel = Awaited<ReturnType<typeof loadOnnx>>;

let loading: Promise<OnnxModel> | null = null;

function getModel(): Promise<OnnxModel> {
  loading ??= (async () => {
    // Before loadOnnx: its own ready() would compile the base64 kernels, which Workers refuse.
    await kernelsReady();
    return loadOnnx(new Uint8Array(onnxBytes));
  })();
  // A failed load is retried by the next request instead of being cached forever.
  loading.catch(() => (loading = null));
  return loading;
}

const shapeText = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;

/** The shape a nested JSON array claims along its first elements: [[[1, 2]]] → [1, 1, 2]. */
function leadingShape(value: unknown): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  return shape;
}

/**
 * The body's digits as one float32 tensor of shape [n, ...sample], or an HttpError(400) naming
 * the expected and the actual shape, or the first element that is not a finite number.
 */
export function parseImages(text: string, sample: readonly number[]): nn.Tensor {
  const expected = shapeText(['n', ...sample]);
  const what = `a JSON array of shape ${expected} (n digits, NCHW)`;
  const value = parseJsonBody(text, what);
  if (!Array.isArray(value)) throw new HttpError(400, `expected ${what}, got ${describe(value)}`);
  const actual = leadingShape(value);
  const n = actual[0];
  const matches = actual.length === sample.length + 1 && sample.every((d, i) => actual[i + 1] === d);
  if (!matches || n === 0) throw new HttpError(400, `input shape: expected ${expected} with 1 ≤ n ≤ ${MAX_BATCH}, got ${shapeText(actual)}`);
  if (n > MAX_BATCH) throw new HttpError(400, `input shape: expected ${expected} with 1 ≤ n ≤ ${MAX_BATCH}, got n = ${n}`);
  const full = [n, ...sample];
  const data = new Float32Array(full.reduce((a, b) => a * b, 1));
  let offset = 0;
  // Depth-first over the nested arrays, checking every length (ragged arrays are refused, not padded).
  const visit = (v: unknown, depth: number, index: number[]): void => {
    if (depth === full.length) {
      data[offset++] = finiteNumber(v, `element ${shapeText(index)}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== full[depth]) {
      const got = Array.isArray(v) ? `an array of ${v.length}` : describe(v);
      throw new HttpError(400, `input shape: expected ${expected}; element ${shapeText(index)} is ${got}, expected an array of ${full[depth]}`);
    }
    for (let i = 0; i < v.length; i++) visit(v[i], depth + 1, [...index, i]);
  };
  for (let i = 0; i < n; i++) visit(value[i], 1, [i]);
  return nn.tensor(data, full);
}

export async function predictOnnx(request: Request): Promise<Response> {
  const text = await readBody(request, MAX_BODY_BYTES);
  const model = await getModel();
  const images = parseImages(text, model.inputs[0].shape);
  const output = model.predict(images) as nn.Tensor;
  const [n, classes] = output.shape;
  const probabilities: number[][] = [];
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(output.data.subarray(i * classes, (i + 1) * classes));
    probabilities.push(row);
    best.push(row.indexOf(Math.max(...row)));
  }
  return json(200, { probabilities, classes: best });
}
