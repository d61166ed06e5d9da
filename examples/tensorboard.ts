/**
 * Trains a small MNIST MLP for a few epochs and logs it for TensorBoard: loss and accuracy,
 * training and validation, per epoch (plus batch_loss every 10 steps), in Keras's layout
 * <logDir>/train and <logDir>/validation. Also writes the same curves as a standalone HTML page.
 *   npm run build && npx tsx examples/tensorboard.ts [--epochs 5] [--log-dir logs/mnist-mlp] [--seed 1]
 *   tensorboard --logdir logs
 */
import * as nn from 'simdnn';
import { progressBar, saveLearningCurves, tensorBoard } from 'simdnn/node';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Options of {@link trainWithTensorBoard}. */
export interface TensorBoardExampleArgs {
  logDir: string;
  epochs?: number;
  seed?: number;
  /** Training digits used (the built-in split has 7996); default all. */
  trainSize?: number;
  /** Print the progress bar; default true. */
  progress?: boolean;
}

/** Trains 784-128-10 on MNIST with the tensorBoard callback; returns the history and the files written. */
export async function trainWithTensorBoard(args: TensorBoardExampleArgs): Promise<{ history: nn.History; trainDir: string; validationDir: string; plot: string }> {
  await nn.ready();
  nn.setSeed(args.seed ?? 1);
  const { train, test } = nn.data.mnist({ trainSize: args.trainSize, seed: args.seed ?? 1 });
  const model = nn.sequential({ layers: [
    nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const board = tensorBoard({ logDir: args.logDir, updateFreq: 10 });
  const callbacks: nn.Callback[] = [board];
  if (args.progress ?? true) callbacks.push(progressBar());
  const history = await model.fit(train.x, train.y, {
    epochs: args.epochs ?? 5, batchSize: 64, seed: args.seed ?? 1, validationData: [test.x, test.y], verbose: 0, callbacks,
  });
  model.dispose();
  const plot = await saveLearningCurves(join(args.logDir, 'learning-curves.html'), history, { title: 'MNIST MLP (784-128-10, Adam 1e-3)' });
  return { history, trainDir: join(args.logDir, 'train'), validationDir: join(args.logDir, 'validation'), plot };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      'log-dir': { type: 'string', default: join('logs', 'mnist-mlp') },
      seed: { type: 'string', default: '1' },
    },
  });
  const epochs = Number(values.epochs);
  const seed = Number(values.seed);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: expected an integer ≥ 1, got ${values.epochs}`);
  if (!Number.isFinite(seed)) throw new Error(`--seed: expected a number, got ${values.seed}`);
  const logDir = values['log-dir']!;
  const { history, trainDir, validationDir, plot } = await trainWithTensorBoard({ logDir, epochs, seed });
  const last = history.epoch.length - 1;
  console.log(`\nFinal epoch: loss ${history.history.loss[last].toFixed(4)}, accuracy ${history.history.accuracy[last].toFixed(4)}, ` +
    `val_loss ${history.history.val_loss[last].toFixed(4)}, val_accuracy ${history.history.val_accuracy[last].toFixed(4)}`);
  console.log(`Event files written to ${trainDir} and ${validationDir}`);
  console.log(`Learning curves: ${plot}`);
  console.log(`\nView them with:\n  tensorboard --logdir ${logDir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
