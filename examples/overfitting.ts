/**
 * The overfitting study: a wide MLP (784-512-512-10, no regularisation) on 300 MNIST digits
 * learns them by heart: training loss falls towards 0 while validation loss, after a minimum
 * within the first epochs, rises again. Then the same run (same initial weights, same order)
 * with `earlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true })`, which
 * stops it and puts back the best epoch's weights; and a third run with L2 (1e-3) on every
 * kernel and dropout 0.5 after each hidden layer. One plot shows the runs with markers at the
 * best and the stopping epoch; the table gives best epoch, stopped epoch, validation loss and
 * accuracy with and without, and accuracy on a held-out test part.
 *
 * The built-in test split (2,004 digits) is cut in two: the first `valSize` digits validate
 * (early stopping watches them), the rest are a test set no run looks at while training.
 * Logged losses of the L2 run include the penalty (as Keras); the plot and the table show the
 * cross-entropy without it (see {@link CrossEntropyLog}), so the runs compare on one scale.
 *
 *   npm run build && npx tsx examples/overfitting.ts [--epochs 60] [--train-size 300] [--val-size 1000]
 *       [--units 512] [--patience 5] [--no-regularized] [--seed 1] [--out examples-output/overfitting]
 *
 * Writes <out>/curves.svg, <out>/curves.html, <out>/summary.md and <out>/histories.json.
 */
import * as nn from 'simdnn';
import { checkInteger, formatTable, writeStudy } from './study-output.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Options of {@link overfittingStudy}. */
export interface OverfittingStudyArgs {
  /** Directory for the plots and the table; default examples-output/overfitting. */
  out?: string;
  /** Epochs of the unstopped runs (and the most early stopping may run); default 60. */
  epochs?: number;
  /** Training digits (of 7,996); default 300. */
  trainSize?: number;
  /** Validation digits, the first of the test split; the rest of its 2,004 are the test set. Default 1000. */
  valSize?: number;
  /** Width of both hidden layers; default 512. */
  units?: number;
  /** Early stopping's patience (epochs without a lower val_loss); default 5. */
  patience?: number;
  /** Also train the L2 + dropout run; default true. */
  regularized?: boolean;
  /** L2 factor of the regularised run; default 1e-3. */
  l2?: number;
  /** Dropout rate of the regularised run; default 0.5. */
  dropout?: number;
  /** Minibatch size; default 32. */
  batchSize?: number;
  /** Seed of the initial weights, the data subset and the shuffling; default 1. */
  seed?: number;
  /** Progress lines; default console.log. Pass () => {} for silence. */
  log?: (line: string) => void;
}

/** One run of the study, as in the table. */
export interface OverfittingRow {
  run: string;
  /** Epochs trained. */
  epochs: number;
  /** Epoch (from 1) of the lowest validation cross-entropy (val_loss without the L2 penalty). */
  bestEpoch: number;
  /** Epoch (from 1) at which early stopping ended training, or null when the run went to the end. */
  stoppedEpoch: number | null;
  /** First and last epoch's training cross-entropy (the logged loss without the L2 penalty). */
  firstLoss: number;
  lastLoss: number;
  /** Lowest and last validation cross-entropy per epoch (val_loss without the L2 penalty). */
  minValLoss: number;
  lastValLoss: number;
  /** Cross-entropy and accuracy of the model as it ends (restored weights for early stopping), on validation and test. */
  valCrossEntropy: number;
  valAccuracy: number;
  testCrossEntropy: number;
  testAccuracy: number;
  seconds: number;
}

/** What {@link overfittingStudy} returns. */
export interface OverfittingStudyResult {
  rows: OverfittingRow[];
  histories: Record<string, nn.History>;
  /** The early-stopping callback after its run (stoppedEpoch, bestEpoch, best from 0 as Keras). */
  stopper: nn.callbacks.EarlyStopping;
  /** The summary table (Markdown), as printed. */
  table: string;
  files: { svg: string; html: string; summary: string; histories: string };
}

/** The run names, in order. */
export const RUN_PLAIN = 'no regularisation';
export const RUN_EARLY = 'early stopping';
export const RUN_REGULARIZED = 'L2 + dropout';

/** The study's network: two wide ReLU layers; with `l2`/`dropout` the regularised variant (same weight shapes). */
export function overfittingNet(units = 512, reg: { l2?: number; dropout?: number } = {}): nn.Sequential {
  const kernelRegularizer = reg.l2 ? () => nn.regularizers.l2({ l2: reg.l2 }) : () => undefined;
  const drop = (): nn.Layer[] => (reg.dropout ? [nn.layers.dropout({ rate: reg.dropout })] : []);
  return nn.sequential({
    layers: [
      nn.layers.dense({ inputShape: [784], units, activation: 'relu', kernelRegularizer: kernelRegularizer() }),
      ...drop(),
      nn.layers.dense({ units, activation: 'relu', kernelRegularizer: kernelRegularizer() }),
      ...drop(),
      nn.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: kernelRegularizer() }),
    ],
  });
}

