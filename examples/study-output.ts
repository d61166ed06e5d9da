/**
 * What the three training studies share: argument checks, a Markdown table, and writing the
 * learning curves (SVG + HTML), the summary and the histories into the output directory.
 */
import { saveLearningCurves } from 'simdnn/node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A History-like record: what the plots and histories.json need. */
export interface RunHistory {
  epoch: number[];
  history: Record<string, number[]>;
}

/** The files a study writes. */
export interface StudyFiles {
  svg: string;
  html: string;
  summary: string;
  histories: string;
}

/** Throws unless `value` is an integer in [min, max], naming the study and the argument. */
export function checkInteger(study: string, value: number, name: string, min: number, max = Infinity): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${study}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** A Markdown table with aligned columns (numeric columns right-aligned). */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = headers.map((_, i) => cells.every((r) => /^[-+]?[\d.]+(e[-+]?\d+)?%?( \(\d+\))?$|^—$/.test(r[i])));
  const line = (r: string[]) => `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

/**
 * Writes <out>/curves.svg and curves.html (from `curves`), summary.md (`heading`, then the
 * table) and histories.json (`histories`); returns the paths.
 */
export async function writeStudy(out: string, curves: Record<string, RunHistory>, plotOptions: Parameters<typeof saveLearningCurves>[2],
  heading: string, table: string, histories: Record<string, RunHistory> = curves): Promise<StudyFiles> {
  mkdirSync(out, { recursive: true });
  const svg = await saveLearningCurves(join(out, 'curves.svg'), curves, plotOptions);
  const html = await saveLearningCurves(join(out, 'curves.html'), curves, plotOptions);
  const summary = join(out, 'summary.md');
  writeFileSync(summary, `${heading}\n\n${table}\n`);
  const historiesFile = join(out, 'histories.json');
  const plain = Object.fromEntries(Object.entries(histories).map(([k, v]) => [k, { epoch: v.epoch, history: v.history }]));
  writeFileSync(historiesFile, JSON.stringify(plain, null, 1));
  return { svg, html, summary, histories: historiesFile };
}
