/// <reference types="node" />
/** Writes learning-curve plots to files (SVG or HTML by extension). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { learningCurvesHtml, learningCurvesSvg, type LearningCurvesOptions, type Runs } from '../plot/index.js';

/**
 * Renders the learning curves of one History or of several runs by name to `path`: a
 * standalone `.svg`, or an `.html` page with the plot and a table of last/best values.
 * Needs the optional 'vega' package. Resolves to the path written.
 */
export async function saveLearningCurves(path: string, runs: Runs, options: LearningCurvesOptions = {}): Promise<string> {
  const who = 'saveLearningCurves';
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`${who}: path must be a non-empty file path, got ${String(path)}`);
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.html' && ext !== '.htm') {
    throw new RangeError(`${who}: path must end in .svg or .html, got '${path}'`);
  }
  const text = ext === '.svg' ? await learningCurvesSvg(runs, options) : await learningCurvesHtml(runs, options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
