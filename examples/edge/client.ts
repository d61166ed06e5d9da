/** The edge worker's client side: prediction requests, and the malformed requests it must refuse. */

/** The worker's answer to a good request. */
export interface Prediction {
  probabilities: number[];
  class: number;
}

/** POST /predict with one digit (784 values); throws on anything but 200. */
export async function predict(url: string, pixels: ArrayLike<number>): Promise<Prediction> {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Array.from(pixels)),
  });
  const body = (await response.json()) as Prediction & { error?: string };
  if (response.status !== 200) throw new Error(`POST /predict: HTTP ${response.status}: ${body.error}`);
  return body;
}

/** The answer of POST /predict-onnx: one row of probabilities (digits 0-4) and one class per digit sent. */
export interface OnnxPrediction {
  probabilities: number[][];
  classes: number[];
}

/** `data` (row-major) as nested arrays of `shape`: what numpy's tolist() sends. */
export function nested(data: ArrayLike<number>, shape: readonly number[]): unknown[] {
  const build = (offset: number, depth: number): unknown[] => {
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[depth] }, (_, i) => (depth === shape.length - 1 ? data[offset + i] : build(offset + i * stride, depth + 1)));
  };
  return build(0, 0);
}

/** POST /predict-onnx with n digits (n × 784 values) as an [n, 1, 28, 28] array; throws on anything but 200. */
export async function predictOnnx(url: string, pixels: ArrayLike<number>): Promise<OnnxPrediction> {
  const n = pixels.length / 784;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`predictOnnx: pixels must hold n × 784 values, got ${pixels.length}`);
  const response = await fetch(`${url}/predict-onnx`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(nested(pixels, [n, 1, 28, 28])),
  });
  const body = (await response.json()) as OnnxPrediction & { error?: string };
  if (response.status !== 200) throw new Error(`POST /predict-onnx: HTTP ${response.status}: ${body.error}`);
  return body;
}

/**
 * True when the worker's numbers are Node's float32 values bit for bit: each JSON number is
 * exactly a float32 (no other double that merely rounds to it) and has the same 32 bits.
 */
export function sameFloat32Bits(answer: readonly number[], expected: Float32Array): boolean {
  if (answer.length !== expected.length || !answer.every((v) => typeof v === 'number' && Math.fround(v) === v)) return false;
  const got = new Uint32Array(Float32Array.from(answer).buffer);
  const want = new Uint32Array(Float32Array.from(expected).buffer);
  return got.every((bits, i) => bits === want[i]);
}

/** A request the worker must refuse, with the status and (part of) the message it must give. */
export interface MalformedCase {
  name: string;
  method: string;
  path: string;
  body?: string | ReadableStream<Uint8Array>;
  status: number;
  message: RegExp;
}

const digit = (): number[] => Array.from({ length: 784 }, (_, i) => (i % 7) / 7);
const withElement = (index: number, token: string): string => {
  const values = digit().map(String);
  values[index] = token;
  return `[${values.join(',')}]`;
};

/** 70 KB in 7 chunks, sent without Content-Length (chunked), so only the worker's own count stops it. */
function streamedBody(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === 7) controller.close();
      else controller.enqueue(new TextEncoder().encode(' '.repeat(10 * 1024)));
    },
  });
}

