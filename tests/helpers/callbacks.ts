// Small models and data for the callback tests, and a driver that plays scripted epoch logs.
import * as nn from '../../src/index.js';
import type { Callback, Logs } from '../../src/index.js';

/** A 3-feature, 3-class softmax classifier with seeded weights and separable-ish data. */
export async function smallClassifier(seed = 1, samples = 48): Promise<{ model: nn.Sequential; x: nn.Tensor; y: nn.Tensor; xVal: nn.Tensor; yVal: nn.Tensor }> {
  await nn.ready();
  nn.setSeed(seed);
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [3], units: 5, activation: 'tanh' }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const make = (n: number, offset: number): [nn.Tensor, nn.Tensor] => {
    const x = new Float32Array(n * 3);
    const y = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const c = (i + offset) % 3;
      for (let j = 0; j < 3; j++) x[i * 3 + j] = (j === c ? 1 : 0) + 0.3 * Math.sin(7 * i + 3 * j + offset);
      y[i * 3 + c] = 1;
    }
    return [nn.tensor(x, [n, 3]), nn.tensor(y, [n, 3])];
  };
  const [x, y] = make(samples, 0);
  const [xVal, yVal] = make(12, 1);
  return { model, x, y, xVal, yVal };
}

/** Plays `values` as the epoch logs under `key`, the way fit does, until the model asks to stop. */
export function playEpochs(cb: Callback, model: { stopTraining: boolean }, key: string, values: number[], extra: Logs = {}): number {
  model.stopTraining = false;
  cb.setModel?.(model as never);
  cb.onTrainBegin?.();
  let epochs = 0;
  for (let epoch = 0; epoch < values.length && !model.stopTraining; epoch++) {
    cb.onEpochBegin?.(epoch);
    cb.onEpochEnd?.(epoch, { ...extra, [key]: values[epoch] });
    epochs++;
  }
  cb.onTrainEnd?.();
  return epochs;
}
