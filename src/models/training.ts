/**
 * The loop behind fit. It stages the whole data set in wasm memory once, so each step is: gather
 * a shuffled batch of every input and label array, forward, each output's fused loss, backward,
 * one optimizer kernel per parameter — kernel calls on planned buffers, nothing allocated.
 */
import { Random, getRandom } from '../core/random.js';
import { Tensor, shapeSize } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';
import { History, type Callback, type Logs } from '../callbacks/callback.js';
import { addPenaltyGradients, totalPenalty } from './penalty.js';
import { checkPositiveInteger } from '../core/checks.js';
import { checkFitOptions } from './verb-options.js';
import { Totals, batchLoss, checkData, type DataSet } from './evaluation.js';
import type { Compiled, FitArgs, LayersModel } from './model.js';
import { nonFiniteHints } from './heads.js';
import { StagedWeights, checkSampleWeight, fitWeights } from './sample-weights.js';
import { isBatchList, isDatasetLike } from './dataset.js';
import { BatchPlace } from './dataset-batch.js';
import { DatasetEvaluation, validateArrays } from './validation.js';
import { withAverageWeightsAsync } from './weight-average.js';
import { Yielder } from './yield.js';

/** A data set copied into wasm memory, with an index array for shuffled gathers. */
interface Staged {
  /** One block per array: the inputs', then the labels'. */
  blocks: number[];
  /** Floats per sample of each block. */
  widths: number[];
  indices: number;
}

/** Copies every input and label array of `data` into wasm memory. */
function stage(data: DataSet): Staged {
  const { arena } = getBackend();
  const arrays = [...data.xs, ...data.ys];
  const staged: Staged = { blocks: [], widths: arrays.map((t) => t.size / data.count), indices: 0 };
  try {
    arrays.forEach((t, i) => staged.blocks.push(arena.allocF32(t.size, 'staged', `fit: the ${data.count} training ${i < data.xs.length ? 'samples' : 'labels'}`)));
    staged.indices = arena.alloc(data.count * 4, 'staged', 'fit: the shuffled sample order');
  } catch (error) {
    unstage(staged); // what was staged before memory ran out
    throw error;
  }
  arrays.forEach((t, i) => arena.f32.set(t.data, staged.blocks[i] >>> 2));
  return staged;
}

function unstage(s: Staged): void {
  const { arena } = getBackend();
  for (const ptr of s.blocks) arena.release(ptr);
  arena.release(s.indices);
}

/** Rows [from, to) of a tensor as a new tensor (a copy-free view of its data). */
function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const per = t.size / t.shape[0];
  return new Tensor(t.data.subarray(from * per, to * per), [to - from, ...t.shape.slice(1)]);
}

export async function call(callbacks: readonly Callback[], hook: keyof Callback, ...args: unknown[]): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}

/**
 * Calls a batch hook on every callback in order; returns a promise only when a hook did, so
 * synchronous hooks cost no promise per step.
 */
export function callBatchHook(callbacks: readonly Callback[], hook: 'onBatchBegin' | 'onBatchEnd', step: number, logs: Logs, from = 0): Promise<void> | undefined {
  for (let i = from; i < callbacks.length; i++) {
    const result = callbacks[i][hook]?.(step, logs);
    if (result) return result.then(() => callBatchHook(callbacks, hook, step, logs, i + 1));
  }
  return undefined;
}

/** Reserves the optimizer's slots layer by layer, so an out-of-memory error names the layer. */
export function prepareSlots(model: LayersModel, compiled: Compiled): void {
  const { arena } = getBackend();
  for (const layer of model.layers) arena.withTag({ label: layer.describe() }, () => compiled.optimizer.prepare(layer.params));
}

/**
 * Throws, naming the layer and weight, when a weight is no longer finite: a step can make the
 * weights infinite while the loss it reported was finite. Counted in wasm; nothing allocated.
 */
export function checkWeightsFinite(model: LayersModel, who: string, epoch: number): void {
  const k = getBackend().kernels;
  const layers = model.layers;
  for (let l = 0; l < layers.length; l++) {
    const params = layers[l].params;
    for (let i = 0; i < params.length; i++) {
      const bad = k.countNonFinite(params[i].ptr, params[i].size);
      if (bad !== 0) {
        throw new Error(`${who}: ${bad} of the ${params[i].size} values of ${layers[l].describe()} weight '${params[i].name}' ` +
          `are NaN or infinite after the last step of epoch ${epoch + 1}; lower the learning rate or check the data`);
      }
    }
  }
}

export function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ');
}

