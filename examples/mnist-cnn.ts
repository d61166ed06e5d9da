/**
 * A LeNet-style digit reader trained in WebAssembly (TensorFlow.js's wasm backend cannot train
 * convolutions): Conv(8) → MaxPool → Conv(16) → MaxPool → Dense(128) → Dense(10), Adam 1e-3.
 *   npx tsx examples/mnist-cnn.ts [--epochs 5] [--batch-size 64] [--seed 1]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';

/** The example network; exported so tests and benchmarks train exactly this model. */
export function mnistCnn(): nn.Sequential {
  return nn.sequential({
    layers: [
      nn.layers.reshape({ inputShape: [784], targetShape: [28, 28, 1] }),
      nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

async function main(): Promise<void> {
  // Parsed here, not at import: a script that imports mnistCnn has arguments of its own.
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      'batch-size': { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
    },
  });
  await nn.ready();
  nn.setSeed(Number(values.seed));
  const { train, test } = nn.data.mnist();
  const model = mnistCnn();
  model.summary();
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(train.x, train.y, {
    epochs: Number(values.epochs), batchSize: Number(values['batch-size']), seed: Number(values.seed), validationData: [test.x, test.y],
  });
  const result = model.evaluate(test.x, test.y, { batchSize: 512 });
  console.log(`\ntrained in ${((performance.now() - started) / 1000).toFixed(1)} s: test accuracy ${result.accuracy.toFixed(4)}, test loss ${result.loss.toFixed(4)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
