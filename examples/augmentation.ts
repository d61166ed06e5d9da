/**
 * The augmentation study: one small CNN (Conv 8 → MaxPool → Conv 16 → MaxPool → Dense 128 →
 * Dense 10) trained on a small MNIST subset (500 digits) twice from the same initial weights in
 * the same order: as is, and with randomRotation (±15°), randomTranslation (±10%) and
 * randomZoom (±10%) placed first. Those layers transform each training batch afresh and are the
 * identity in evaluate/predict, so the test split is seen unchanged by both. With so few digits
 * the plain network learns them by heart (test loss rises again) while the augmented one keeps
 * improving: the curves are compared in one plot and the table gives test accuracy both ways.
 *
 * The validation curves are on the test split (2,004 digits), which no run uses for any choice:
 * both train for the same number of epochs and the table reports the last one.
 *
 *   npm run build && npx tsx examples/augmentation.ts [--epochs 30] [--train-size 500] [--test-size 2004]
 *       [--seed 1] [--out examples-output/augmentation]
 *
 * Writes <out>/curves.svg, <out>/curves.html, <out>/summary.md and <out>/histories.json.
 */
import * as nn from 'simdnn';
import { checkInteger, formatTable, writeStudy } from './study-output.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Options of {@link augmentationStudy}. */
export interface AugmentationStudyArgs {
  /** Directory for the plots and the table; default examples-output/augmentation. */
  out?: string;
  /** Epochs of both runs; default 30. */
  epochs?: number;
  /** Training digits (of 7,996); default 500. */
  trainSize?: number;
  /** Test digits (of 2,004); default all. */
  testSize?: number;
  /** Minibatch size; default 32. */
  batchSize?: number;
  /** Seed of the initial weights, the data subsets, the shuffling and the augmentation; default 1. */
  seed?: number;
  /** Progress lines; default console.log. Pass () => {} for silence. */
  log?: (line: string) => void;
}

/** One run of the study, as in the table. */
export interface AugmentationRow {
  run: string;
  epochs: number;
  /** Last epoch's training accuracy as logged (on the augmented images for the augmented run). */
  trainAccuracy: number;
  /** Accuracy on the (unaugmented) training digits after training. */
  cleanTrainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Lowest test loss over the epochs and its epoch (from 1). */
  minTestLoss: number;
  minTestLossEpoch: number;
  seconds: number;
}

/** What {@link augmentationStudy} returns. */
export interface AugmentationStudyResult {
  rows: AugmentationRow[];
  histories: Record<string, nn.History>;
  /** The summary table (Markdown), as printed. */
  table: string;
  files: { svg: string; html: string; summary: string; histories: string };
}

/** The run names, in order. */
export const RUN_PLAIN = 'no augmentation';
export const RUN_AUGMENTED = 'augmentation';

/**
 * The augmentation layers of the study, placed first: rotation by up to ±15° (factor 15/360 of a
 * turn), shifts up to ±10% of height and width, zoom by up to ±10%, filling with 0 (the black
 * background of the digits) instead of Keras's default reflection.
 */
export function augmentationLayers(seed?: number): nn.Layer[] {
  return [
    nn.layers.randomRotation({ inputShape: [28, 28, 1], factor: 15 / 360, fillMode: 'constant', seed }),
    nn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'constant', seed: seed === undefined ? undefined : seed + 1 }),
    nn.layers.randomZoom({ heightFactor: 0.1, fillMode: 'constant', seed: seed === undefined ? undefined : seed + 2 }),
  ];
}

