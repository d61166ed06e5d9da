// Deep graphs: a 10,000-layer functional chain saves, loads and predicts the same values (every walk
// over layers and nodes is iterative, so depth never meets the call stack).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, bytesInUse } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

const DEPTH = 10_000;

/** input [3] → Dense(1) → Dense(1) → … (DEPTH layers), tanh so values stay in range. */
function chain(): nn.Functional {
  const x = nn.input({ shape: [3] });
  let y = nn.layers.dense({ units: 1, activation: 'tanh' }).apply(x);
  for (let i = 1; i < DEPTH; i++) y = nn.layers.dense({ units: 1, activation: 'tanh' }).apply(y);
  return nn.model({ inputs: x, outputs: y });
}

describe(`a ${DEPTH}-layer chain (seed ${seed})`, () => {
  it('saves, loads through model.json and predicts the same values', async () => {
    const before = bytesInUse();
    const model = chain();
    const rng = makeRng(seed);
    // Kernels near ±1 and small biases keep the signal alive through every layer.
    model.setWeights(model.getWeights().map((w) => nn.tensor(randomArray(w.size, rng, w.shape.length === 2 ? 0.9 : -0.05, w.shape.length === 2 ? 1.1 : 0.05), [...w.shape])));
    const x = nn.tensor(randomArray(4 * 3, rng), [4, 3]);
    const expected = Array.from((model.predict(x) as nn.Tensor).data);
    expect(expected.every(Number.isFinite)).toBe(true);
    const artifacts = await artifactsOf(model);
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(model.summary().split('\n').length).toBeGreaterThan(DEPTH);
    quiet.mockRestore();
    const { modelJSON, weightFiles } = nn.io.toModelJSON(artifacts);
    const loaded = await nn.loadModel(nn.io.fromModelJSON(JSON.stringify(modelJSON), weightFiles));
    expect(loaded.layers.length).toBe(DEPTH);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(expected);
    loaded.dispose();
    model.dispose();
    expect(bytesInUse()).toBe(before);
  });
});

describe('deeply nested JSON', () => {
  it('a config value nested 100,000 lists deep is refused naming the option, not with a stack overflow', async () => {
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [3], units: 2 })] });
    const { modelJSON, weightFiles } = nn.io.toModelJSON(await artifactsOf(model));
    model.dispose();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = JSON.stringify(modelJSON).replace('"units":2', `"units":${deep}`);
    await expect(nn.loadModel(nn.io.fromModelJSON(text, weightFiles))).rejects.toThrow(/config 'units' must be a positive integer, got \[\[\[\[\.\.\.\]\]\]\]/);
  });
});
