/**
 * The optimizer study: one MNIST MLP (784-64-10, ReLU, softmax) trained from the same initial
 * weights on the same data in the same order with plain SGD, SGD with momentum, SGD with
 * Nesterov momentum, RMSprop, Adam and Rprop; the learning curves overlaid in one plot and a
 * summary table (final train/validation loss and accuracy, steps, time).
 *
 * Hyper-parameters are the Keras defaults (SGD 0.01; momentum 0.9; RMSprop and Adam 1e-3) and
 * PyTorch's for Rprop (first step 0.01, etas 0.5/1.2). Rprop uses only the sign of the gradient,
 * so it is trained full-batch: batchSize = the whole training subset, one step per epoch; the
 * others take minibatches of 32. Validation is the built-in test split (2,004 digits).
 *
 *   npm run build && npx tsx examples/optimizers.ts [--epochs 20] [--train-size 4000] [--val-size 2004]
 *       [--batch-size 32] [--seed 1] [--out examples-output/optimizers]
 *
 * Writes <out>/curves.svg, <out>/curves.html, <out>/summary.md and <out>/histories.json.
 */
import * as nn from 'simdnn';
import { checkInteger, formatTable, writeStudy } from './study-output.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Options of {@link optimizerStudy}. */
export interface OptimizerStudyArgs {
  /** Directory for the plots and the table; default examples-output/optimizers. */
  out?: string;
  /** Epochs per run; default 20. */
  epochs?: number;
  /** Training digits (of 7,996); default 4000. */
  trainSize?: number;
  /** Validation digits, from the test split (of 2,004); default all. */
  valSize?: number;
  /** Minibatch size of every run but Rprop; default 32. */
  batchSize?: number;
  /** Hidden units; default 64. */
  units?: number;
  /** Seed of the initial weights, the data subset and the shuffling; default 1. */
  seed?: number;
  /** Progress lines; default console.log. Pass () => {} for silence. */
  log?: (line: string) => void;
}

/** One run of the study, as in the table. */
export interface OptimizerRow {
  run: string;
  /** The optimizer and its arguments, as configured. */
  optimizer: string;
  batchSize: number;
  epochs: number;
  /** Gradient steps taken. */
  steps: number;
  /** Last epoch's logs. */
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Lowest validation loss and its epoch (from 1). */
  bestValLoss: number;
  bestEpoch: number;
  /** First epoch (from 1) with validation accuracy ≥ {@link TARGET_ACCURACY}, or null if none. */
  epochsToTarget: number | null;
  /** Wall time of fit (training and per-epoch validation), seconds. */
  seconds: number;
}

/** What {@link optimizerStudy} returns. */
export interface OptimizerStudyResult {
  rows: OptimizerRow[];
  histories: Record<string, nn.History>;
  /** The summary table (Markdown), as printed. */
  table: string;
  /** Files written: curves.svg, curves.html, summary.md, histories.json. */
  files: { svg: string; html: string; summary: string; histories: string };
}

