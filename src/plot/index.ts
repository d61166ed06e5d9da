/**
 * simdnn/plot: learning curves from `fit`'s History as standalone SVG or HTML, in any runtime.
 * Rendered with Vega (https://vega.github.io), an optional peer dependency loaded on first use:
 * `npm install vega`. The core package never imports it.
 *
 *   import { learningCurvesSvg } from 'simdnn/plot';
 *   const svg = await learningCurvesSvg({ sgd: h1, adam: h2 }, { title: 'MNIST' });
 */
import { resolveMode } from '../callbacks/monitor.js';
import { learningCurvesSpec, normalizeRuns, type LearningCurvesOptions, type Runs } from './learning-curves.js';

export { learningCurvesSpec, type HistoryLike, type LearningCurvesOptions, type Marker, type Runs } from './learning-curves.js';

type Vega = typeof import('vega');
let vegaModule: Promise<Vega> | null = null;

/** The Vega module, imported once; a clear error when it is not installed. */
async function loadVega(who: string): Promise<Vega> {
  vegaModule ??= import('vega').catch((e: unknown) => {
    vegaModule = null;
    throw new Error(`${who}: plotting needs the 'vega' package, an optional dependency of simdnn; install it with \`npm install vega\` (${(e as Error).message})`);
  });
  return vegaModule;
}

/** The learning curves (loss, accuracy, ...; train solid, validation dashed; runs overlaid) as an SVG document. */
export async function learningCurvesSvg(runs: Runs, options: LearningCurvesOptions = {}): Promise<string> {
  const spec = learningCurvesSpec(runs, options, 'learningCurvesSvg');
  const vega = await loadVega('learningCurvesSvg');
  const view = new vega.View(vega.parse(spec as never), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * A standalone HTML page (no scripts, no network) with the curves as inline SVG and a table
 * of each run's last and best values.
 */
export async function learningCurvesHtml(runs: Runs, options: LearningCurvesOptions = {}): Promise<string> {
  const svg = await learningCurvesSvg(runs, options);
  const title = escapeHtml(options.title ?? 'Learning curves');
  const list = normalizeRuns(runs, 'learningCurvesHtml');
  const rows: string[] = [];
  for (const [name, h] of list) {
    for (const [key, values] of Object.entries(h.history)) {
      if (values.length === 0) continue;
      const best = resolveMode('auto', key, 'learningCurvesHtml') === 'min' ? Math.min(...values) : Math.max(...values);
      rows.push(`<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(key)}</td><td>${values.length}</td><td>${values[values.length - 1].toFixed(4)}</td><td>${best.toFixed(4)}</td></tr>`);
    }
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-top:16px}
td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,td:nth-child(2){text-align:left}</style></head>
<body><h1>${title}</h1>
${svg}
<table><thead><tr><th>run</th><th>log</th><th>epochs</th><th>last</th><th>best</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}
