#!/usr/bin/env node
/**
 * The cross-runtime benchmark (`npm run bench:runtimes`): the package as `npm pack` makes it, in
 * Node, Bun, Deno, headless Chromium (a crossOriginIsolated page, the workload in a module Web
 * Worker) and workerd, each runtime in three configurations (1 thread, all threads, relaxed SIMD
 * on 1 thread), one fresh process / Worker / workerd per configuration running workload.mjs.
 * Prints the machine, each runtime's version and one Markdown table (report.mjs).
 *
 *   node bench/runtimes/run.mjs [--only=node,bun,deno,chromium,workerd] [--rounds=3] [--keep]
 *
 * Node always runs (its weights are the reference). Needs a built dist/ (`npm run build`; the
 * npm script builds first). Exits 1 when a run on the plain build trained weights that differ
 * from Node 1-thread's, or a run failed; timings never fail it. Children and servers as in
 * scripts/runtimes/harness.mjs: 127.0.0.1 only, a deadline each (RUNTIME_TIMEOUT_MS, default 180 s).
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ISOLATION, RUNTIMES, TIMEOUT_MS, bunCommand, bundleWorker, cleanup, denoCommand, freePort, onlyRuntimes, openChromiumPage,
  parseResult, run, stagePackage, startWorkerd, tail, withDeadline, workerdConfig, workerdVersion,
} from '../../scripts/runtimes/harness.mjs';
import { CNN_SAMPLES, CONFIGS, MLP_SAMPLES, PLAN } from './workload.mjs';
import { markdownTable, median } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = onlyRuntimes(args);
const keep = args.includes('--keep');
const roundsArg = args.find((a) => a.startsWith('--rounds='));
const rounds = roundsArg ? Number(roundsArg.slice('--rounds='.length)) : 3;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got '${roundsArg.slice('--rounds='.length)}'`);

/** What each runtime reports beside the table (crossOriginIsolated, workerd's clock). */
const facts = {};

// Each returns { version, result } for one config, result being runBench's JSON.
const runtimes = {
  async node(dir, config, ctx) {
    // Node 20 keeps relaxed SIMD behind a flag; the others have it by default.
    const flags = config === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
    const result = parseResult(await run(process.execPath, [...flags, 'node.mjs', config], { cwd: dir }, ctx));
    return { version: result.version, result };
  },

  async bun(dir, config, ctx) {
    const result = parseResult(await run(...bunCommand(dir, 'bun.mjs', [config]), ctx));
    return { version: result.version, result };
  },

  async deno(dir, config, ctx) {
    const result = parseResult(await run(...denoCommand(dir, 'deno.mjs', [config]), ctx));
    return { version: result.version, result };
  },

  async chromium(dir, config, ctx) {
    const opened = await openChromiumPage(ctx, dir, 'browser.html', ISOLATION);
    if (!opened) return undefined;
    const { page, log, version } = opened;
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    const isolated = await page.evaluate(() => crossOriginIsolated);
    try {
      const result = await page.evaluate((c) => window.runConfig(c), config);
      facts.chromium = { page: isolated, worker: result.env.crossOriginIsolated };
      return { version, result };
    } catch (error) {
      throw new Error(`${error.message}\n${log.join('\n')}`);
    }
  },

  async workerd(dir, config, ctx) {
    const out = join(dir, 'workerd');
    if (!existsSync(out)) {
      mkdirSync(out);
      // The worker and the library in one module; both wasm builds stay modules the config declares.
      await bundleWorker(dir, 'worker.mjs', join(out, 'worker.js'), ['./simdnn.wasm', './simdnn-relaxed.wasm']);
      for (const wasm of ['simdnn.wasm', 'simdnn-relaxed.wasm']) copyFileSync(join(dir, 'node_modules', 'simdnn', 'build', wasm), join(out, wasm));
    }
    const port = await freePort();
    writeFileSync(join(out, `${config}.capnp`), workerdConfig(port, [['worker.js', 'esModule'], ['simdnn.wasm', 'wasm'], ['simdnn-relaxed.wasm', 'wasm']]));
    const version = workerdVersion();
    const { base, child, stop } = await startWorkerd(ctx, out, `${config}.capnp`, port);
    try {
      if (ctx.aborted) return undefined;
      const result = await hostPlan(base, config, () => tail(child.output));
      return { version, result };
    } finally {
      await stop();
    }
  },
};

/**
 * Drives the plan in workerd step by step, timing each request with Node's clock less the
 * median round trip of an empty step (workerd's own clock is reported beside, as a check).
 */
