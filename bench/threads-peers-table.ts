// The threads section's peer tables: every figure of simdnn, TF.js wasm and ORT web at each thread
// count, how many times faster simdnn is than each peer at the same count, and simdnn's speed-up
// from the first count to the last. A figure a library could not give is 'n/a' with its reason below.
import { INFERENCE_LIBS, type InferenceLib } from './peers.js';
import { fixed, formatTable, ratio } from './table.js';
import { type Cell, PEER_FIGURES, type PeerFigure, type PeerRun } from './threads-peers.js';

const SHORT: Record<InferenceLib, string> = { simdnn: 'simdnn', 'tfjs-wasm': 'tfjs', 'ort-web': 'ort' };
const PEERS = ['tfjs-wasm', 'ort-web'] as const;

interface FigureFormat {
  label: (run: PeerRun) => string;
  decimals: number;
  /** Rates: more is better; times: less is. */
  higherIsBetter: boolean;
}

const FORMATS: Record<PeerFigure, FigureFormat> = {
  'mlp epoch': { label: (r) => `mlp epoch (${r.samples.mlp} samples, SGD, batch 128), s`, decimals: 3, higherIsBetter: false },
  'cnn epoch': { label: (r) => `cnn epoch (${r.samples.cnn} samples, Adam, batch 64), s`, decimals: 3, higherIsBetter: false },
  'mlp batch-1 latency': { label: () => 'mlp batch-1 latency, median µs', decimals: 1, higherIsBetter: false },
  'mlp batch-256 throughput': { label: () => 'mlp batch-256 throughput, k samples/s', decimals: 1, higherIsBetter: true },
};

/** How many times better `a` is than `b` (>1x: a better), or '-' when either is not a number. */
function better(a: Cell | undefined, b: Cell | undefined, higherIsBetter: boolean): string {
  if (typeof a !== 'number' || typeof b !== 'number') return '-';
  return higherIsBetter ? ratio(a, b) : ratio(b, a);
}

/** `heading` lines, the table over `runs` (ordered by thread count), what each library ran, the reasons for each 'n/a'. */
export function formatPeerTable(heading: string[], runs: PeerRun[]): string {
  const reasons: string[] = [];
  const show = (cell: Cell | undefined, decimals: number): string => {
    if (cell === undefined) return '-';
    if (typeof cell === 'number') return fixed(cell, decimals);
    if (!reasons.includes(cell)) reasons.push(cell);
    return `n/a[${reasons.indexOf(cell) + 1}]`;
  };
  const first = runs[0], last = runs[runs.length - 1];
  const speedUp = runs.length > 1 ? `simdnn ${last.threads}t/${first.threads}t` : null;
  const headers = [
    'figure',
    ...runs.flatMap((r) => INFERENCE_LIBS.map((lib) => `${SHORT[lib]} ${r.threads}t`)),
    ...runs.flatMap((r) => PEERS.map((peer) => `vs ${SHORT[peer]} ${r.threads}t`)),
    ...(speedUp ? [speedUp] : []),
  ];
  const rows: string[][] = [];
  for (const figure of PEER_FIGURES) {
    if (!runs.some((r) => r.figures[figure])) continue;
    const f = FORMATS[figure];
    const at = (r: PeerRun, lib: InferenceLib) => r.figures[figure]?.[lib];
    rows.push([
      f.label(first),
      ...runs.flatMap((r) => INFERENCE_LIBS.map((lib) => show(at(r, lib), f.decimals))),
      ...runs.flatMap((r) => PEERS.map((peer) => better(at(r, 'simdnn'), at(r, peer), f.higherIsBetter))),
      ...(speedUp ? [better(at(last, 'simdnn'), at(first, 'simdnn'), f.higherIsBetter)] : []),
    ]);
  }
  const granted = runs.map((r) => `${r.threads}t: ${INFERENCE_LIBS.map((lib) => `${SHORT[lib]} ${r.granted[lib]}`).join(', ')}` +
    ` (tfjs WASM_HAS_MULTITHREAD_SUPPORT=${r.tfjsMultithread})`);
  const agreement = Math.max(...runs.flatMap((r) => PEERS.map((peer) => r.agreement[peer])));
  return [
    ...heading,
    `Threads each library runs, as it reports them: ${granted.join('; ')}. ` +
      `Inference outputs of every library within ${agreement.toExponential(1)} of simdnn's (same weights; checked <= 1e-5 before timing).`,
    formatTable(headers, rows),
    ...reasons.map((reason, i) => `[${i + 1}] ${reason}`),
    ...[...new Set(runs.flatMap((r) => r.notes))],
  ].join('\n');
}
