/**
 * Learning curves as a Vega specification: one panel per metric (loss, accuracy, ...), epochs
 * along x, training as solid and validation as dashed lines, one colour per run when several
 * runs are overlaid, and optional vertical markers (e.g. where early stopping stopped).
 * Pure data → JSON; rendering is in ./index.ts.
 */

/** What a plot reads from a run: `fit`'s History, or the same shape from JSON. */
export interface HistoryLike {
  /** Per logged name ('loss', 'val_loss', 'accuracy', ...), one value per epoch. */
  history: Record<string, readonly number[]>;
  /** Epoch indices from 0; default 0, 1, 2, ... */
  epoch?: readonly number[];
}

/** One run, or several by name (overlaid, one colour each). */
export type Runs = HistoryLike | Record<string, HistoryLike>;

/** A vertical line across every panel. */
export interface Marker {
  /** Epoch index from 0, as History and callbacks count (drawn at epoch number `epoch + 1`). */
  epoch: number;
  /** Text beside the line, e.g. 'early stop'. */
  label?: string;
}

/** Options of the learning-curve plots. */
export interface LearningCurvesOptions {
  /** Metric names to draw, one panel each (without 'val_'); default every one logged, 'loss' first. */
  metrics?: string[];
  /** Title over the panels. */
  title?: string;
  /** Width of one panel in px; default 360. */
  width?: number;
  /** Height of one panel in px; default 240. */
  height?: number;
  /** Vertical lines, e.g. `[{ epoch: stopper.stoppedEpoch, label: 'early stop' }]`. */
  markers?: Marker[];
}

/** One plotted point. */
interface Point {
  run: string;
  split: 'train' | 'validation';
  metric: string;
  epoch: number;
  value: number;
}

function isHistoryLike(value: unknown): value is HistoryLike {
  if (!value || typeof value !== 'object') return false;
  const h = (value as { history?: unknown }).history;
  return !!h && typeof h === 'object' && Object.values(h).every(Array.isArray);
}

/** The runs as [name, history] pairs, checked. */
export function normalizeRuns(runs: Runs, who: string): [string, HistoryLike][] {
  if (isHistoryLike(runs)) return [['run', runs]];
  if (!runs || typeof runs !== 'object') throw new TypeError(`${who}: expected a History or { name: History }, got ${runs === null ? 'null' : typeof runs}`);
  const entries = Object.entries(runs);
  if (entries.length === 0) throw new RangeError(`${who}: expected at least one run, got an empty object`);
  for (const [name, h] of entries) {
    if (!isHistoryLike(h)) throw new TypeError(`${who}: run '${name}' must be a History (an object with history: { name: number[] })`);
  }
  return entries as [string, HistoryLike][];
}

/** Every point to draw, with epochs numbered from 1; non-finite values are left out. */
export function curvePoints(runs: [string, HistoryLike][], metrics: readonly string[]): Point[] {
  const points: Point[] = [];
  for (const [run, h] of runs) {
    for (const metric of metrics) {
      for (const [split, key] of [['train', metric], ['validation', `val_${metric}`]] as const) {
        const values = h.history[key];
        if (!values) continue;
        values.forEach((value, i) => {
          if (Number.isFinite(value)) points.push({ run, split, metric, epoch: (h.epoch?.[i] ?? i) + 1, value });
        });
      }
    }
  }
  return points;
}

/** The metric names logged in any run (val_ stripped), 'loss' first. */
export function loggedMetrics(runs: [string, HistoryLike][]): string[] {
  const names = new Set<string>();
  for (const [, h] of runs) for (const key of Object.keys(h.history)) names.add(key.startsWith('val_') ? key.slice(4) : key);
  return [...names].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

function checkSize(value: number | undefined, fallback: number, who: string, arg: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 50 || v > 4000) throw new RangeError(`${who}: ${arg} must be a number of pixels in [50, 4000], got ${v}`);
  return v;
}

