/** The edge worker's HTTP plumbing shared by its routes: JSON answers, errors, bounded bodies. */

/** A 4xx/5xx answer: the status and a JSON `{ error }` naming the problem. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** "65536 bytes (64 KB)" */
function limitText(maxBytes: number): string {
  return maxBytes % (1024 * 1024) === 0 ? `${maxBytes} bytes (${maxBytes / 1024 / 1024} MB)` : `${maxBytes} bytes (${maxBytes / 1024} KB)`;
}

/** The body as text, refusing more than `maxBytes` whether or not Content-Length is given. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const limit = limitText(maxBytes);
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new HttpError(400, `request body too large: ${declared} bytes; the limit is ${limit}`);
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
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

/** A JSON value as a message names it: `null`, `an array`, `the string "…"`, `Infinity`, `an object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
  if (typeof value === 'number') return String(value);
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** The body parsed as JSON; `expected` says what it should be ("a JSON array of 784 numbers"). */
export function parseJsonBody(text: string, expected: string): unknown {
  if (text.trim() === '') throw new HttpError(400, `empty body: expected ${expected}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not valid JSON (${(e as Error).message}): expected ${expected}`);
  }
}

/** A number of a request's data as float32, or an HttpError naming where it is and what it is. */
export function finiteNumber(value: unknown, where: string): number {
  // JSON has no NaN or Infinity: JSON.stringify(NaN) sends null, and 1e999 parses as Infinity.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `${where} is ${describe(value)}: expected a finite number`);
  return value;
}

/** What a route answers a POST with. */
export type RouteHandler = (request: Request) => Promise<Response>;

/** A worker serving POST on each route; 404 elsewhere, 405 for other methods, 500 (with a message) on a failure. */
export function serve(routes: Record<string, RouteHandler>): { fetch(request: Request): Promise<Response> } {
  const list = Object.keys(routes).map((path) => `POST ${path}`).join(', ');
  const handle = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
    if (!route) throw new HttpError(404, `no route ${pathname}: the routes are ${list}`);
    if (request.method !== 'POST') throw new HttpError(405, `method ${request.method} not allowed on ${pathname}: use POST`, { allow: 'POST' });
    return route(request);
  };
  return {
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
}
