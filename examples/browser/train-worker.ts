/**
 * The training worker (a module worker; bundled by build.ts with 'simdnn/core', which leaves
 * out the 21 MB of bundled MNIST JSON): fetches the digits as mnist.bin, trains the 784-128-10
 * MLP when asked, streams its progress to the page, and answers predictions with the trained
 * model. Training blocks this worker only; the page stays responsive.
 */
import * as nn from 'simdnn/core';
import { MNIST_BIN_MAGIC, type FromWorker, type ToWorker, type TrainConfig } from './protocol.js';

interface Part {
  x: nn.Tensor;
  y: nn.Tensor;
}

const post = (message: FromWorker): void => self.postMessage(message);

function decode(buffer: ArrayBuffer): { train: Part; test: Part } {
  const [magic, trainSize, testSize, paletteSize] = new Uint32Array(buffer, 0, 4);
  if (magic !== MNIST_BIN_MAGIC) throw new Error('mnist.bin: not an MNS1 file (rebuild with examples/browser/build.ts)');
  const palette = new Float32Array(buffer, 16, paletteSize);
  let offset = 16 + 4 * paletteSize;
  const part = (size: number): Part => {
    const codes = new Uint8Array(buffer, offset, size * 784);
    const labels = new Uint8Array(buffer, offset + size * 784, size);
    offset += size * 785;
    const x = new Float32Array(size * 784);
    for (let i = 0; i < x.length; i++) x[i] = palette[codes[i]];
    return { x: nn.tensor(x, [size, 784]), y: nn.data.toCategorical(labels, 10) };
  };
  const train = part(trainSize);
  return { train, test: part(testSize) };
}

const started = performance.now();
const data = (async () => {
  await nn.ready();
  const response = await fetch(new URL('./mnist.bin', import.meta.url));
  if (!response.ok) throw new Error(`fetching mnist.bin failed with HTTP ${response.status}`);
  return decode(await response.arrayBuffer());
})();

let model: nn.LayersModel | null = null;
let training = false;

data.then(
  ({ train, test }) => post({ type: 'ready', trainSize: train.x.shape[0], testSize: test.x.shape[0], loadMs: performance.now() - started }),
  (e: Error) => post({ type: 'error', message: e.message }),
);

async function train(config: TrainConfig): Promise<void> {
  const { train, test } = await data;
  model?.dispose();
  model = null;
  nn.setSeed(config.seed);
  const next = nn.sequential({
    layers: [
      nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  next.compile({ optimizer: nn.optimizers.adam({ learningRate: config.learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const samples = train.x.shape[0];
  const steps = Math.ceil(samples / config.batchSize);
  post({ type: 'begin', epochs: config.epochs, steps, samples });
  const t0 = performance.now();
  let epochStart = t0;
  let epoch = 0;
  await next.fit(train.x, train.y, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
    validationData: [test.x, test.y],
    verbose: 0,
    callbacks: [{
      onEpochBegin: (e) => {
        epoch = e;
        epochStart = performance.now();
      },
      onBatchEnd: (batch, logs) => post({ type: 'batch', epoch, batch, loss: logs!.loss }),
      onEpochEnd: (e, logs) => post({
        type: 'epoch', epoch: e, loss: logs!.loss, accuracy: logs!.accuracy,
        valLoss: logs!.val_loss, valAccuracy: logs!.val_accuracy, seconds: (performance.now() - epochStart) / 1000,
      }),
    }],
  });
  model = next;
  const { accuracy } = next.evaluate(test.x, test.y, { batchSize: 1024 });
  post({ type: 'done', seconds: (performance.now() - t0) / 1000, testAccuracy: accuracy! });
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === 'train') {
      if (training) return;
      training = true;
      try {
        await train(message.config);
      } finally {
        training = false;
      }
    } else if (message.type === 'predict') {
      if (!model) throw new Error('no trained model yet');
      const probabilities = Array.from((model.predict(nn.tensor(message.pixels, [1, 784])) as nn.Tensor).data);
      post({ type: 'prediction', id: message.id, probabilities });
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
