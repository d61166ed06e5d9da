/**
 * fitDataset (TF.js), fit given a dataset (Keras), and evaluateDataset. Each step: the next
 * `{ xs, ys }` batch, checked and copied into the memory plan, then the same kernel calls as fit.
 * The plan is made for the first batch and made anew, once, for a larger one. By default each
 * epoch walks the dataset from its start to its end; with batchesPerEpoch (stepsPerEpoch), one
 * walk runs across all epochs, as TF.js and Keras do.
 */
import { History, type Callback, type Logs } from '../callbacks/callback.js';
import { checkCount, checkOptions, checkPositiveInteger, describeValue } from '../core/checks.js';
import { getBackend } from '../core/wasm.js';
import type { ModelData, ModelLabels } from './data.js';
import { BatchPlace, BatchReader } from './dataset-batch.js';
import { BatchSource, END, isBatchList, isDatasetLike, type Dataset } from './dataset.js';
import { Totals, batchLoss } from './evaluation.js';
import type { FitArgs, LayersModel } from './model.js';
import { addPenaltyGradients, totalPenalty } from './penalty.js';
import type { ExecutionPlan } from './plan.js';
import { StagedWeights, classWeightHead, classWeightTable, writeClassWeights, type ClassWeight, type SampleWeightLike } from './sample-weights.js';
import { call, callBatchHook, checkWeightsFinite, formatLogs, prepareSlots } from './training.js';
import { DatasetEvaluation, arrayValidation, validateArrays, type ArrayValidation } from './validation.js';
import { withAverageWeightsAsync } from './weight-average.js';
import { EVALUATE_DATASET_KEYS, FIT_DATASET_KEYS, FIT_ON_DATASET_KEYS, checkFitOptions } from './verb-options.js';
import { Yielder, checkYieldEvery, type YieldEvery } from './yield.js';

/** Validation data of fitDataset: arrays as fit takes them, or a dataset of `{ xs, ys }` batches. */
export type ValidationData = [ModelData, ModelLabels] | [ModelData, ModelLabels, SampleWeightLike] | Dataset;

/** Arguments of {@link LayersModel.fitDataset}, as TF.js names them. */
export interface FitDatasetArgs {
  /**
   * Batches per epoch. Without it each epoch walks the dataset anew, to its end; with it one walk
   * runs across every epoch, and training stops with a warning if the dataset runs out first.
   */
  batchesPerEpoch?: number;
  /** The epoch index to stop at (with `initialEpoch`, `epochs − initialEpoch` epochs run); default 1. */
  epochs?: number;
  /** The epoch index to start at, to resume an earlier fit; default 0. */
  initialEpoch?: number;
  /** Evaluated after each epoch: [x, y], [x, y, sampleWeight] or a dataset (walked from its start each time). */
  validationData?: ValidationData;
  /** Batch size of validationData given as arrays; default 32. */
  validationBatchSize?: number;
  /** Batches of a validationData dataset to evaluate each epoch; default: to its end. */
  validationBatches?: number;
  /** Hooks called during training; `setParams` gets `samples: 0`, `batchSize: 0`, and `steps: 0` unless batchesPerEpoch is set. */
  callbacks?: Callback[];
  /** 1 prints one line per epoch; 0 is silent. Default 1. */
  verbose?: 0 | 1;
  /** Class index → weight, as in `fit` (one output only). */
  classWeight?: ClassWeight;
  /** When training hands the thread back to the event loop; default 'auto' (see {@link YieldEvery}). */
  yieldEvery?: YieldEvery;
}

/** Arguments of {@link LayersModel.evaluateDataset}. */
export interface EvaluateDatasetArgs {
  /** Batches to evaluate; default: the dataset to its end. */
  batches?: number;
}

/** fitDataset's options with fit's Keras names mapped onto them, and the names to use in messages. */
interface DatasetFitOptions extends FitDatasetArgs {
  stepsArg: string;
  validationStepsArg: string;
}

const NOT_FOR_DATASETS: Record<string, string> = {
  batchSize: 'its batches are as the dataset yields them',
  shuffle: 'shuffle in the dataset (e.g. the shuffleBuffer of the streamed files of simdnn/node)',
  seed: "seed the dataset's own shuffling",
  validationSplit: 'give validationData',
  sampleWeight: 'weight classes with classWeight',
};

/** `model.fit(dataset, args)`: Keras's names (stepsPerEpoch, validationSteps) on the dataset loop. */
export async function fitOnDataset(model: LayersModel, dataset: Dataset, args: unknown, extra: unknown): Promise<History> {
  const who = 'fit';
  if (extra !== undefined) {
    throw new TypeError(`${who}: given a dataset, fit takes the options second, fit(dataset, { epochs }): the batches carry the labels, so there is no y`);
  }
  const options = (args ?? {}) as FitArgs & Record<string, unknown>;
  if (typeof options === 'object' && options !== null) {
    for (const key of Object.keys(NOT_FOR_DATASETS)) {
      if (key in options) throw new TypeError(`${who}: ${key} applies to arrays, not to a dataset: ${NOT_FOR_DATASETS[key]}`);
    }
  }
  checkOptions(options, who, FIT_ON_DATASET_KEYS);
  const { stepsPerEpoch, validationSteps, ...rest } = options;
  return datasetFit(model, dataset, { ...rest, batchesPerEpoch: stepsPerEpoch, validationBatches: validationSteps, stepsArg: 'stepsPerEpoch', validationStepsArg: 'validationSteps' } as DatasetFitOptions, who);
}