/** The malformed requests: each gets its status and a JSON `{ error }` matching `message`. */
export function malformedCases(): MalformedCase[] {
  const post = { method: 'POST', path: '/predict' };
  return [
    { name: 'wrong length (783 numbers)', ...post, body: JSON.stringify(digit().slice(1)), status: 400, message: /expected a JSON array of 784 numbers, got 783/ },
    { name: 'empty array', ...post, body: '[]', status: 400, message: /expected a JSON array of 784 numbers, got 0/ },
    { name: 'NaN token (not JSON)', ...post, body: withElement(5, 'NaN'), status: 400, message: /body is not valid JSON/ },
    { name: 'null element (JSON.stringify(NaN))', ...post, body: withElement(5, 'null'), status: 400, message: /element 5 is null: expected a finite number/ },
    { name: 'string element', ...post, body: withElement(9, '"0.5"'), status: 400, message: /element 9 is the string "0.5": expected a finite number/ },
    { name: 'overflow to Infinity (1e999)', ...post, body: withElement(0, '1e999'), status: 400, message: /element 0 is Infinity: expected a finite number/ },
    { name: 'nested array', ...post, body: `[${withElement(3, '[1]').slice(1)}`, status: 400, message: /element 3 is an array: expected a finite number/ },
    { name: 'object, not array', ...post, body: '{"pixels":[0,1]}', status: 400, message: /expected a JSON array of 784 numbers, got an object/ },
    { name: 'not JSON', ...post, body: 'hello, worker', status: 400, message: /body is not valid JSON/ },
    { name: 'empty body', ...post, body: '', status: 400, message: /empty body/ },
    { name: 'oversized body (70 KB)', ...post, body: ' '.repeat(70 * 1024), status: 400, message: /request body too large: 71680 bytes; the limit is 65536 bytes/ },
    { name: 'oversized body, chunked', ...post, body: streamedBody(), status: 400, message: /request body too large: more than the limit of 65536 bytes/ },
    { name: 'GET /predict', method: 'GET', path: '/predict', status: 405, message: /method GET not allowed on \/predict: use POST/ },
    { name: 'PUT /predict', method: 'PUT', path: '/predict', body: '[]', status: 405, message: /method PUT not allowed/ },
    { name: 'POST /other', method: 'POST', path: '/other', body: '[]', status: 404, message: /no route \/other: the routes are POST \/predict, POST \/predict-onnx/ },
  ];
}

/** The malformed requests of POST /predict-onnx (shape [n, 1, 28, 28]). */
export function malformedOnnxCases(): MalformedCase[] {
  const post = { method: 'POST', path: '/predict-onnx' };
  const image = (): unknown[] => nested(digit(), [1, 28, 28]);
  const expected = '\\[n, 1, 28, 28\\]';
  const shape = (got: string) => new RegExp(`input shape: expected ${expected} with 1 ≤ n ≤ 64, got ${got.replace(/[[\]]/g, '\\$&')}`);
  const ragged = [image()];
  (ragged[0] as number[][][])[0][5] = (ragged[0] as number[][][])[0][5].slice(1);
  const withNull = [image()];
  (withNull[0] as (number | null)[][][])[0][3][7] = null;
  return [
    { name: 'flat 784 numbers (the MLP\'s input)', ...post, body: JSON.stringify(digit()), status: 400, message: shape('[784]') },
    { name: 'no batch axis [1, 28, 28]', ...post, body: JSON.stringify(image()), status: 400, message: shape('[1, 28, 28]') },
    { name: 'channels last [1, 28, 28, 1]', ...post, body: JSON.stringify(nested(digit(), [1, 28, 28, 1])), status: 400, message: shape('[1, 28, 28, 1]') },
    { name: 'empty batch []', ...post, body: '[]', status: 400, message: shape('[0]') },
    { name: 'batch of 65', ...post, body: JSON.stringify(Array.from({ length: 65 }, () => [nested(new Array(784).fill(0), [28, 28])])), status: 400, message: shape('n = 65') },
    { name: 'ragged row (27 values)', ...post, body: JSON.stringify(ragged), status: 400, message: new RegExp(`input shape: expected ${expected}; element \\[0, 0, 5\\] is an array of 27, expected an array of 28`) },
    { name: 'null pixel', ...post, body: JSON.stringify(withNull), status: 400, message: /element \[0, 0, 3, 7\] is null: expected a finite number/ },
    { name: 'object, not array', ...post, body: '{"x":[]}', status: 400, message: /expected a JSON array of shape \[n, 1, 28, 28\] \(n digits, NCHW\), got an object/ },
    { name: 'not JSON', ...post, body: '[[[', status: 400, message: /body is not valid JSON/ },
    { name: 'GET /predict-onnx', method: 'GET', path: '/predict-onnx', status: 405, message: /method GET not allowed on \/predict-onnx: use POST/ },
  ];
}

/** Sends one malformed case; returns the status and the `error` of the JSON body. */
export async function send(url: string, c: MalformedCase): Promise<{ status: number; error: string; contentType: string }> {
  const init: RequestInit & { duplex?: 'half' } = { method: c.method, body: c.body };
  if (c.body instanceof ReadableStream) init.duplex = 'half';
  const response = await fetch(`${url}${c.path}`, init);
  const text = await response.text();
  let error: string;
  try {
    error = String((JSON.parse(text) as { error?: unknown }).error);
  } catch {
    error = `(not JSON: ${text.slice(0, 80)})`;
  }
  return { status: response.status, error, contentType: response.headers.get('content-type') ?? '' };
}