/** Rows [from, to) of `t`. */
function rows(t: nn.Tensor, from: number, to: number): nn.Tensor {
  const width = t.size / t.shape[0];
  return nn.tensor(t.data.subarray(from * width, to * width), [to - from, ...t.shape.slice(1)]);
}

/** l2·Σ kernel² of `model`: its L2 penalty when, as here, every rank-2 weight (the dense kernels) carries `l2`. */
export function l2Penalty(model: nn.LayersModel, l2: number): number {
  if (!(l2 > 0)) return 0;
  let sum = 0;
  for (const w of model.getWeights()) {
    if (w.shape.length !== 2) continue;
    for (let i = 0; i < w.data.length; i++) sum += w.data[i] * w.data[i];
  }
  return l2 * sum;
}

/** Cross-entropy and accuracy of `model` on (x, y) without the L2 penalty that `evaluate` adds (as Keras). */
export function crossEntropy(model: nn.LayersModel, x: nn.Tensor, y: nn.Tensor, l2 = 0): { loss: number; accuracy: number } {
  const result = model.evaluate(x, y, { batchSize: 500 });
  return { loss: result.loss - l2Penalty(model, l2), accuracy: result.accuracy };
}

/**
 * Records the logged losses without the L2 penalty, so runs with and without L2 compare on one
 * scale: per epoch, `crossentropy` (the training loss with each batch's penalty, taken on the
 * weights that batch's forward used, subtracted) and `val_crossentropy` (val_loss minus the
 * penalty of the epoch-end weights it was computed with). With l2 = 0 they equal loss and val_loss.
 */
export class CrossEntropyLog implements nn.Callback {
  readonly crossentropy: number[] = [];
  readonly val_crossentropy: number[] = [];
  private model: nn.LayersModel | null = null;
  private penalty = 0;
  private sum = 0;
  private count = 0;

  constructor(readonly l2: number) {}

  setModel(model: nn.LayersModel): void {
    this.model = model;
  }

  onEpochBegin(): void {
    this.sum = 0;
    this.count = 0;
  }

  onBatchBegin(): void {
    if (this.l2 > 0) this.penalty = l2Penalty(this.model!, this.l2);
  }

  onBatchEnd(_batch: number, logs?: nn.Logs): void {
    const size = logs?.size ?? 0;
    this.sum += ((logs?.loss ?? NaN) - this.penalty) * size;
    this.count += size;
  }

  onEpochEnd(_epoch: number, logs?: nn.Logs): void {
    this.crossentropy.push(this.sum / this.count);
    this.val_crossentropy.push((logs?.val_loss ?? NaN) - l2Penalty(this.model!, this.l2));
  }
}