/** `model.fitDataset(dataset, args)`. */
export async function fitDatasetLoop(model: LayersModel, dataset: Dataset, args: FitDatasetArgs): Promise<History> {
  const who = 'fitDataset';
  checkOptions(args, who, FIT_DATASET_KEYS);
  return datasetFit(model, dataset, { ...args, stepsArg: 'batchesPerEpoch', validationStepsArg: 'validationBatches' }, who);
}

/** `model.evaluateDataset(dataset, args)`: loss and metrics over the dataset's batches (or the first `batches`). */
export async function evaluateDatasetLoop(model: LayersModel, dataset: Dataset, args: EvaluateDatasetArgs): Promise<Record<string, number>> {
  const who = 'evaluateDataset';
  checkOptions(args, who, EVALUATE_DATASET_KEYS);
  const batches = args.batches === undefined ? undefined : checkPositiveInteger(args.batches, who, 'batches');
  const compiled = model.requireCompiled(who);
  const evaluation = new DatasetEvaluation(model, compiled, dataset, who, 'dataset', batches, 'batches');
  return evaluation.run('', new Yielder('auto'), new BatchPlace());
}

/** The loop of fitDataset and of fit given a dataset. */
async function datasetFit(model: LayersModel, dataset: Dataset, o: DatasetFitOptions, who: string): Promise<History> {
  model.refuseWhileFitting(who);
  checkFitOptions({ verbose: o.verbose, callbacks: o.callbacks }, who);
  const compiled = model.requireCompiled(who);
  const epochs = o.epochs === undefined ? 1 : checkCount(o.epochs, who, 'epochs');
  const initialEpoch = o.initialEpoch === undefined ? 0 : checkCount(o.initialEpoch, who, 'initialEpoch');
  const steps = o.batchesPerEpoch === undefined ? undefined : checkPositiveInteger(o.batchesPerEpoch, who, o.stepsArg);
  const yielder = new Yielder(o.yieldEvery === undefined ? 'auto' : checkYieldEvery(o.yieldEvery, who));
  const source = new BatchSource(dataset, who);
  const heads = compiled.heads;
  const reader = new BatchReader(model, heads, who);
  const classes = o.classWeight === undefined ? null : classWeightTable(o.classWeight, classWeightHead(heads, who), who);
  const validation = checkValidation(model, o, who);

  const { kernels: k, arena } = getBackend();
  const callbacks = o.callbacks ?? [];
  const history = new History({ epochs, samples: 0, batchSize: 0, steps: steps ?? 0 });
  const params = model.params();
  const hasPenalty = params.some((p) => p.regularizer !== null);
  const wantsBatchLogs = callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  const batchLogs: Logs = { batch: 0, size: 0, loss: 0 }; // one object for every batch, updated in place
  const place = new BatchPlace();
  // Set by planFor below (typed so, as TypeScript does not follow assignments made in a closure).
  let plan = null as ExecutionPlan | null;
  let weights = null as StagedWeights | null;
  let trained = 0;

  /** A plan for `n` samples: the fit's plan may be replaced here, as nothing holds its buffers between steps. */
  const planFor = (n: number): ExecutionPlan => {
    model.fitting = false;
    try {
      plan = model.planFor(n, true);
    } finally {
      model.fitting = true;
    }
    weights?.release();
    weights = null;
    if (classes) weights = new StagedWeights(new Float32Array(plan.capacity), plan.capacity, heads, false);
    return plan;
  };

  prepareSlots(model, compiled);
  model.stopTraining = false;
  model.fitting = true;
  try {
    for (const cb of callbacks) {
      cb.setParams?.(history.params);
      cb.setModel?.(model);
    }
    await call(callbacks, 'onTrainBegin');
    if (steps !== undefined) await source.open(); // one walk across every epoch
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      if (steps === undefined) await source.open();
      place.phase = '';
      place.epoch = epoch;
      let item = await source.next();
      if (item === END) {
        if (trained === 0) throw new Error(`${who}: the dataset yielded no batches; it must yield { xs, ys } batches`);
        if (steps !== undefined) { warnRanOut(who, o.stepsArg, steps, epochs - initialEpoch, trained); break; }
        throw new Error(`${who}: the dataset yielded no batches in epoch ${epoch + 1} (${trained} before)` + (source.oneShot
          ? `: a generator object (or any iterator) runs once; pass the generator function itself (called anew each epoch), or give ${o.stepsArg} for one walk across all epochs`
          : ''));
      }
      const started = performance.now();
      await call(callbacks, 'onEpochBegin', epoch);
      const totals = new Totals(heads);
      let ranOut = false;
      for (let step = 0; ; step++) {
        place.batch = step;
        const n = reader.read(item, place);
        const current: ExecutionPlan = plan !== null && n <= plan.capacity ? plan : planFor(n);
        if (wantsBatchLogs) {
          batchLogs.batch = step;
          batchLogs.size = n;
          const pending = callBatchHook(callbacks, 'onBatchBegin', step, batchLogs);
          if (pending) await pending;
        }
        reader.copy(current, 0, n, true, place);
        const staged = weights;
        if (staged) writeClassWeights(classes!, reader.ys[0], arena.f32, staged.all >>> 2);
        current.forward(n, true);
        const loss = batchLoss(k, heads, current, n, true, totals, staged, staged ? staged.all : 0);
        if (!Number.isFinite(loss)) {
          throw new Error(`${who}: the loss became ${loss} at epoch ${epoch + 1}, batch ${step + 1}; lower the learning rate or check the data`);
        }
        current.backward(n);
        const penalty = hasPenalty ? totalPenalty(k, params) : 0;
        if (hasPenalty) addPenaltyGradients(k, params);
        totals.addPenalty(penalty, n);
        compiled.optimizer.step(params);
        trained++;
        if (wantsBatchLogs) {
          batchLogs.loss = loss + penalty;
          const pending = callBatchHook(callbacks, 'onBatchEnd', step, batchLogs);
          if (pending) await pending;
        }
        const pause = yielder.afterBatch();
        if (pause) await pause;
        if (model.stopTraining || (steps !== undefined && step + 1 >= steps)) break;
        item = await source.next();
        if (item === END) {
          if (steps !== undefined) { ranOut = true; warnRanOut(who, o.stepsArg, steps, epochs - initialEpoch, trained); }
          break;
        }
      }
      checkWeightsFinite(model, who, epoch);
      const logs = totals.logs();
      if (validation) {
        place.phase = 'validation';
        // With useEma, validation sees the moving average of the weights (as Keras's SwapEMAWeights).
        Object.assign(logs, await withAverageWeightsAsync(compiled.optimizer, params, () => ('data' in validation
          ? validateArrays(model, compiled, validation, o.validationBatchSize ?? 32, 'val_', yielder)
          : validation.run('val_', yielder, place))));
      }
      history.record(epoch, logs);
      if (o.verbose ?? 1) console.log(`Epoch ${epoch + 1}/${epochs} - ${((performance.now() - started) / 1000).toFixed(2)}s - ${formatLogs(logs)}`);
      await call(callbacks, 'onEpochEnd', epoch, logs);
      const pause = yielder.afterEpoch();
      if (pause) await pause;
      if (ranOut) break;
    }
    if (trained > 0) compiled.optimizer.finalizeVariableValues(params); // Keras: before onTrainEnd
    await call(callbacks, 'onTrainEnd');
  } finally {
    model.fitting = false;
    weights?.release();
    await source.close();
  }
  return history;
}