async function hostPlan(base, config, logTail) {
  const get = async (path) => {
    const t0 = performance.now();
    const response = await fetch(base + path, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await response.json();
    const ms = performance.now() - t0;
    if (!response.ok || body.error) throw new Error(`GET ${path}: HTTP ${response.status}: ${body.error}\n${logTail()}`);
    return { body, ms };
  };
  const setup = (await get(`/setup?config=${config}`)).body;
  const clock = (await get('/clock')).body;
  const empty = [];
  for (let i = 0; i < 21; i++) empty.push((await get('/step?name=empty&reps=1')).ms);
  const roundTrip = median(empty);
  const samples = {};
  const gaps = (facts.workerd ??= { gaps: [], roundTrips: [] }).gaps; // host less workerd's own ms, per sample
  facts.workerd.roundTrips.push(roundTrip);
  for (const { step, reps, samples: count, warmup } of PLAN) {
    for (let w = 0; w < warmup; w++) await get(`/step?name=${step}&reps=1`);
    samples[step] = [];
    for (let s = 0; s < count; s++) {
      const { body, ms } = await get(`/step?name=${step}&reps=${reps}`);
      samples[step].push((ms - roundTrip) / reps);
      gaps.push(ms - roundTrip - body.workerMs);
    }
  }
  facts.workerd.clock = clock;
  return { config, backend: setup.backend, env: setup.env, samples, clock, ...(await get('/weights')).body };
}

/** Adds one round's samples to the row; every round must train the very same weights. */
function addRound(row, result) {
  if (!row.result) {
    row.result = result;
    return;
  }
  for (const [step, times] of Object.entries(result.samples)) row.result.samples[step].push(...times);
  for (const model of ['mlp', 'cnn']) {
    if (result[model].hex !== row.result[model].hex) throw new Error(`${model.toUpperCase()} weights differ between rounds (${row.result[model].hash} then ${result[model].hash})`);
  }
}

function machine() {
  const cpu = cpus();
  return `${cpu[0]?.model.trim()}, ${cpu.length} logical cores (availableParallelism ${availableParallelism()}), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

function notesText(notes) {
  const lines = [
    `GEMM: 2n³ / the time of one \`nn.ops.matMul(a, b)\` on [n, n] tensors, which includes copying a and b into wasm memory and the result out; best of ${PLAN[0].samples} samples a round.`,
    `Rounds: ${rounds}; each round runs every runtime and config once in turn, and a cell's figure is taken over the samples of all its rounds (every round must train the same weights).`,
    `Epochs: one epoch of the bench/runtimes/models.mjs MLP (${MLP_SAMPLES} samples, batch 128) and CNN (${CNN_SAMPLES} samples, batch 64), Adam, categoricalCrossentropy, on synthetic MNIST-shaped data from an integer LCG, seeds fixed; best of 2 epochs a round after a warm-up epoch.`,
    `Predict: the trained MLP; batch 1 is the median over ${PLAN[4].samples} samples a round of the mean of ${PLAN[4].reps} calls; batch 256 is 256 rows / the best time of \`predict(x, { batchSize: 256 })\`.`,
    'Weights vs Node: the float32 bytes of both trained models after the same 3 epochs (FNV-1a hashes in the Node 1-thread row), against Node 1 thread; relaxed runs against Node relaxed and Node plain, where fused multiply-add may legitimately change bits.',
    'Each config runs in a fresh process (Chromium: a fresh module Web Worker in a fresh browser; workerd: a fresh workerd), since the first ready() fixes the build.',
  ];
  if (facts.chromium) lines.push(`Chromium: headless, page served from 127.0.0.1 with COOP same-origin + COEP require-corp: crossOriginIsolated ${facts.chromium.page} on the page, ${facts.chromium.worker} in the worker.`);
  if (facts.workerd?.clock) { // absent when every workerd run failed before its plan ended
    const { clock, gaps, roundTrips } = facts.workerd;
    const abs = gaps.map(Math.abs);
    const own = clock.advances
      ? `advances during execution (smallest step ${clock.stepMs} ms); host less workerd's own time per sample: median ${median(abs).toFixed(1)} ms, largest ${Math.max(...abs).toFixed(1)} ms`
      : 'does not advance during execution';
    lines.push(`workerd: timed from the host: each sample is one HTTP request running the step's reps (${PLAN.map((p) => `${p.step} ${p.reps}`).join(', ')}), timed with Node's clock less the median round trip of an empty step (${roundTrips.map((t) => t.toFixed(2)).join(' / ')} ms per config). workerd's own clock ${own}.`);
  }
  notes.forEach((text, i) => lines.push(`[${i + 1}] ${text}`));
  return lines.map((l) => `- ${l}`).join('\n');
}

// ---------------------------------------------------------------------------------------------

const t0 = Date.now();
console.log(`machine: ${machine()}`);
const files = ['workload.mjs', 'models.mjs', 'node.mjs', 'bun.mjs', 'deno.mjs', 'browser.html', 'browser.mjs', 'browser-worker.mjs', 'worker.mjs'];
const { dir, packed } = stagePackage({ prefix: 'simdnn-bench-runtimes-', name: 'simdnn-bench-runtimes', files: files.map((f) => join(here, f)) });
console.log(`staged ${packed.filename} (${(packed.size / 1024).toFixed(1)} KB packed) in ${dir}`);
const rows = RUNTIMES.filter((n) => only.includes(n) || n === 'node').flatMap((runtime) => Object.keys(CONFIGS).map((config) => ({ runtime, config })));
const versions = new Map();
try {
  // Round after round over every row: a spell of noise on a shared host then costs each cell one round, not all its samples.
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      if (row.error) continue;
      const { runtime: name, config } = row;
      const began = Date.now();
      process.stdout.write(`round ${round}/${rounds}, ${name} ${CONFIGS[config].label}: running... `);
      try {
        const { version, result } = await withDeadline((ctx) => runtimes[name](dir, config, ctx), `${name} ${config}`);
        versions.set(name, version);
        row.version = version;
        addRound(row, result);
        const { threads, simd, why } = result.backend;
        console.log(`${((Date.now() - began) / 1000).toFixed(1)} s (threads ${threads}, ${simd}${why ? `; ${why}` : ''})`);
      } catch (error) {
        row.error = String(error?.message ?? error);
        row.version ??= versions.get(name);
        delete row.result;
        console.log(`ERROR\n${String(error?.stack ?? error).replace(/^/gm, '    ')}`);
      }
    }
  }
} finally {
  cleanup();
  if (keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

const { table, notes, failed } = markdownTable(rows);
console.log(`\nMachine: ${machine()}`);
console.log(`Runtimes: ${[...versions.values()].join('; ')}\n`);
console.log(table);
console.log(`\n${notesText(notes)}`);
console.log(`\nbench:runtimes finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (failed) console.log('FAILED: a plain-build run trained weights that differ from Node 1-thread, or a run failed (see above)');
process.exit(failed ? 1 : 0);
