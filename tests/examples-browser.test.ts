// examples/browser in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// the page trains the MNIST MLP for one epoch in its Web Worker while the page keeps drawing
// frames, a "1" drawn on the pad with mouse events is predicted as 1, and a screenshot is saved to
// test-output/examples-browser.png. Plus, in Node, the pad's preprocessing keeps real digits
// recognisable. Needs `npm run build` (dist/) first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowserExample } from '../examples/browser/build.js';
import { startServer, type RunningServer } from '../examples/browser/serve.js';
import { toMnist } from '../examples/browser/preprocess.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join('test-output', 'examples-browser.png');

interface Demo {
  phase: string;
  frames: number;
  trainingFrames: number;
  longestTrainingGapMs: number;
  trainingMs: number;
  batches: number;
  epochs: { loss: number; accuracy: number; valAccuracy: number }[];
  testAccuracy: number;
  predictions: number;
  lastPrediction: null | { digit: number; probabilities: number[] };
}
const demo = (page: Page): Promise<Demo> => page.evaluate(() => (globalThis as unknown as { demo: Demo }).demo);

describe('examples/browser: train in a worker, draw, predict', () => {
  let dir: string;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simdnn-browser-'));
    await buildBrowserExample(dir);
    server = await startServer({ distDir: dir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 980 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForSelector('body[data-phase="ready"]', { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('trains one epoch in the worker while the page keeps drawing frames', async () => {
    await page.fill('#epochs', '1');
    await page.click('#train');
    // While the worker trains, the main thread answers at once and keeps producing frames.
    const probes: number[] = [];
    for (let phase = 'training'; phase === 'training';) {
      const t = performance.now();
      phase = await page.evaluate(() => document.body.dataset.phase ?? '');
      probes.push(performance.now() - t);
      expect(phase).not.toBe('error');
      if (probes.length > 2000) throw new Error('training did not finish');
      await new Promise((r) => setTimeout(r, 20));
    }
    const d = await demo(page);
    expect(d.phase).toBe('trained');
    expect(d.batches).toBe(Math.ceil(7996 / 32));
    expect(d.epochs).toHaveLength(1);
    expect(d.testAccuracy).toBeGreaterThan(0.85);
    // Were training on the main thread, one gap would last about the whole training and no probe
    // would be answered before it ends. The bounds are fractions of the training time, not ms, so
    // a loaded machine that slows everything alike cannot fail them.
    expect(d.trainingFrames).toBeGreaterThanOrEqual(2);
    expect(d.longestTrainingGapMs).toBeLessThan(Math.max(250, d.trainingMs / 2));
    expect(Math.max(...probes)).toBeLessThan(Math.max(1000, d.trainingMs / 2));
    expect(await page.textContent('#progress-text')).toBe('100%');
    expect(await page.locator('#epochs-table tbody tr').count()).toBe(1);
    expect(await page.textContent('#status')).toMatch(/^Trained in .* of the 2,004 test digits right/);
    console.log(`browser: 1 epoch in ${d.trainingMs.toFixed(0)} ms, test accuracy ${(d.testAccuracy * 100).toFixed(1)}%, ` +
      `${d.trainingFrames} frames meanwhile, longest gap ${d.longestTrainingGapMs.toFixed(0)} ms`);
  });

  it('predicts 1 for a "1" drawn on the pad with the mouse, and saves a screenshot', async () => {
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + 146, box.y + 45);
    await page.mouse.down();
    await page.mouse.move(box.x + 138, box.y + 240, { steps: 25 }); // a slight slant, like most handwritten ones
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as unknown as { demo: Demo }).demo.predictions > 0, undefined, { timeout: 10_000 });
    const d = await demo(page);
    expect(d.lastPrediction!.digit).toBe(1);
    expect(d.lastPrediction!.probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    expect(await page.textContent('#prediction')).toBe('1');
    await mkdir('test-output', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('preprocesses a real digit drawn at pad size into one the network still recognises (Node)', async () => {
    // MNIST test digits, blown up 10× to the 280×280 pad, then centred and scaled back by toMnist.
    await nn.ready();
    nn.setSeed(1);
    const { train, test } = nn.data.mnist({ testSize: 300 });
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }), nn.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: 2, batchSize: 32, seed: 1, verbose: 0 });
    const processed = new Float32Array(test.x.size);
    for (let n = 0; n < 300; n++) {
      const digit = test.x.data.subarray(n * 784, (n + 1) * 784);
      const pad = new Float32Array(280 * 280);
      for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) pad[y * 280 + x] = digit[Math.floor(y / 10) * 28 + Math.floor(x / 10)];
      const result = toMnist(pad, 280, 280)!;
      // Centre of mass at the centre, the brightest pixel at 1.
      let mass = 0, mx = 0, my = 0;
      result.pixels.forEach((v, i) => { mass += v; mx += v * ((i % 28) + 0.5); my += v * (Math.floor(i / 28) + 0.5); });
      expect(Math.hypot(mx / mass - 14, my / mass - 14)).toBeLessThan(0.05);
      expect(Math.max(...result.pixels)).toBe(1);
      processed.set(result.pixels, n * 784);
    }
    const original = model.evaluate(test.x, test.y).accuracy!;
    const preprocessed = model.evaluate(nn.tensor(processed, [300, 784]), test.y).accuracy!;
    console.log(`preprocessing: accuracy ${(original * 100).toFixed(1)}% on the digits, ${(preprocessed * 100).toFixed(1)}% after pad-size + toMnist`);
    expect(preprocessed).toBeGreaterThan(original - 0.05);
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
    model.dispose();
  });
});