/** validationData and its options, checked before training starts. */
function checkValidation(model: LayersModel, o: DatasetFitOptions, who: string): ArrayValidation | DatasetEvaluation | null {
  const compiled = model.requireCompiled(who);
  const given = o.validationData;
  if (given === undefined) {
    for (const key of ['validationBatchSize', 'validationBatches'] as const) {
      if (o[key] !== undefined) throw new Error(`${who}: ${key === 'validationBatches' ? o.validationStepsArg : key} needs validationData`);
    }
    return null;
  }
  if (!isDatasetLike(given) && !isBatchList(given)) {
    if (o.validationBatches !== undefined) {
      throw new Error(`${who}: ${o.validationStepsArg} applies to validationData given as a dataset; for arrays, validationBatchSize sets the batches`);
    }
    if (o.validationBatchSize !== undefined) checkPositiveInteger(o.validationBatchSize, who, 'validationBatchSize');
    return arrayValidation(model, compiled, given, who);
  }
  if (o.validationBatchSize !== undefined) {
    throw new Error(`${who}: validationBatchSize applies to validationData given as arrays; a dataset's batches are as it yields them, got ${describeValue(o.validationBatchSize)}`);
  }
  const batches = o.validationBatches === undefined ? undefined : checkPositiveInteger(o.validationBatches, who, o.validationStepsArg);
  return new DatasetEvaluation(model, compiled, given, who, 'validationData', batches, o.validationStepsArg);
}

/** As TF.js and Keras: a dataset that runs out before epochs × batchesPerEpoch batches ends training, with a warning. */
function warnRanOut(who: string, stepsArg: string, steps: number, epochs: number, trained: number): void {
  console.warn(`${who}: the dataset ran out after ${trained} batches, but ${stepsArg} ${steps} × ${epochs} epochs needs ${steps * epochs}; ` +
    'training stops here. Give a dataset that repeats, or fewer batches per epoch');
}
