// Small helpers shared by the bench sections: options, row filtering, number formats, tables.

/** What every bench section receives from bench/index.ts. */
export interface BenchOptions {
  /** Fewer samples and rounds, skip the slowest cases: a smoke run. */
  quick: boolean;
  /** Substrings; when non-empty a row runs only if its name contains one of them. */
  filter: string[];
  /** Whether sections that can drive headless Chromium do (false with --no-browser). */
  browser: boolean;
}

/** Whether a row named `name` passes the `--filter` substrings. */
export function selected(name: string, filter: string[]): boolean {
  return filter.length === 0 || filter.some((f) => name.toLowerCase().includes(f.toLowerCase()));
}

/** A number with a fixed count of decimals, or '-' when missing. */
export function fixed(value: number | null | undefined, decimals = 1): string {
  return value == null || !Number.isFinite(value) ? '-' : value.toFixed(decimals);
}

/** a / b as "1.23x", or '-' when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a == null || b == null || !(b > 0)) return '-';
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r.toFixed(2)}x`;
}

/**
 * Lays out rows under headers in aligned columns: the first column left-aligned, the others
 * right-aligned (numbers), with a rule under the header.
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
