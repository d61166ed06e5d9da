// The threads section's Chromium table: bundles worker.ts (simdnn from src/, TF.js, its wasm
// backend and ORT web) with esbuild, serves it cross-origin isolated on 127.0.0.1 beside the
// libraries' .wasm files, and in headless Chromium (Debian's, via playwright-core) runs one fresh
// module Web Worker per thread count in [1, navigator.hardwareConcurrency]. Every step has a
// deadline; the browser, the server and the bundle folder are closed or removed whatever happens.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import type { PeerOptions, PeerRun } from '../threads-peers.js';
import { closeServer, serveIsolated } from './server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the networking flags Chromium keeps dialling out, which this machine refuses.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BrowserPeers {
  chromium: string;
  cores: number;
  runs: PeerRun[];
}

/** Rejects after `ms` with a message naming `what`, unless `work` settles first. */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** worker.ts and everything it imports as one ES module in `dir`. */
async function bundleWorker(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: [join(HERE, 'worker.ts')], outfile, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    // ORT's build that imports its wasm glue (.mjs) from env.wasm.wasmPaths instead of embedding it.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Every peer figure at 1 thread and at all of Chromium's threads. Throws with the reason when
 * Chromium is missing or any step fails or passes its deadline.
 */
export async function chromiumPeerRuns(options: Pick<PeerOptions, 'quick' | 'filter'>, log: (line: string) => void): Promise<BrowserPeers> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-threads-browser-'));
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveIsolated>>['server'] | undefined;
  try {
    log('chromium: bundling the worker (esbuild)');
    const worker = await withDeadline(bundleWorker(dir), 120_000, 'esbuild');
    const served = await serveIsolated({
      '/page.html': join(HERE, 'page.html'),
      '/worker.js': worker,
      '/tfjs/': join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
      '/ort/': join(ROOT, 'node_modules', 'onnxruntime-web', 'dist'),
    });
    server = served.server;
    const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000, args: CHROMIUM_ARGS });
    browser = await launching;
    const page = await browser.newPage();
    page.on('console', (message) => { if (message.text().startsWith('[bench] ')) log(`chromium ${message.text().slice(8)}`); });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${served.origin}/page.html`, { timeout: 60_000 });
    const host = await page.evaluate('({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency })') as { isolated: boolean; cores: number };
    if (!host.isolated) throw new Error('the page is not crossOriginIsolated: no SharedArrayBuffer, so no threads');
    const runs: PeerRun[] = [];
    for (const threads of [...new Set([1, host.cores])]) {
      log(`chromium: ${threads} thread(s), fresh worker`);
      const request = JSON.stringify({ threads, quick: options.quick, filter: options.filter });
      // A string, not a function: tsx's transform would add helpers the page does not have.
      const run = page.evaluate(`runPeers(${request})`) as Promise<PeerRun>;
      runs.push(await withDeadline(run, options.quick ? 180_000 : 420_000, `chromium worker at ${threads} thread(s)`)
        .catch((error: Error) => { throw new Error([error.message, ...errors].join('; ')); }));
    }
    return { chromium: browser.version(), cores: host.cores, runs };
  } finally {
    await browser?.close().catch(() => {});
    if (server) await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}
