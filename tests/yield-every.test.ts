// yieldEvery (TF.js's option) hands the thread back to the event loop during fit and fitDataset;
// it never changes a weight: every value gives the same weights bit for bit, dropout included.
// 'never' runs no macrotask at all, so a timer cannot fire while fit runs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { AUTO_YIELD_MS, Yielder, nextMacrotask } from '../src/models/yield.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

function net(): nn.Sequential {
  nn.setSeed(seed);
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [7], units: 9, activation: 'relu' }),
    nn.layers.dropout({ rate: 0.3 }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const rng = makeRng(seed);
const n = 45;
const x = nn.tensor(randomArray(n * 7, rng), [n, 7]);
const y = nn.data.toCategorical(Array.from({ length: n }, () => Math.floor(rng() * 3)), 3);
const VALUES: nn.YieldEvery[] = ['never', 'auto', 'batch', 'epoch', 0, 3];

describe(`yieldEvery (seed ${seed})`, () => {
  it('every value gives the same weights and History, in fit and in fitDataset', async () => {
    const results: { weights: number[][]; history: Record<string, number[]> }[] = [];
    for (const yieldEvery of VALUES) {
      const model = net();
      const history = await model.fit(x, y, { batchSize: 4, epochs: 3, seed, verbose: 0, validationData: [x, y], yieldEvery });
      const batches = [];
      for (let s = 0; s < n; s += 6) batches.push({ xs: nn.tensor(x.data.slice(s * 7, Math.min(n, s + 6) * 7), [Math.min(n, s + 6) - s, 7]), ys: nn.tensor(y.data.slice(s * 3, Math.min(n, s + 6) * 3), [Math.min(n, s + 6) - s, 3]) });
      const more = await model.fitDataset(batches, { epochs: 2, verbose: 0, validationData: batches, yieldEvery });
      results.push({ weights: model.getWeights().map((w) => Array.from(w.data)), history: { ...history.history, ...Object.fromEntries(Object.entries(more.history).map(([k, v]) => [`more_${k}`, v])) } });
      model.dispose();
    }
    for (let i = 1; i < results.length; i++) {
      expect(results[i].weights, String(VALUES[i])).toEqual(results[0].weights);
      expect(results[i].history, String(VALUES[i])).toEqual(results[0].history);
    }
  });

  it("'never' lets no timer fire during fit; 'batch' yields after every batch", async () => {
    const ticksDuring = async (yieldEvery: nn.YieldEvery): Promise<number> => {
      const model = net();
      let ticks = 0;
      let counting = true;
      // A macrotask queued before fit starts: it runs only once fit hands the thread back.
      const ticked = nextMacrotask().then(() => { if (counting) ticks++; });
      await model.fit(x, y, { batchSize: 4, epochs: 2, verbose: 0, yieldEvery });
      counting = false;
      await ticked;
      model.dispose();
      return ticks;
    };
    expect(await ticksDuring('never')).toBe(0);
    expect(await ticksDuring('epoch')).toBe(1);
    expect(await ticksDuring('batch')).toBe(1);
  });

  it(`'auto' and a number yield once that much work has passed since the last yield (a clock the test drives)`, async () => {
    // Batches of a drawn duration on a fake clock: a yield comes at the first batch end at or past
    // the budget, and the budget restarts when training resumes, so no stretch between yields holds
    // more than the budget plus one batch.
    const rng = makeRng(seed + 1);
    for (const every of ['auto', 5, 0] as const) {
      const budget = every === 'auto' ? AUTO_YIELD_MS : every;
      let clock = 0;
      const yielder = new Yielder(every, () => clock);
      let sinceYield = 0;
      let yields = 0;
      for (let batch = 0; batch < 200; batch++) {
        const batchMs = 1 + Math.floor(rng() * 6); // whole ms: the sums below are exact
        clock += batchMs;
        sinceYield += batchMs;
        const pause = yielder.afterBatch();
        expect(pause !== undefined, `${every}: batch ${batch}, ${sinceYield} ms since the last yield`).toBe(sinceYield >= budget);
        if (pause) { await pause; yields++; sinceYield = 0; }
        expect(sinceYield).toBeLessThan(budget + 7);
      }
      expect(yields).toBeGreaterThan(0);
      expect(yielder.afterEpoch()).toBeUndefined();
    }
    const never = new Yielder('never', () => { throw new Error("'never' reads no clock after construction"); });
    expect(never.afterBatch()).toBeUndefined();
  });
});
