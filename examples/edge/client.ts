/** The edge worker's client side: a prediction request, and the malformed requests it must refuse. */

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
    { name: 'POST /other', method: 'POST', path: '/other', body: '[]', status: 404, message: /no route \/other/ },
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
