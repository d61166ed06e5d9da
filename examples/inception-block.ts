/**
 * An Inception-style block: parallel 1x1, 1x1→3x3 and 3x3-maxpool→1x1 branches joined by channel
 * concatenation, then a classifier, on the built-in MNIST digits.
 *   npx tsx examples/inception-block.ts [--epochs 2]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';

function inceptionBlock(x: nn.SymbolicTensor): nn.SymbolicTensor {
  const branch1 = nn.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu' }).apply(x);
  let branch3 = nn.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu' }).apply(x);
  branch3 = nn.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(branch3);
  let branchPool = nn.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x);
  branchPool = nn.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu' }).apply(branchPool);
  return nn.layers.concatenate().apply([branch1, branch3, branchPool]);
}

/** The example network, as a functional model. */
export function inceptionNet(): nn.Functional {
  const input = nn.input({ shape: [784] });
  let x = nn.layers.reshape({ targetShape: [28, 28, 1] }).apply(input);
  x = nn.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x);
  x = inceptionBlock(x);
  x = nn.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = nn.layers.flatten().apply(x);
  const output = nn.layers.dense({ units: 10, activation: 'softmax' }).apply(x);
  return nn.model({ inputs: input, outputs: output, name: 'inception_net' });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string', default: '2' } } });
  await nn.ready();
  nn.setSeed(1);
  const { train, test } = nn.data.mnist();
  const model = inceptionNet();
  model.summary();
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs: Number(values.epochs), batchSize: 64, seed: 1, validationData: [test.x, test.y] });
  const result = model.evaluate(test.x, test.y, { batchSize: 256 });
  console.log(`test accuracy ${result.accuracy.toFixed(4)}, test loss ${result.loss.toFixed(4)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
