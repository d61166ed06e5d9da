/**
 * The main job: train 784-128(ReLU)-10(softmax) on the built-in MNIST split and print the results.
 *   npm start -- [--hidden 128] [--lr 0.1] [--batch-size 128] [--epochs 20] [--seed 1] [--compare]
 * --compare trains the same network with TensorFlow.js (wasm backend) and prints both rows.
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '128' },
    lr: { type: 'string', default: '0.1' },
    'batch-size': { type: 'string', default: '128' },
    epochs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    compare: { type: 'boolean', default: false },
  },
});
const config = {
  hidden: Number(values.hidden),
  lr: Number(values.lr),
  batchSize: Number(values['batch-size']),
  epochs: Number(values.epochs),
  seed: Number(values.seed),
};
for (const [name, value] of Object.entries(config)) {
  if (!Number.isFinite(value)) throw new Error(`--${name}: expected a number, got ${value}`);
}

interface Row {
  library: string;
  seconds: number;
  testAccuracy: number;
  testLoss: number;
  trainAccuracy: number;
  trainLoss: number;
}

async function trainSimdnn(): Promise<Row> {
  await nn.ready();
  nn.setSeed(config.seed);
  const { train, test } = nn.data.mnist();
  const model = nn.sequential({
    layers: [
      nn.layers.dense({ inputShape: [784], units: config.hidden, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: nn.optimizers.sgd({ learningRate: config.lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`simdnn: ${train.x.shape[0]} train / ${test.x.shape[0]} test digits, 784-${config.hidden}-10, SGD lr ${config.lr}, batch ${config.batchSize}, ${config.epochs} epochs`);
  const started = performance.now();
  await model.fit(train.x, train.y, {
    batchSize: config.batchSize, epochs: config.epochs, seed: config.seed, validationData: [test.x, test.y], verbose: 1,
  });
  const seconds = (performance.now() - started) / 1000;
  const testEval = model.evaluate(test.x, test.y, { batchSize: 1024 });
  const trainEval = model.evaluate(train.x, train.y, { batchSize: 1024 });
  return { library: 'simdnn', seconds, testAccuracy: testEval.accuracy, testLoss: testEval.loss, trainAccuracy: trainEval.accuracy, trainLoss: trainEval.loss };
}

async function trainTfjs(): Promise<Row> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const { train, test } = nn.data.mnist();
  const toTf = (t: nn.Tensor) => tf.tensor(t.data, [...t.shape]);
  const [xTrain, yTrain, xTest, yTest] = [train.x, train.y, test.x, test.y].map(toTf);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: config.hidden, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(config.lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`tfjs-wasm: same network and data`);
  const started = performance.now();
  await model.fit(xTrain, yTrain, {
    batchSize: config.batchSize, epochs: config.epochs, shuffle: true, validationData: [xTest, yTest], verbose: 0,
    callbacks: { onEpochEnd: (epoch, logs) => console.log(`Epoch ${epoch + 1}/${config.epochs} - loss: ${logs!.loss.toFixed(4)} - accuracy: ${logs!.acc.toFixed(4)} - val_loss: ${logs!.val_loss.toFixed(4)} - val_accuracy: ${logs!.val_acc.toFixed(4)}`) },
  });
  const seconds = (performance.now() - started) / 1000;
  const evalOn = (x: ReturnType<typeof toTf>, y: ReturnType<typeof toTf>) => {
    const [loss, acc] = model.evaluate(x, y, { batchSize: 1024 }) as [ReturnType<typeof toTf>, ReturnType<typeof toTf>];
    return [loss.dataSync()[0], acc.dataSync()[0]];
  };
  const [testLoss, testAccuracy] = evalOn(xTest, yTest);
  const [trainLoss, trainAccuracy] = evalOn(xTrain, yTrain);
  return { library: 'tfjs-wasm', seconds, testAccuracy, testLoss, trainAccuracy, trainLoss };
}

function printTable(rows: Row[]): void {
  const header = ['library', 'time (s)', 'test accuracy', 'test loss', 'train accuracy', 'train loss'];
  const cells = rows.map((r) => [r.library, r.seconds.toFixed(2), r.testAccuracy.toFixed(4), r.testLoss.toFixed(4), r.trainAccuracy.toFixed(4), r.trainLoss.toFixed(4)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  console.log(['', line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n'));
}

const rows = [await trainSimdnn()];
if (values.compare) rows.push(await trainTfjs());
printTable(rows);
