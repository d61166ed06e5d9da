/**
 * The browser example's tiny static server: builds dist/ (see build.ts), then serves
 * index.html, style.css and dist/ on 127.0.0.1 only. Ctrl-C stops it.
 *
 *   npm run build && npx tsx examples/browser/serve.ts [--port 8080]
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BROWSER_DIR, DIST_DIR, buildBrowserExample } from './build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/** A running server. */
export interface RunningServer {
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  /** Stops listening and closes open connections; resolves when closed. */
  close(): Promise<void>;
}

/** The file for a URL path, or null: '/', '/index.html', '/style.css' and '/dist/<file>' only. */
function fileFor(pathname: string, distDir: string): string | null {
  if (pathname === '/' || pathname === '/index.html') return join(BROWSER_DIR, 'index.html');
  if (pathname === '/style.css') return join(BROWSER_DIR, 'style.css');
  if (pathname.startsWith('/dist/')) {
    const file = normalize(join(distDir, decodeURIComponent(pathname.slice('/dist/'.length))));
    return file.startsWith(distDir + sep) ? file : null;
  }
  return null;
}

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** 0 (default): a free port. */
  port?: number;
  /** What /dist/ serves; default examples/browser/dist. */
  distDir?: string;
}

/** Serves the example on 127.0.0.1. Build first with {@link buildBrowserExample}. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const { port = 0 } = options;
  const distDir = resolve(options.distDir ?? DIST_DIR);
  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'GET only');
    let file: string | null = null;
    try {
      file = fileFor(new URL(request.url ?? '/', 'http://127.0.0.1').pathname, distDir);
    } catch {
      // a malformed %-escape: not found
    }
    if (!file) return send(404, 'not found');
    try {
      send(200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('serve: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// Run as a script (not when imported by the test).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, got ${values.port}`);
  const sizes = await buildBrowserExample();
  console.log(`built ${DIST_DIR}: ${Object.entries(sizes).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KB`).join(', ')}`);
  const server = await startServer({ port });
  console.log(`serving the MNIST browser example at ${server.url} (127.0.0.1 only); Ctrl-C stops it`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}