/** The study's CNN on images [N, 28, 28, 1], with or without the augmentation layers in front (same weights either way). */
export function augmentationNet(augment: boolean, seed?: number): nn.Sequential {
  return nn.sequential({
    layers: [
      ...(augment ? augmentationLayers(seed) : []),
      nn.layers.conv2d({ ...(augment ? {} : { inputShape: [28, 28, 1] }), filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Trains both runs, writes the compared curves and the table; resolves to rows, histories and files. */
export async function augmentationStudy(args: AugmentationStudyArgs = {}): Promise<AugmentationStudyResult> {
  const out = args.out ?? join('examples-output', 'augmentation');
  const epochs = checkInteger('augmentation', args.epochs ?? 30, 'epochs', 1);
  const trainSize = checkInteger('augmentation', args.trainSize ?? 500, 'trainSize', 1, 7996);
  const testSize = checkInteger('augmentation', args.testSize ?? 2004, 'testSize', 1, 2004);
  const batchSize = checkInteger('augmentation', args.batchSize ?? 32, 'batchSize', 1);
  const seed = args.seed ?? 1;
  const log = args.log ?? ((line: string) => console.log(line));

  await nn.ready();
  const { train, test } = nn.data.mnist({ trainSize, testSize, seed });
  const xTrain = train.x.reshape([trainSize, 28, 28, 1]);
  const xTest = test.x.reshape([testSize, 28, 28, 1]);

  nn.setSeed(seed);
  const initial = augmentationNet(false);
  const snapshot = initial.getWeights();
  initial.dispose();

  const rows: AugmentationRow[] = [];
  const histories: Record<string, nn.History> = {};
  for (const [name, augment] of [[RUN_PLAIN, false], [RUN_AUGMENTED, true]] as const) {
    const model = augmentationNet(augment, seed);
    model.setWeights(snapshot);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const started = performance.now();
    const history = await model.fit(xTrain, train.y, {
      epochs, batchSize, seed, validationData: [xTest, test.y], verbose: 0,
    });
    const seconds = (performance.now() - started) / 1000;
    const final = model.evaluate(xTest, test.y, { batchSize: 256 });
    const clean = model.evaluate(xTrain, train.y, { batchSize: 256 });
    model.dispose();
    const h = history.history;
    const last = history.epoch.length - 1;
    const minTestLoss = Math.min(...h.val_loss);
    rows.push({
      run: name, epochs: history.epoch.length, trainAccuracy: h.accuracy[last], cleanTrainAccuracy: clean.accuracy,
      testLoss: final.loss, testAccuracy: final.accuracy, minTestLoss, minTestLossEpoch: h.val_loss.indexOf(minTestLoss) + 1, seconds,
    });
    histories[name] = history;
    log(`${name.padEnd(16)} ${epochs} epochs: test loss ${final.loss.toFixed(4)}, test accuracy ${final.accuracy.toFixed(4)} (${seconds.toFixed(1)} s)`);
  }

  const table = formatTable(
    ['run', 'epochs', 'train acc (as logged)', 'train acc (clean)', 'test loss', 'test acc', 'min test loss (epoch)', 'time (s)'],
    rows.map((r) => [
      r.run, String(r.epochs), r.trainAccuracy.toFixed(4), r.cleanTrainAccuracy.toFixed(4), r.testLoss.toFixed(4), r.testAccuracy.toFixed(4),
      `${r.minTestLoss.toFixed(4)} (${r.minTestLossEpoch})`, r.seconds.toFixed(2),
    ]),
  );

  const title = `Small CNN on ${trainSize} MNIST digits, with and without rotation/translation/zoom (validation = ${testSize} test digits)`;
  const files = await writeStudy(out, histories, { title, width: 420, height: 280 },
    `# Augmentation study\n\n${title}; ${epochs} epochs, Adam 1e-3, batch ${batchSize}.`, table);
  return { rows, histories, table, files };
}

/** Command line: parses the flags, runs the study, prints the table and where the plots are. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<AugmentationStudyResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '30' },
      'train-size': { type: 'string', default: '500' },
      'test-size': { type: 'string', default: '2004' },
      'batch-size': { type: 'string', default: '32' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join('examples-output', 'augmentation') },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isFinite(seed)) throw new Error(`--seed: expected a number, got ${values.seed}`);
  const result = await augmentationStudy({
    out: values.out, epochs: Number(values.epochs), trainSize: Number(values['train-size']), testSize: Number(values['test-size']),
    batchSize: Number(values['batch-size']), seed,
  });
  console.log(`\n${result.table}\n`);
  console.log('train acc (as logged): during training, on the augmented images for the augmented run; (clean): evaluate on the training digits afterwards.');
  console.log(`Learning curves: ${result.files.svg} and ${result.files.html}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