/** Trains the runs, writes the plot (with markers) and the table; resolves to rows, histories and files. */
export async function overfittingStudy(args: OverfittingStudyArgs = {}): Promise<OverfittingStudyResult> {
  const out = args.out ?? join('examples-output', 'overfitting');
  const epochs = checkInteger('overfitting', args.epochs ?? 60, 'epochs', 2);
  const trainSize = checkInteger('overfitting', args.trainSize ?? 300, 'trainSize', 1, 7996);
  const valSize = checkInteger('overfitting', args.valSize ?? 1000, 'valSize', 1, 2003);
  const units = checkInteger('overfitting', args.units ?? 512, 'units', 1);
  const patience = checkInteger('overfitting', args.patience ?? 5, 'patience', 0);
  const batchSize = checkInteger('overfitting', args.batchSize ?? 32, 'batchSize', 1);
  const l2 = args.l2 ?? 1e-3;
  const dropout = args.dropout ?? 0.5;
  const seed = args.seed ?? 1;
  const log = args.log ?? ((line: string) => console.log(line));

  await nn.ready();
  const { train, test } = nn.data.mnist({ trainSize, seed });
  const n = test.labels.length;
  const xVal = rows(test.x, 0, valSize);
  const yVal = rows(test.y, 0, valSize);
  const xTest = rows(test.x, valSize, n);
  const yTest = rows(test.y, valSize, n);

  nn.setSeed(seed);
  const initial = overfittingNet(units);
  const snapshot = initial.getWeights();
  initial.dispose();

  const stopper = nn.callbacks.earlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true });
  const specs: { name: string; reg: { l2?: number; dropout?: number }; callbacks: nn.Callback[] }[] = [
    { name: RUN_PLAIN, reg: {}, callbacks: [] },
    { name: RUN_EARLY, reg: {}, callbacks: [stopper] },
  ];
  if (args.regularized ?? true) specs.push({ name: RUN_REGULARIZED, reg: { l2, dropout }, callbacks: [] });

  const table: OverfittingRow[] = [];
  const histories: Record<string, nn.History> = {};
  const curves: Record<string, { epoch: number[]; history: Record<string, number[]> }> = {};
  for (const spec of specs) {
    nn.setSeed(seed + 1); // dropout's generator, drawn when the layers are made
    const model = overfittingNet(units, spec.reg);
    model.setWeights(snapshot);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const started = performance.now();
    const ce = new CrossEntropyLog(spec.reg.l2 ?? 0);
    const history = await model.fit(train.x, train.y, {
      epochs, batchSize, seed, validationData: [xVal, yVal], verbose: 0, callbacks: [ce, ...spec.callbacks],
    });
    const seconds = (performance.now() - started) / 1000;
    const val = crossEntropy(model, xVal, yVal, spec.reg.l2);
    const tst = crossEntropy(model, xTest, yTest, spec.reg.l2);
    model.dispose();
    const h = history.history;
    const trainCE = ce.crossentropy;
    const valCE = ce.val_crossentropy;
    const minValLoss = Math.min(...valCE);
    const stopped = spec.callbacks.includes(stopper) && stopper.stoppedEpoch > 0 ? stopper.stoppedEpoch + 1 : null;
    table.push({
      run: spec.name, epochs: history.epoch.length, bestEpoch: valCE.indexOf(minValLoss) + 1, stoppedEpoch: stopped,
      firstLoss: trainCE[0], lastLoss: trainCE[trainCE.length - 1], minValLoss, lastValLoss: valCE[valCE.length - 1],
      valCrossEntropy: val.loss, valAccuracy: val.accuracy, testCrossEntropy: tst.loss, testAccuracy: tst.accuracy, seconds,
    });
    histories[spec.name] = history;
    curves[spec.name] = {
      epoch: history.epoch,
      history: { crossentropy: ce.crossentropy, val_crossentropy: ce.val_crossentropy, accuracy: h.accuracy, val_accuracy: h.val_accuracy },
    };
    log(`${spec.name.padEnd(18)} ${history.epoch.length} epochs${stopped ? ` (stopped at ${stopped}, weights of epoch ${stopper.bestEpoch + 1} restored)` : ''}: ` +
      `val CE ${val.loss.toFixed(4)}, val acc ${val.accuracy.toFixed(4)} (${seconds.toFixed(1)} s)`);
  }

  const text = formatTable(
    ['run', 'epochs', 'best epoch', 'stopped at', 'train CE first → last', 'val CE min → last', 'val CE (final model)', 'val acc', 'test CE', 'test acc', 'time (s)'],
    table.map((r) => [
      r.run, String(r.epochs), String(r.bestEpoch), r.stoppedEpoch === null ? '—' : String(r.stoppedEpoch),
      `${r.firstLoss.toFixed(4)} → ${r.lastLoss.toFixed(4)}`, `${r.minValLoss.toFixed(4)} → ${r.lastValLoss.toFixed(4)}`,
      r.valCrossEntropy.toFixed(4), r.valAccuracy.toFixed(4), r.testCrossEntropy.toFixed(4), r.testAccuracy.toFixed(4), r.seconds.toFixed(2),
    ]),
  );

  // Two close lines: only the later one is labelled, so the labels cannot overlap.
  const markers = stopper.stoppedEpoch > 0
    ? [{ epoch: stopper.bestEpoch }, { epoch: stopper.stoppedEpoch, label: `stopped ${stopper.stoppedEpoch + 1} (best ${stopper.bestEpoch + 1} restored)` }]
    : [];
  const title = `MNIST 784-${units}-${units}-10 on ${trainSize} digits, Adam 1e-3: cross-entropy without the L2 penalty; early stopping marked`;
  const plotOptions = { title, width: 440, height: 280, markers, metrics: ['crossentropy', 'accuracy'] };
  // histories.json keeps the logged metrics plus the penalty-free cross-entropy curves.
  const withCrossEntropy = Object.fromEntries(Object.entries(histories).map(([k, v]) => [k, {
    epoch: v.epoch, history: { ...v.history, crossentropy: curves[k].history.crossentropy, val_crossentropy: curves[k].history.val_crossentropy },
  }]));
  const files = await writeStudy(out, curves, plotOptions,
    `# Overfitting study\n\n${title}; validation ${valSize} and test ${n - valSize} digits of the test split.`, text, withCrossEntropy);
  return { rows: table, histories, stopper, table: text, files };
}

/** Command line: parses the flags, runs the study, prints the table and where the plots are. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<OverfittingStudyResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '60' },
      'train-size': { type: 'string', default: '300' },
      'val-size': { type: 'string', default: '1000' },
      units: { type: 'string', default: '512' },
      patience: { type: 'string', default: '5' },
      'batch-size': { type: 'string', default: '32' },
      'no-regularized': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join('examples-output', 'overfitting') },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isFinite(seed)) throw new Error(`--seed: expected a number, got ${values.seed}`);
  const result = await overfittingStudy({
    out: values.out, epochs: Number(values.epochs), trainSize: Number(values['train-size']), valSize: Number(values['val-size']),
    units: Number(values.units), patience: Number(values.patience), batchSize: Number(values['batch-size']),
    regularized: !values['no-regularized'], seed,
  });
  console.log(`\n${result.table}\n`);
  console.log('CE: cross-entropy per epoch without the L2 penalty (the logged loss for the runs without L2). ' +
    'final model: as the run ended (early stopping: best weights restored); test: the digits of the test split not used for validation.');
  console.log(`Learning curves: ${result.files.svg} and ${result.files.html}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
