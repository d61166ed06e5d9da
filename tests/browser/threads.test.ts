/**
 * Threads in Chromium: the page is served cross-origin isolated (vitest.config.ts sets COOP/COEP),
 * so a Web Worker can run the pool. The worker trains nothing: it runs GEMMs of awkward sizes on
 * 1, 2, 3 and 4 threads and the page checks the bits are identical. The page itself (a main
 * thread) falls back with its reason.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../dist/index.js';

// Vitest serves dist/ through Vite, which routes dynamic imports through its page runner; the
// worker has no runner, so it gets a pass-through one before importing the package.
const workerSource = (coreUrl: string): string => `
  globalThis.__vitest_browser_runner__ ??= { wrapDynamicImport: (load) => load() };
  self.onmessage = async () => {
    try {
      const nn = await import('${coreUrl}');
      const out = [];
      await nn.ready({ threads: 4 });
      for (const threads of [1, 2, 3, 4]) {
        await nn.ready({ threads });
        const a = nn.tensor(Float32Array.from({ length: 301 * 257 }, (_, i) => Math.sin(i)), [301, 257]);
        const b = nn.tensor(Float32Array.from({ length: 257 * 263 }, (_, i) => Math.cos(i * 0.3)), [257, 263]);
        out.push({ info: nn.backend(), c: Array.from(nn.ops.matMul(a, b).data) });
      }
      self.postMessage({ out });
    } catch (error) {
      self.postMessage({ error: String(error && error.stack || error) });
    }
  };
`;

describe('threads in Chromium', () => {
  it('the page is crossOriginIsolated, and its main thread falls back naming Atomics.wait', async () => {
    expect(crossOriginIsolated).toBe(true);
    await nn.ready({ threads: 2 });
    expect(nn.backend()).toMatchObject({ threads: 1 });
    expect(nn.backend().why).toMatch(/main thread cannot Atomics\.wait/);
  });

  it('a Web Worker runs the pool, and GEMMs are bit-identical on 1-4 threads', async () => {
    const coreUrl = new URL('../../dist/core.js', import.meta.url).href;
    const url = URL.createObjectURL(new Blob([workerSource(coreUrl)], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    const reply = await new Promise<{ out?: { info: nn.BackendInfo; c: number[] }[]; error?: string }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => resolve({ error: event.message });
      worker.postMessage('go');
    });
    worker.terminate();
    expect(reply.error).toBeUndefined();
    const out = reply.out!;
    expect(out.map((o) => o.info.threads)).toEqual([1, 2, 3, 4]);
    for (const o of out.slice(1)) expect(o.c.every((v, i) => Object.is(v, out[0].c[i]))).toBe(true);
  });
});
