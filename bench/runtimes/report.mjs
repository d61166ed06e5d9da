/**
 * The cross-runtime bench's arithmetic and table (no I/O, so tests/bench-runtimes-report.test.ts
 * can check it): figures from the workload's sample times, the trained weights against Node's,
 * and the Markdown table. Used by bench/runtimes/run.mjs.
 */
import { CONFIGS, PREDICT_ROWS } from './workload.mjs';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);

/** The table's figures from `samples` (ms per call of each step). */
export function figures(samples) {
  const gflops = (n, ms) => (2 * n ** 3) / (ms * 1e6);
  return {
    gemm256: gflops(256, min(samples.gemm256)),
    gemm1024: gflops(1024, min(samples.gemm1024)),
    mlpEpoch: min(samples.mlpEpoch) / 1000,
    cnnEpoch: min(samples.cnnEpoch) / 1000,
    predict1: median(samples.predict1) * 1000,
    predict256: PREDICT_ROWS / min(samples.predict256),
  };
}

function floatsOf(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new Float32Array(bytes.buffer);
}

/** One model's weights ({ hash, hex }) against another's: { same, maxDiff }. */
export function compareModel(got, want) {
  if (got.hex === want.hex) return { same: true, maxDiff: 0 };
  const a = floatsOf(got.hex), b = floatsOf(want.hex);
  if (a.length !== b.length) return { same: false, maxDiff: Infinity };
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return { same: false, maxDiff: Number.isNaN(m) ? Infinity : m };
}

/** 'bit-identical' or 'DIFFERS (max |diff| x)' for the MLP and the CNN together. */
export function verdict(got, want) {
  const mlp = compareModel(got.mlp, want.mlp), cnn = compareModel(got.cnn, want.cnn);
  if (mlp.same && cnn.same) return { same: true, text: 'bit-identical' };
  const part = (name, c) => (c.same ? `${name} bit-identical` : `${name} max |diff| ${c.maxDiff.toExponential(1)}`);
  return { same: false, text: `DIFFERS (${part('MLP', mlp)}, ${part('CNN', cnn)})` };
}

/**
 * The weights cell of one row and whether it fails the command. `node`: Node's results by
 * config. A run on the plain build must equal Node's 1-thread bits; a relaxed one is compared
 * with Node relaxed (when Node ran relaxed) and Node plain, and never fails.
 */
export function weightsCell(runtime, result, node) {
  const reference = node.one;
  if (runtime === 'node' && result.config === 'one') return { fail: false, text: `reference (MLP ${result.mlp.hash}, CNN ${result.cnn.hash})` };
  if (!reference) return { fail: true, text: 'no Node 1-thread reference' };
  if (result.backend.simd !== 'relaxed') {
    const v = verdict(result, reference);
    return { fail: !v.same, text: v.text };
  }
  const parts = [];
  const nodeRelaxed = node.relaxed?.backend.simd === 'relaxed' ? node.relaxed : null;
  if (runtime !== 'node' && nodeRelaxed) parts.push(`vs Node relaxed: ${verdict(result, nodeRelaxed).text}`);
  parts.push(`vs Node plain: ${verdict(result, reference).text}`);
  return { fail: false, text: parts.join('; ') };
}

/** The config cell: label, threads actually used, and a footnote mark for backend().why. */
export function configCell(result, note) {
  const { threads, simd, why } = result.backend;
  const env = result.env ?? {};
  // 'auto' is the host's core count: where that is 1 (workerd) no thread was refused, so there is no why.
  const unexplained = result.config === 'all' && threads === 1 && !why
    ? `no backend().why: 'auto' asks for navigator.hardwareConcurrency = ${env.hardwareConcurrency} thread(s) here${env.worker ? '' : ', and there is no Worker'}`
    : undefined;
  const mark = why || unexplained ? ` [${note(why ?? unexplained)}]` : '';
  if (result.config === 'relaxed' && simd !== 'relaxed') return `relaxed → plain, ${threads} thread${mark}`;
  if (result.config === 'all') return `all threads: ${threads}${mark}`;
  return `${CONFIGS[result.config].label}${mark}`;
}

const fixed = (v, digits) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/**
 * The Markdown table. `rows`: { runtime, version, config, result?, error? } in order; returns
 * { table, notes, failed } where notes are the footnotes (backend().why texts) by number.
 */
export function markdownTable(rows) {
  const notes = [];
  const note = (text) => (notes.includes(text) ? notes.indexOf(text) : notes.push(text) - 1) + 1;
  const node = Object.fromEntries(rows.filter((r) => r.runtime === 'node' && r.result).map((r) => [r.config, r.result]));
  const head = ['runtime', 'version', 'config (threads used)', 'GEMM 256 GFLOP/s', 'GEMM 1024 GFLOP/s', 'MLP epoch (s)',
    'CNN epoch (s)', 'MLP batch-1 predict (µs)', 'MLP batch-256 (k samples/s)', 'weights vs Node'];
  let failed = false;
  const body = rows.map((r) => {
    if (!r.result) {
      failed = true;
      return [r.runtime, r.version ?? '?', CONFIGS[r.config].label, '-', '-', '-', '-', '-', '-', `ERROR [${note(r.error.split('\n')[0].slice(0, 200))}]`];
    }
    const f = figures(r.result.samples);
    const w = weightsCell(r.runtime, r.result, node);
    failed ||= w.fail;
    return [r.runtime, r.version, configCell(r.result, note), fixed(f.gemm256, 1), fixed(f.gemm1024, 1), fixed(f.mlpEpoch, 3),
      fixed(f.cnnEpoch, 2), fixed(f.predict1, 1), fixed(f.predict256, 0), w.text];
  });
  // A '|' inside a cell would end it: Markdown wants it escaped.
  const line = (cells) => `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
  const table = [line(head), line(head.map((_, i) => (i >= 3 && i <= 8 ? '---:' : '---'))), ...body.map(line)].join('\n');
  return { table, notes, failed };
}
