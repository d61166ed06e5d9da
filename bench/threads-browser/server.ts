// A static server for the threads section's Chromium table, on 127.0.0.1 only, that makes its
// pages cross-origin isolated (COOP + COEP on every response, so workers get SharedArrayBuffer).
// It serves only what `routes` names: exact paths, and '/prefix/' folders by file name.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Exact URL paths to files, and URL folders ending in '/' to directories. */
export type Routes = Record<string, string>;

function resolveRoute(routes: Routes, pathname: string): string | null {
  if (routes[pathname] !== undefined && !pathname.endsWith('/')) return routes[pathname];
  const folder = pathname.slice(0, pathname.lastIndexOf('/') + 1);
  const name = pathname.slice(folder.length);
  // A bare file name only: nothing outside the routed directory.
  if (routes[folder] === undefined || name === '' || name !== basename(name) || name.startsWith('.')) return null;
  return join(routes[folder], name);
}

/** Serves `routes` on 127.0.0.1 at a free port; resolves with the server and its origin. */
export async function serveIsolated(routes: Routes): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    const file = resolveRoute(routes, pathname);
    if (request.method !== 'GET' || file === null || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, ISOLATION).end('not found');
      return;
    }
    response.writeHead(200, { ...ISOLATION, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes the server and every connection still open (a worker may still be fetching). */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
}