/** The network of the study; every run starts from the same snapshot of its weights. */
export function optimizerNet(units = 64): nn.Sequential {
  return nn.sequential({
    layers: [
      nn.layers.dense({ inputShape: [784], units, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

interface RunSpec {
  name: string;
  describe: string;
  make: () => nn.Optimizer;
  fullBatch?: boolean;
}

/** The six runs: name, optimizer description and factory. */
export const OPTIMIZER_RUNS: readonly RunSpec[] = [
  { name: 'SGD', describe: 'sgd lr 0.01', make: () => nn.optimizers.sgd({ learningRate: 0.01 }) },
  { name: 'Momentum', describe: 'sgd lr 0.01, momentum 0.9', make: () => nn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9 }) },
  { name: 'Nesterov', describe: 'sgd lr 0.01, momentum 0.9, nesterov', make: () => nn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }) },
  { name: 'RMSprop', describe: 'rmsprop lr 1e-3, rho 0.9', make: () => nn.optimizers.rmsprop({ learningRate: 1e-3 }) },
  { name: 'Adam', describe: 'adam lr 1e-3', make: () => nn.optimizers.adam({ learningRate: 1e-3 }) },
  { name: 'Rprop (full batch)', describe: 'rprop step 0.01, etas 0.5/1.2', make: () => nn.optimizers.rprop({ learningRate: 0.01 }), fullBatch: true },
];

/** The validation accuracy whose first epoch the table reports ('epochs to 90%'). */
export const TARGET_ACCURACY = 0.9;

/** Rows of `n × 784` (or any row width) from the top of `t`. */
function headRows(t: nn.Tensor, n: number): nn.Tensor {
  const width = t.size / t.shape[0];
  return nn.tensor(t.data.subarray(0, n * width), [n, ...t.shape.slice(1)]);
}

/** Trains the six runs and writes the overlaid curves and the table; resolves to rows, histories and files. */
export async function optimizerStudy(args: OptimizerStudyArgs = {}): Promise<OptimizerStudyResult> {
  const out = args.out ?? join('examples-output', 'optimizers');
  const epochs = checkInteger('optimizers', args.epochs ?? 20, 'epochs', 1);
  const trainSize = checkInteger('optimizers', args.trainSize ?? 4000, 'trainSize', 1, 7996);
  const valSize = checkInteger('optimizers', args.valSize ?? 2004, 'valSize', 1, 2004);
  const batchSize = checkInteger('optimizers', args.batchSize ?? 32, 'batchSize', 1);
  const units = checkInteger('optimizers', args.units ?? 64, 'units', 1);
  const seed = args.seed ?? 1;
  const log = args.log ?? ((line: string) => console.log(line));

  await nn.ready();
  const { train, test } = nn.data.mnist({ trainSize, seed });
  const xVal = headRows(test.x, valSize);
  const yVal = headRows(test.y, valSize);

  // One initial snapshot, set into every run's model.
  nn.setSeed(seed);
  const initial = optimizerNet(units);
  const snapshot = initial.getWeights();
  initial.dispose();

  const rows: OptimizerRow[] = [];
  const histories: Record<string, nn.History> = {};
  for (const spec of OPTIMIZER_RUNS) {
    const model = optimizerNet(units);
    model.setWeights(snapshot);
    model.compile({ optimizer: spec.make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const runBatch = spec.fullBatch ? trainSize : batchSize;
    const started = performance.now();
    // The same fit seed gives every run the same shuffled order (Rprop sees all of it each step).
    const history = await model.fit(train.x, train.y, {
      epochs, batchSize: runBatch, seed, validationData: [xVal, yVal], verbose: 0,
    });
    const seconds = (performance.now() - started) / 1000;
    model.dispose();
    const h = history.history;
    const last = history.epoch.length - 1;
    const best = h.val_loss.indexOf(Math.min(...h.val_loss));
    const reached = h.val_accuracy.findIndex((a) => a >= TARGET_ACCURACY);
    const row: OptimizerRow = {
      run: spec.name, optimizer: spec.describe, batchSize: runBatch, epochs: history.epoch.length,
      steps: history.epoch.length * Math.ceil(trainSize / runBatch),
      loss: h.loss[last], accuracy: h.accuracy[last], valLoss: h.val_loss[last], valAccuracy: h.val_accuracy[last],
      bestValLoss: h.val_loss[best], bestEpoch: best + 1, epochsToTarget: reached < 0 ? null : reached + 1, seconds,
    };
    rows.push(row);
    histories[spec.name] = history;
    log(`${spec.name.padEnd(18)} ${epochs} epochs, batch ${runBatch}: val_loss ${row.valLoss.toFixed(4)}, val_accuracy ${row.valAccuracy.toFixed(4)} (${seconds.toFixed(1)} s)`);
  }

  const table = formatTable(
    ['run', 'optimizer', 'batch', 'steps', 'train loss', 'train acc', 'val loss', 'val acc', 'best val loss (epoch)', `epochs to ${TARGET_ACCURACY * 100}% val acc`, 'time (s)'],
    rows.map((r) => [
      r.run, r.optimizer, r.batchSize, r.steps, r.loss.toFixed(4), r.accuracy.toFixed(4), r.valLoss.toFixed(4), r.valAccuracy.toFixed(4),
      `${r.bestValLoss.toFixed(4)} (${r.bestEpoch})`, r.epochsToTarget ?? '—', r.seconds.toFixed(2),
    ]),
  );

  const title = `MNIST ${784}-${units}-10, ${trainSize} digits, same initial weights and order (Rprop full-batch)`;
  const files = await writeStudy(out, histories, { title, width: 420, height: 280 },
    `# Optimizer study\n\n${title}; ${epochs} epochs; validation: ${valSize} test digits.`, table);
  return { rows, histories, table, files };
}

/** Command line: parses the flags, runs the study, prints the table and where the plots are. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<OptimizerStudyResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '20' },
      'train-size': { type: 'string', default: '4000' },
      'val-size': { type: 'string', default: '2004' },
      'batch-size': { type: 'string', default: '32' },
      units: { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join('examples-output', 'optimizers') },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isFinite(seed)) throw new Error(`--seed: expected a number, got ${values.seed}`);
  const result = await optimizerStudy({
    out: values.out, epochs: Number(values.epochs), trainSize: Number(values['train-size']), valSize: Number(values['val-size']),
    batchSize: Number(values['batch-size']), units: Number(values.units), seed,
  });
  console.log(`\n${result.table}\n`);
  console.log(`Rprop is full-batch (batch = all ${values['train-size']} training digits: one step per epoch); the others use minibatches of ${values['batch-size']}.`);
  console.log(`Learning curves: ${result.files.svg} and ${result.files.html}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
