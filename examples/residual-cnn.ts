/**
 * A small residual network: two residual blocks (conv-bn-relu-conv-bn + identity, then relu),
 * global average pooling and a softmax classifier, on the built-in MNIST digits.
 *   npx tsx examples/residual-cnn.ts [--epochs 3]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';

function residualBlock(x: nn.SymbolicTensor, filters: number): nn.SymbolicTensor {
  let h = nn.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }).apply(x);
  h = nn.layers.batchNormalization().apply(h);
  h = nn.layers.activation({ activation: 'relu' }).apply(h);
  h = nn.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }).apply(h);
  h = nn.layers.batchNormalization().apply(h);
  return nn.layers.activation({ activation: 'relu' }).apply(nn.layers.add().apply([h, x]));
}

/** The example network, as a functional model. */
export function residualCnn(): nn.Functional {
  const input = nn.input({ shape: [784] });
  let x = nn.layers.reshape({ targetShape: [28, 28, 1] }).apply(input);
  x = nn.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x);
  x = residualBlock(x, 16);
  x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = residualBlock(x, 16);
  x = nn.layers.globalAveragePooling2d().apply(x);
  const output = nn.layers.dense({ units: 10, activation: 'softmax' }).apply(x);
  return nn.model({ inputs: input, outputs: output, name: 'residual_cnn' });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string', default: '3' } } });
  await nn.ready();
  nn.setSeed(1);
  const { train, test } = nn.data.mnist();
  const model = residualCnn();
  model.summary();
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs: Number(values.epochs), batchSize: 64, seed: 1, validationData: [test.x, test.y] });
  const result = model.evaluate(test.x, test.y, { batchSize: 256 });
  console.log(`test accuracy ${result.accuracy.toFixed(4)}, test loss ${result.loss.toFixed(4)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