/** A Vega (v6) specification of the learning curves, for rendering here or with vega-embed in a page. */
export function learningCurvesSpec(runs: Runs, options: LearningCurvesOptions = {}, who = 'learningCurvesSpec'): Record<string, unknown> {
  const list = normalizeRuns(runs, who);
  const available = loggedMetrics(list);
  const metrics = options.metrics ?? available;
  if (!Array.isArray(metrics) || metrics.length === 0) throw new RangeError(`${who}: metrics must be a non-empty array of names, got ${JSON.stringify(metrics)}`);
  for (const m of metrics) {
    if (!available.includes(m)) {
      throw new RangeError(`${who}: metric '${m}' is in no run's history; logged: ${available.map((k) => `'${k}'`).join(', ') || 'nothing'}`);
    }
  }
  const width = checkSize(options.width, 360, who, 'width');
  const height = checkSize(options.height, 240, who, 'height');
  const markers = (options.markers ?? []).map((m, i) => {
    if (!m || !Number.isInteger(m.epoch) || m.epoch < 0) throw new RangeError(`${who}: markers[${i}].epoch must be an integer ≥ 0, got ${m?.epoch}`);
    return { epoch: m.epoch + 1, label: m.label ?? '' };
  });
  const single = list.length === 1;
  const lineEncode = {
    x: { scale: 'x', field: 'epoch' },
    y: { scale: 'y', field: 'value' },
    stroke: { scale: 'color', field: single ? 'split' : 'run' },
    strokeDash: { scale: 'dash', field: 'split' },
  };
  const panels = metrics.map((metric, i) => ({
    type: 'group',
    name: `panel_${i}`,
    title: { text: metric, fontSize: 13 },
    encode: { update: { width: { value: width }, height: { value: height }, stroke: { value: '#ddd' } } },
    data: [{ name: `points_${i}`, source: 'points', transform: [{ type: 'filter', expr: `datum.metric === ${JSON.stringify(metric)}` }] }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'points', field: 'epoch' }, range: [0, width], zero: false, nice: false },
      { name: 'y', type: 'linear', domain: { data: `points_${i}`, field: 'value' }, range: [height, 0], zero: false, nice: true },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'epoch', tickMinStep: 1, format: 'd' },
      { orient: 'left', scale: 'y', title: metric, grid: true, gridOpacity: 0.5 },
    ],
    marks: [
      {
        type: 'group',
        from: { facet: { name: `series_${i}`, data: `points_${i}`, groupby: ['run', 'split'] } },
        marks: [
          { type: 'line', from: { data: `series_${i}` }, encode: { enter: { ...lineEncode, strokeWidth: { value: 2 } } } },
          {
            type: 'symbol', from: { data: `series_${i}` },
            encode: { enter: { x: lineEncode.x, y: lineEncode.y, fill: lineEncode.stroke, size: { value: 16 } } },
          },
        ],
      },
      {
        type: 'rule', from: { data: 'markers' },
        encode: { enter: { x: { scale: 'x', field: 'epoch' }, y: { value: 0 }, y2: { field: { group: 'height' } }, stroke: { value: '#c0392b' }, strokeDash: { value: [4, 3] } } },
      },
      {
        type: 'text', from: { data: 'markers' },
        encode: { enter: { x: { scale: 'x', field: 'epoch', offset: 4 }, y: { value: 12 }, text: { field: 'label' }, fill: { value: '#c0392b' }, fontSize: { value: 11 } } },
      },
    ],
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    background: 'white',
    padding: 12,
    ...(options.title ? { title: { text: options.title, fontSize: 15 } } : {}),
    data: [
      { name: 'points', values: curvePoints(list, metrics) },
      { name: 'markers', values: markers },
    ],
    scales: [
      { name: 'color', type: 'ordinal', domain: single ? ['train', 'validation'] : list.map(([name]) => name), range: 'category' },
      { name: 'dash', type: 'ordinal', domain: ['train', 'validation'], range: [[1, 0], [6, 4]] },
    ],
    legends: single
      ? [{ stroke: 'color', strokeDash: 'dash', symbolType: 'stroke', symbolStrokeWidth: 2, orient: 'right' }]
      : [
          { stroke: 'color', title: 'run', symbolType: 'stroke', symbolStrokeWidth: 2, orient: 'right' },
          { strokeDash: 'dash', title: 'data', symbolType: 'stroke', symbolStrokeWidth: 2, orient: 'right' },
        ],
    layout: { columns: Math.min(metrics.length, 3), padding: 36, bounds: 'full', align: 'all' },
    marks: panels,
  };
}
