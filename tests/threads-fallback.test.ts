// Where threads cannot run, one thread runs and nn.backend() says why in one line (never a throw):
// simulated hosts without SharedArrayBuffer, without Worker, or on a browser's main thread; an
// unknown ready() option names the nearest valid one; a process that trains with threads exits
// by itself (its workers are unref'd) and trains to the single-thread build's very weights; relaxed SIMD
// falls back with a reason where unsupported.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { setThreadEnvironment, type ThreadEnvironment } from '../src/core/threads/env.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host: ThreadEnvironment = { sharedMemory: true, worker: 'node', canWait: true, cores: 4 };

afterAll(async () => {
  setThreadEnvironment(null);
  await nn.ready({ threads: 1 });
});

describe('thread fallbacks', () => {
  it.each([
    [{ sharedMemory: false, crossOriginIsolated: false, worker: 'web' }, /not crossOriginIsolated.*Cross-Origin-Opener-Policy/],
    [{ sharedMemory: false }, /no SharedArrayBuffer in this runtime/],
    [{ worker: null }, /no Worker in this runtime/],
    [{ canWait: false, worker: 'web', crossOriginIsolated: true }, /main thread cannot Atomics\.wait/],
  ] as [Partial<ThreadEnvironment>, RegExp][])('%o: one thread, and the reason', async (env, reason) => {
    setThreadEnvironment({ ...host, ...env });
    await expect(nn.ready({ threads: 2 })).resolves.toBeUndefined();
    const info = nn.backend();
    expect(info.threads).toBe(1);
    expect(info.why).toMatch(reason);
    expect(info.why).not.toContain('\n');
    // Still computes.
    expect(nn.ops.matMul(nn.tensor([1, 2], [1, 2]), nn.tensor([3, 4], [2, 1])).data[0]).toBe(11);
    setThreadEnvironment(null);
  });

  it("threads: 1 and 'auto' on one core need no reason", async () => {
    setThreadEnvironment({ ...host, cores: 1 });
    await nn.ready({ threads: 'auto' });
    expect(nn.backend()).toEqual({ threads: 1, simd: 'plain' });
    setThreadEnvironment(null);
    await nn.ready({ threads: 1 });
    expect(nn.backend()).toEqual({ threads: 1, simd: 'plain' });
  });

  it("'auto' on a host without threads says why even when it reports one core (workerd)", async () => {
    setThreadEnvironment({ ...host, cores: 1, worker: null });
    await nn.ready({ threads: 'auto' });
    expect(nn.backend().threads).toBe(1);
    expect(nn.backend().why).toMatch(/no Worker in this runtime/);
    setThreadEnvironment(null);
    await nn.ready({ threads: 1 });
    expect(nn.backend().why).toBeUndefined();
  });

  it('refuses unknown options naming the nearest, and bad values', async () => {
    await expect(nn.ready({ thread: 2 } as never)).rejects.toThrow("ready: unknown option 'thread'; did you mean 'threads'?");
    await expect(nn.ready({ sims: 'relaxed' } as never)).rejects.toThrow("did you mean 'simd'?");
    await expect(nn.ready({ threads: 0 })).rejects.toThrow(/threads must be a positive integer or 'auto', got 0/);
    await expect(nn.ready({ simd: 'fast' } as never)).rejects.toThrow(/simd must be 'plain' or 'relaxed'/);
  });
});

/** Runs `source` (an ES module importing the built package) in a fresh Node; returns its stdout. */
function runChild(source: string, flags: string[] = []): string {
  if (!existsSync(join(root, 'dist', 'core.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  return execFileSync(process.execPath, [...flags, '--input-type=module', '-e', source], { cwd: root, encoding: 'utf8' });
}

describe('processes', () => {
  it('a script that trains with threads: 2 exits by itself with code 0', () => {
    // execFileSync throws on a non-zero exit; a process kept alive by its workers would hang past the test's timeout.
    const out = runChild(`
      import * as nn from './dist/core.js';
      await nn.ready({ threads: 2 });
      const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [64], units: 256, activation: 'relu' }), nn.layers.dense({ units: 2 })] });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      await model.fit(nn.tensor(new Float32Array(512 * 64).fill(0.5), [512, 64]), nn.tensor(new Float32Array(1024), [512, 2]), { epochs: 2, batchSize: 256, verbose: 0 });
      console.log(JSON.stringify(nn.backend()));
    `);
    expect(JSON.parse(out)).toEqual({ threads: 2, simd: 'plain' });
  });

  it('a model trained on 2 threads (threaded build) ends with the weights of one trained by the single-thread build', () => {
    // Layers large enough to split at the default cutoff: dense 512->256 and a 16-filter conv at batch 32.
    const train = (options: string): string => `
      import { createHash } from 'node:crypto';
      import * as nn from './dist/core.js';
      await nn.ready(${options});
      nn.setSeed(5);
      const model = nn.sequential({ layers: [
        nn.layers.conv2d({ inputShape: [16, 16, 8], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
        nn.layers.flatten(), nn.layers.dense({ units: 256, activation: 'relu' }), nn.layers.dense({ units: 3, activation: 'softmax' }),
      ] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
      const x = nn.tensor(Float32Array.from({ length: 64 * 16 * 16 * 8 }, (_, i) => Math.sin(i * 0.37)), [64, 16, 16, 8]);
      const y = nn.data.toCategorical(Uint8Array.from({ length: 64 }, (_, i) => i % 3), 3);
      await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, seed: 6 });
      const hash = createHash('sha256');
      for (const w of model.getWeights()) hash.update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
      const bytes = hash.digest('hex');
      console.log(JSON.stringify({ threads: nn.backend().threads, bytes }));
    `;
    const threaded = JSON.parse(runChild(train('{ threads: 2 }'))) as { threads: number; bytes: string };
    const plain = JSON.parse(runChild(train(''))) as { threads: number; bytes: string };
    expect([threaded.threads, plain.threads]).toEqual([2, 1]);
    expect(threaded.bytes === plain.bytes, 'bit-identical weights').toBe(true);
  });

  it("simd: 'relaxed' runs where the engine validates it, and falls back with a reason where not", () => {
    const script = `
      import * as nn from './dist/core.js';
      await nn.ready({ simd: 'relaxed', threads: 2 });
      const y = nn.ops.matMul(nn.tensor([1, 2, 3], [1, 3]), nn.tensor([4, 5, 6], [3, 1]));
      console.log(JSON.stringify({ ...nn.backend(), y: y.data[0] }));
    `;
    const plain = JSON.parse(runChild(script)) as { simd: string; why?: string; y: number };
    if (plain.simd === 'plain') expect(plain.why).toMatch(/relaxed SIMD is not supported by this engine.*--experimental-wasm-relaxed-simd/);
    expect(plain.y).toBe(32);
    const flagged = JSON.parse(runChild(script, ['--experimental-wasm-relaxed-simd'])) as { simd: string; threads: number; y: number };
    expect(flagged).toMatchObject({ simd: 'relaxed', threads: 2, y: 32 });
  });
});
