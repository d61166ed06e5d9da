// docs/architecture.md: model.dispose() returns its buffers to the arena; a FinalizationRegistry is the safety net.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Trains and predicts with a model that is then dropped without dispose(). */
async function useAndForget(): Promise<void> {
  nn.setSeed(1);
  const model = nn.sequential({ layers: [
    nn.layers.reshape({ inputShape: [16], targetShape: [4, 4, 1] }),
    nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam(), loss: 'sparseCategoricalCrossentropy' });
  const x = nn.tensor(new Float32Array(8 * 16).map((_, i) => Math.sin(i)), [8, 16]);
  await model.fit(x, nn.tensor([0, 1, 0, 1, 0, 1, 0, 1]), { epochs: 1, batchSize: 4, verbose: 0 });
  model.predict(x);
}

describe('the safety net', () => {
  it('a model dropped without dispose() returns its wasm memory once collected', async () => {
    await nn.ready();
    const { arena } = getBackend();
    const before = arena.bytesInUse;
    const models = nn.memory().models;
    await useAndForget();
    expect(arena.bytesInUse).toBeGreaterThan(before);
    expect(nn.memory().models).toBe(models + 1);
    // Finalizers run some time after a collection: collect and yield until they have.
    for (let i = 0; i < 50 && arena.bytesInUse > before; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(arena.bytesInUse).toBe(before);
    expect(nn.memory().models).toBe(models); // no longer counted as live
  });
});
