// Learning-curve plots: the SVG is well-formed, has one line per (run, split, metric) whose
// points map back to the logged values through the drawn axis, and the HTML page is standalone.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveLearningCurves } from '../src/node/index.js';
import { learningCurvesHtml, learningCurvesSpec, learningCurvesSvg } from '../src/plot/index.js';
import { smallClassifier } from './helpers/callbacks.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Throws unless every opened tag is closed in order (a small XML well-formedness check). */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

/** The line paths of the SVG as arrays of [x, y] pixel points, with their dash pattern. */
function lines(svg: string): { points: [number, number][]; dash: string }[] {
  return [...svg.matchAll(/mark-line role-mark[^>]*><path d="([^"]+)"[^>]*stroke-dasharray="([^"]+)"/g)].map(([, d, dash]) => ({
    dash,
    points: d.replace(/^M/, '').split('L').map((p) => p.split(',').map(Number) as [number, number]),
  }));
}

/** The y-axis domain of each panel: its first and last tick labels (the scale is 'nice', so they are its ends). */
function yDomains(svg: string): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const part of svg.split(`aria-label="Y-axis titled '`).slice(1)) {
    const title = part.slice(0, part.indexOf("'"));
    const labels = part.slice(part.indexOf('role-axis-label'));
    const ticks = [...labels.slice(0, labels.indexOf('</g>')).matchAll(/>(-?[\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    out[title] = [ticks[0], ticks[ticks.length - 1]];
  }
  return out;
}

const runA = { history: { loss: [1.2, 0.8, 0.6, 0.5], val_loss: [1.3, 0.9, 0.85, 0.95], accuracy: [0.5, 0.7, 0.8, 0.85], val_accuracy: [0.45, 0.65, 0.7, 0.68] } };
const runB = { history: { loss: [1.0, 0.5, 0.3, 0.2], val_loss: [1.1, 0.7, 0.75, 0.9], accuracy: [0.6, 0.8, 0.9, 0.95], val_accuracy: [0.55, 0.7, 0.72, 0.7] } };

describe('learning curves', () => {
  it('draws each logged series so its points map back to the values through the axes', async () => {
    const height = 200;
    const svg = await learningCurvesSvg(runA, { title: 'run A', height, markers: [{ epoch: 2, label: 'early stop' }] });
    expect(svg.startsWith('<svg')).toBe(true);
    checkWellFormed(svg);
    const drawn = lines(svg);
    // Panels in order loss, accuracy; series train (solid), validation (dashed).
    expect(drawn).toHaveLength(4);
    const domains = yDomains(svg);
    expect(Object.keys(domains)).toEqual(['loss', 'accuracy']);
    const expected = [['loss', runA.history.loss], ['loss', runA.history.val_loss], ['accuracy', runA.history.accuracy], ['accuracy', runA.history.val_accuracy]] as const;
    expected.forEach(([metric, values], i) => {
      const [lo, hi] = domains[metric];
      const { points, dash } = drawn[i];
      expect(dash).toBe(i % 2 === 0 ? '1,0' : '6,4');
      expect(points).toHaveLength(values.length);
      points.forEach(([, y], j) => expect(lo + ((height - y) / height) * (hi - lo)).toBeCloseTo(values[j], 3));
      const xs = points.map(([x]) => x);
      expect(xs[0]).toBe(0);
      expect(xs.every((x, j) => j === 0 || x > xs[j - 1])).toBe(true);
    });
    expect(svg).toContain('>early stop</text>');
    expect(svg).toContain('>run A</text>');
    expect(svg).toMatch(/legend[^>]*2 values: train, validation/);
  });

  it('overlays several runs with one colour each and a legend naming them', async () => {
    const svg = await learningCurvesSvg({ sgd: runA, adam: runB }, { metrics: ['loss'] });
    checkWellFormed(svg);
    const drawn = lines(svg);
    expect(drawn).toHaveLength(4);
    const colours = [...svg.matchAll(/mark-line role-mark[^>]*><path[^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(new Set(colours).size).toBe(2);
    expect(svg).toMatch(/legend[^>]*2 values: sgd, adam/);
    expect(yDomains(svg)).not.toHaveProperty('accuracy');
  });

  it('plots a real History from fit and writes standalone .svg and .html files', async () => {
    const { model, x, y, xVal, yVal } = await smallClassifier(12);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, validationData: [xVal, yVal] });
    model.dispose();
    const svgPath = await saveLearningCurves(join(dir, 'out', 'curves.svg'), history);
    const htmlPath = await saveLearningCurves(join(dir, 'out', 'curves.html'), { first: history, second: runB });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['curves.html', 'curves.svg']);
    const svg = readFileSync(svgPath, 'utf8');
    checkWellFormed(svg);
    expect(lines(svg)).toHaveLength(4);
    const html = readFileSync(htmlPath, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    checkWellFormed(html.replace(/<meta[^>]*>/, ''));
    expect(html).toContain(`<tr><td>first</td><td>val_loss</td><td>3</td><td>${history.history.val_loss[2].toFixed(4)}</td>`);
    expect(html).toContain('<tr><td>second</td><td>accuracy</td><td>4</td><td>0.9500</td><td>0.9500</td></tr>');
    expect(html).toContain('<tr><td>second</td><td>val_loss</td><td>4</td><td>0.9000</td><td>0.7000</td></tr>');
    expect(await learningCurvesHtml(runA)).toContain('<svg');
  });

  it('rejects unknown metrics, empty or malformed runs, bad markers and file types', async () => {
    expect(() => learningCurvesSpec(runA, { metrics: ['auc'] })).toThrow("learningCurvesSpec: metric 'auc' is in no run's history; logged: 'loss', 'accuracy'");
    expect(() => learningCurvesSpec({})).toThrow('learningCurvesSpec: expected at least one run, got an empty object');
    expect(() => learningCurvesSpec({ a: { loss: [1] } } as never)).toThrow("learningCurvesSpec: run 'a' must be a History");
    expect(() => learningCurvesSpec(runA, { markers: [{ epoch: -1 }] })).toThrow('learningCurvesSpec: markers[0].epoch must be an integer ≥ 0, got -1');
    expect(() => learningCurvesSpec(runA, { width: NaN })).toThrow('learningCurvesSpec: width must be a number of pixels in [50, 4000], got NaN');
    await expect(learningCurvesSvg(runA, { metrics: [] })).rejects.toThrow('learningCurvesSvg: metrics must be a non-empty array of names, got []');
    await expect(saveLearningCurves(join(dir, 'x.png'), runA)).rejects.toThrow("saveLearningCurves: path must end in .svg or .html, got '");
  });

  it('keeps the plotting library out of the core entry and the core free of Node modules', () => {
    const core = ['src/index.ts', 'src/schedules.ts', ...readdirSync('src/callbacks').map((f) => `src/callbacks/${f}`)];
    for (const file of core) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from '(node:|vega|\.\.?\/(node|plot)\/)|import\('vega'\)|process\./);
    }
    expect(readFileSync('src/plot/index.ts', 'utf8')).not.toMatch(/^import .* from 'vega'/m);
  });
});