/** Rows [from, to) of every array of a data set. */
function sliceData(data: DataSet, from: number, to: number): DataSet {
  return { xs: data.xs.map((t) => sliceRows(t, from, to)), ys: data.ys.map((t) => sliceRows(t, from, to)), count: to - from };
}

/** `model.fit`. */
export async function fitLoop(model: LayersModel, xIn: unknown, yIn: unknown, args: FitArgs): Promise<History> {
  const who = 'fit';
  model.refuseWhileFitting(who);
  checkFitOptions(args, who);
  const compiled = model.requireCompiled(who);
  const batchSize = args.batchSize ?? 32;
  const epochs = args.epochs ?? 1;
  checkPositiveInteger(batchSize, who, 'batchSize');
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${who}: epochs must be a non-negative integer, got ${epochs}`);
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new RangeError(`${who}: initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  let data = checkData(model, compiled, xIn, yIn, who);
  let weights = fitWeights(args.sampleWeight, args.classWeight, data.ys, compiled.heads, who);
  let validation: DataSet | null = null;
  let validationWeights: Float32Array | null = null;
  let validationSet: DatasetEvaluation | null = null;
  const validationSteps = args.validationSteps === undefined ? undefined : checkPositiveInteger(args.validationSteps, who, 'validationSteps');
  if (isDatasetLike(args.validationData) || isBatchList(args.validationData)) {
    validationSet = new DatasetEvaluation(model, compiled, args.validationData, who, 'validationData', validationSteps, 'validationSteps');
  } else if (args.validationData) {
    const given = args.validationData;
    if (!Array.isArray(given) || (given.length !== 2 && given.length !== 3)) {
      throw new TypeError(`${who}: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal]`);
    }
    validation = checkData(model, compiled, given[0], given[1], who, 'validationData x', 'validationData y');
    if (given.length === 3) validationWeights = checkSampleWeight(given[2], validation.count, who, 'validationData sampleWeight');
  } else if (args.validationSplit !== undefined) {
    const split = args.validationSplit;
    if (!(split > 0 && split < 1)) throw new RangeError(`${who}: validationSplit must be in (0, 1), got ${split}`);
    const trainCount = Math.floor(data.count * (1 - split));
    if (trainCount < 1 || trainCount >= data.count) {
      throw new RangeError(`${who}: validationSplit ${split} of ${data.count} samples leaves an empty training or validation set`);
    }
    validation = sliceData(data, trainCount, data.count);
    data = sliceData(data, 0, trainCount);
    // As Keras: sample weights are split with the data; class weights apply to training only.
    if (weights && args.sampleWeight !== undefined) validationWeights = weights.subarray(trainCount);
    weights = weights?.subarray(0, trainCount) ?? null;
  }
  if (validationSteps !== undefined && !validation && !validationSet) throw new Error(`${who}: validationSteps needs validationData or validationSplit`);
  if (validation && validationSteps !== undefined && validationSteps * batchSize < validation.count) {
    // As Keras: the first validationSteps batches of the validation arrays.
    validation = sliceData(validation, 0, validationSteps * batchSize);
    validationWeights = validationWeights?.subarray(0, validation.count) ?? null;
  }

  const { kernels: k, arena } = getBackend();
  const callbacks = args.callbacks ?? [];
  const verbose = args.verbose ?? 1;
  const shuffle = args.shuffle ?? true;
  const random = new Random(args.seed ?? getRandom().seed());
  const count = data.count;
  const stepsPerEpoch = args.stepsPerEpoch === undefined ? undefined : checkPositiveInteger(args.stepsPerEpoch, who, 'stepsPerEpoch');
  // As Keras: with stepsPerEpoch an epoch is that many batches, and the shuffled order carries on across epochs.
  const steps = stepsPerEpoch ?? Math.ceil(count / batchSize);
  const yielder = new Yielder(args.yieldEvery ?? 'auto');
  const history = new History({ epochs, samples: count, batchSize, steps });
  const heads = compiled.heads;
  const params = model.params();
  const hasPenalty = params.some((p) => p.regularizer !== null);
  const wantsBatchLogs = callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  // One logs object for every batch, updated in place: batch hooks allocate nothing per step.
  const batchLogs: Logs = { batch: 0, size: 0, loss: 0 };

  // Plan once for the largest batch either pass needs, so validation never re-plans mid-fit.
  const plan = model.planFor(Math.min(batchSize, Math.max(count, validation?.count ?? 0)), true);
  prepareSlots(model, compiled);
  const staged = stage(data);
  // Where each staged block is gathered to: the input nodes' outputs, then the label buffers.
  const targets = [...model.inputNodes.map((i) => plan.outputs[i]), ...plan.labels];
  let stagedWeights: StagedWeights | null = null;
  let used = count; // samples of the current shuffled order trained on; a new order is drawn when all were
  const iterationsBefore = compiled.optimizer.iterations;
  model.stopTraining = false;
  model.fitting = true;
  try {
    // Inside the try: a callback that throws here, or weights that do not fit, leave nothing staged and the model not fitting.
    stagedWeights = weights ? new StagedWeights(weights, plan.capacity, heads, true) : null;
    for (const cb of callbacks) {
      cb.setParams?.(history.params);
      cb.setModel?.(model);
    }
    await call(callbacks, 'onTrainBegin');
    // Checking and staging a large data set is work too: yield before the first batch if it used up the budget.
    const ready = yielder.afterBatch();
    if (ready) await ready;
    // As Keras: epochs is the index to stop at, so training resumed at initialEpoch runs epochs − initialEpoch of them.
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      const started = performance.now();
      await call(callbacks, 'onEpochBegin', epoch);
      const totals = new Totals(heads);
      for (let step = 0; step < steps; step++) {
        if (used === count) {
          const idx = arena.i32;
          const base = staged.indices >>> 2;
          for (let i = 0; i < count; i++) idx[base + i] = i;
          if (shuffle) random.shuffle(idx, base, count);
          used = 0;
        }
        const start = used;
        const n = Math.min(batchSize, count - start);
        used += n;
        plan.checkBatch(n, who);
        if (wantsBatchLogs) {
          batchLogs.batch = step;
          batchLogs.size = n;
          const pending = callBatchHook(callbacks, 'onBatchBegin', step, batchLogs);
          if (pending) await pending;
        }
        const order = staged.indices + start * 4;
        for (let b = 0; b < targets.length; b++) k.gatherRows(staged.blocks[b], order, n, staged.widths[b], targets[b]);
        stagedWeights?.gather(k, order, n);
        plan.forward(n, true);
        const loss = batchLoss(k, heads, plan, n, true, totals, stagedWeights, stagedWeights ? stagedWeights.batch : 0);
        if (!Number.isFinite(loss)) {
          throw new Error(`${who}: the loss became ${loss} at epoch ${epoch + 1}, batch ${step + 1}; ` +
            `lower the learning rate or check the data${nonFiniteHints(heads)}`);
        }
        plan.backward(n);
        // Penalties on the weights the forward used: into the reported loss and the gradients.
        const penalty = hasPenalty ? totalPenalty(k, params) : 0;
        if (hasPenalty) addPenaltyGradients(k, params);
        totals.addPenalty(penalty, n);
        compiled.optimizer.step(params);
        if (wantsBatchLogs) {
          batchLogs.loss = loss + penalty;
          const pending = callBatchHook(callbacks, 'onBatchEnd', step, batchLogs);
          if (pending) await pending;
        }
        const pause = yielder.afterBatch();
        if (pause) await pause;
        // As Keras: stopping from a batch hook ends the epoch here; its logs and onEpochEnd still run.
        if (model.stopTraining) break;
      }
      checkWeightsFinite(model, who, epoch);
      const logs = totals.logs();
      // With useEma, validation sees the moving average of the weights (as Keras's SwapEMAWeights).
      if (validation) Object.assign(logs, await withAverageWeightsAsync(compiled.optimizer, params, () => validateArrays(model, compiled, { data: validation!, weights: validationWeights }, batchSize, 'val_', yielder)));
      else if (validationSet) Object.assign(logs, await withAverageWeightsAsync(compiled.optimizer, params, () => validationSet!.run('val_', yielder, validationPlace(epoch))));
      history.record(epoch, logs);
      if (verbose) console.log(`Epoch ${epoch + 1}/${epochs} - ${((performance.now() - started) / 1000).toFixed(2)}s - ${formatLogs(logs)}`);
      await call(callbacks, 'onEpochEnd', epoch, logs);
      const pause = yielder.afterEpoch();
      if (pause) await pause;
    }
    if (compiled.optimizer.iterations > iterationsBefore) compiled.optimizer.finalizeVariableValues(params); // Keras: before onTrainEnd
    await call(callbacks, 'onTrainEnd');
  } finally {
    model.fitting = false;
    unstage(staged);
    stagedWeights?.release();
  }
  return history;
}

/** Where a validation batch of epoch `epoch` is, for errors. */
function validationPlace(epoch: number): BatchPlace {
  const place = new BatchPlace();
  place.phase = 'validation';
  place.epoch = epoch;
  return place;
}
