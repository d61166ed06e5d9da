/** run.ts's figures: request latencies and the tables they are printed in. */

/** A markdown table (pastes into the README as is). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

/** The q-quantile of ascending `sorted` (nearest rank). */
export const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export const ms = (v: number): string => `${v.toFixed(2)} ms`;

/** Milliseconds that `run` takes, and what it returned. */
export async function timed<T>(run: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/** Latency rows of a route: first request, then p50/p95/max of the warm ones, and Node in-process for scale. */
export function latencyRows(first: number, warm: number[], node: number[]): string[][] {
  const w = [...warm].sort((a, b) => a - b);
  const n = [...node].sort((a, b) => a - b);
  return [
    ['first request (cold: loads kernels + model)', ms(first)],
    [`warm latency p50 (${w.length} requests)`, ms(quantile(w, 0.5))],
    ['warm latency p95', ms(quantile(w, 0.95))],
    ['warm latency max', ms(w[w.length - 1])],
    ['Node in-process predict p50 (batch 1)', ms(quantile(n, 0.5))],
  ];
}
