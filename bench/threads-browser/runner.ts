// The threads section's Chromium table: bundles worker.ts (simdnn from src/, TF.js, its wasm
// backend and ORT web) with esbuild, serves it cross-origin isolated on 127.0.0.1 beside the
// libraries' .wasm files, and in headless Chromium (Debian's, via playwright-core) runs one fresh
// module Web Worker per thread count in [1, navigator.hardwareConcurrency]. Server, browser and
// deadline are the runtime harness's (scripts/runtimes/harness.mjs); the folder is removed whatever happens.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { PeerOptions, PeerRun } from '../threads-peers.js';
import { ISOLATION, openChromiumPage, withDeadline } from '../../scripts/runtimes/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

export interface BrowserPeers {
  chromium: string;
  cores: number;
  runs: PeerRun[];
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
  // One folder served whole: the page, the bundle, and the libraries' .wasm folders linked in.
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-threads-browser-'));
  try {
    log('chromium: bundling the worker (esbuild)');
    await withDeadline(() => bundleWorker(dir), 'esbuild', 120_000);
    symlinkSync(join(HERE, 'page.html'), join(dir, 'page.html'));
    symlinkSync(join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'), join(dir, 'tfjs'), 'dir');
    symlinkSync(join(ROOT, 'node_modules', 'onnxruntime-web', 'dist'), join(dir, 'ort'), 'dir');
    const perCount = options.quick ? 180_000 : 420_000;
    return await withDeadline(async (ctx) => {
      const opened = await openChromiumPage(ctx, dir, 'page.html', ISOLATION);
      if (!opened) throw new Error('Chromium did not start in time');
      const page: Page = opened.page;
      page.on('console', (message) => { if (message.text().startsWith('[bench] ')) log(`chromium ${message.text().slice(8)}`); });
      const host = await page.evaluate('({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency })') as { isolated: boolean; cores: number };
      if (!host.isolated) throw new Error('the page is not crossOriginIsolated: no SharedArrayBuffer, so no threads');
      const runs: PeerRun[] = [];
      for (const threads of [...new Set([1, host.cores])]) {
        log(`chromium: ${threads} thread(s), fresh worker`);
        const request = JSON.stringify({ threads, quick: options.quick, filter: options.filter });
        // A string, not a function: tsx's transform would add helpers the page does not have.
        runs.push(await (page.evaluate(`runPeers(${request})`) as Promise<PeerRun>)
          .catch((error: Error) => { throw new Error([error.message, ...opened.log].join('; ')); }));
      }
      return { chromium: opened.version.replace(/^chromium /, ''), cores: host.cores, runs };
    }, 'the Chromium peer runs', 120_000 + 2 * perCount);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
