/**
 * The edge inference worker (Cloudflare Workers module syntax, run locally by workerd).
 *
 *   POST /predict  body: a JSON array of 784 finite numbers (a 28×28 digit, row-major, in [0, 1])
 *   →  200 { probabilities: number[10], class: number }
 *
 * Anything else gets a JSON `{ error }` and a 4xx: 404 (other path), 405 (other method), 400 (body
 * not JSON, not an array of 784 finite numbers, or larger than 64 KB). An unexpected failure is a
 * 500 with a message; the worker never throws out of `fetch`.
 *
 * The model (model.json + weights.bin, written by `model.save` in build.ts) is embedded in the
 * bundle; it and the kernels are loaded once, on the first request, then reused by every request
 * the isolate serves. Workers refuse to compile WebAssembly from bytes at run time ("Wasm code
 * generation disallowed by embedder"), so the kernels come in as `simdnn/simdnn.wasm`, a compiled
 * `wasm` module of the worker (build.ts puts the file beside the bundle), and are handed to
 * `nn.ready({ wasm })` instead of the base64 copy inside the library's JS.
 */
import * as nn from 'simdnn/core';
import kernels from 'simdnn/simdnn.wasm';
import modelJSON from './model/model.json';
import weights from './model/weights.bin';

/** Largest request body accepted, in bytes. */
const MAX_BODY_BYTES = 64 * 1024;
/** Pixels of one digit. */
const PIXELS = 784;

let loading: Promise<nn.LayersModel> | null = null;

function getModel(): Promise<nn.LayersModel> {
  loading ??= (async () => {
    await nn.ready({ wasm: kernels });
    return nn.loadModel(nn.io.fromModelJSON(modelJSON, { 'weights.bin': weights }));
  })();
  // A failed load is retried by the next request instead of being cached forever.
  loading.catch(() => (loading = null));
  return loading;
}

/** A 4xx/5xx answer: the status and a JSON `{ error }` naming the problem. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The body as text, refusing more than MAX_BODY_BYTES whether or not Content-Length is given. */
async function readBody(request: Request): Promise<string> {
  const limit = `${MAX_BODY_BYTES} bytes (64 KB)`;
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw new HttpError(400, `request body too large: ${declared} bytes; the limit is ${limit}`);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new HttpError(400, `request body too large: more than the limit of ${limit}`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
  if (typeof value === 'number') return String(value);
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** The 784 pixels of the body, or an HttpError(400) saying what is wrong with it. */
function parsePixels(text: string): Float32Array {
  if (text.trim() === '') throw new HttpError(400, `empty body: expected a JSON array of ${PIXELS} numbers`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON (${(e as Error).message}): expected a JSON array of ${PIXELS} numbers`);
  }
  if (!Array.isArray(value)) throw new HttpError(400, `expected a JSON array of ${PIXELS} numbers, got ${describe(value)}`);
  if (value.length !== PIXELS) throw new HttpError(400, `expected a JSON array of ${PIXELS} numbers, got ${value.length}`);
  const pixels = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const v: unknown = value[i];
    // JSON has no NaN or Infinity: JSON.stringify(NaN) sends null, and 1e999 parses as Infinity.
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new HttpError(400, `element ${i} is ${describe(v)}: expected a finite number`);
    }
    pixels[i] = v;
  }
  return pixels;
}

async function handle(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname !== '/predict') throw new HttpError(404, `no route ${pathname}: POST /predict with a JSON array of ${PIXELS} numbers`);
  if (request.method !== 'POST') {
    throw new HttpError(405, `method ${request.method} not allowed on /predict: use POST`, { allow: 'POST' });
  }
  const pixels = parsePixels(await readBody(request));
  const model = await getModel();
  const probabilities = Array.from((model.predict(nn.tensor(pixels, [1, PIXELS])) as nn.Tensor).data);
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  return json(200, { probabilities, class: best });
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (e) {
      if (e instanceof HttpError) return json(e.status, { error: e.message }, e.headers);
      console.error('predict failed:', e);
      return json(500, { error: `internal error: ${e instanceof Error ? e.message : String(e)}` });
    }
  },
};
