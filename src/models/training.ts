/**
 * The loops behind fit / evaluate / predict. fit stages the whole data set in wasm memory once,
 * so each step is: gather a shuffled batch, forward, fused loss, backward, one optimizer kernel
 * per parameter — kernel calls on planned buffers, nothing allocated.
 */
import { Random, getRandom } from '../core/random.js';
import { Tensor, shapeSize, type TensorLike } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';
import { History, type Callback, type Logs } from '../callbacks/callback.js';
import { addPenaltyGradients, totalPenalty } from './penalty.js';
import { checkPositiveInteger } from '../core/checks.js';
import { checkFitOptions } from './verb-options.js';
import { checkFinite, checkSameCount, checkSampleShape, toBatch } from '../data/inputs.js';
import type { Compiled, FitArgs, LayersModel } from './model.js';
import type { ExecutionPlan } from './plan.js';
import { StagedWeights, checkSampleWeight, fitWeights } from './sample-weights.js';

/** Checked x and y for `who`. */
function checkData(model: LayersModel, compiled: Compiled, xIn: TensorLike, yIn: TensorLike, who: string, names = ['x', 'y']): [Tensor, Tensor] {
  const out = model.outputShape;
  const cols = out[out.length - 1];
  const x = toBatch(xIn, model.inputShape, who, names[0]);
  const labelShape = compiled.loss.labelWidth(cols) === 1 ? out.slice(0, -1) : out;
  const y = toBatch(yIn, labelShape.length ? labelShape : [1], who, names[1]);
  checkSampleShape(x, model.inputShape, who, names[0]);
  checkFinite(x, who, names[0]);
  checkSameCount(x, y, who);
  checkFinite(y, who, names[1]);
  compiled.loss.checkLabels(y, out, who);
  return [x, y];
}

/** Copies rows [start, start + n) of `t` into wasm memory at `ptr`. */
function copyRows(t: Tensor, start: number, n: number, ptr: number): void {
  const per = t.size / t.shape[0];
  getBackend().arena.f32.set(t.data.subarray(start * per, (start + n) * per), ptr >>> 2);
}

/** Sums of loss and metric matches over a pass, turned into logs. */
class Totals {
  loss = 0;
  lossTerms = 0;
  readonly matches: number[];
  readonly metricTerms: number[];

  constructor(private readonly compiled: Compiled) {
    this.matches = compiled.metrics.map(() => 0);
    this.metricTerms = compiled.metrics.map(() => 0);
  }

  /** Adds one batch: loss sum over `rows × cols` and the metrics on `plan.visible`. */
  add(plan: ExecutionPlan, lossSum: number, rows: number, cols: number): void {
    const k = getBackend().kernels;
    this.loss += lossSum;
    this.lossTerms += this.compiled.loss.terms(rows, cols);
    for (let m = 0; m < this.compiled.metrics.length; m++) {
      const metric = this.compiled.metrics[m];
      this.matches[m] += metric.count(k, plan.visible, plan.labels, rows, cols);
      this.metricTerms[m] += metric.terms(rows, cols);
    }
  }

  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: this.loss / this.lossTerms };
    this.compiled.metrics.forEach((m, i) => { logs[`${prefix}${m.name}`] = this.matches[i] / this.metricTerms[i]; });
    return logs;
  }
}

/** Runs forward + loss on (x, y) batch by batch, the loss weighted per sample when `weights` is given; no gradients, no dropout. */
function evaluateTensors(model: LayersModel, compiled: Compiled, x: Tensor, y: Tensor, batchSize: number, prefix: string,
  weights: Float32Array | null = null): Logs {
  const k = getBackend().kernels;
  const count = x.shape[0];
  const plan = model.planFor(model.plannableBatch(Math.min(batchSize, count)), false);
  batchSize = Math.min(batchSize, plan.capacity);
  const out = model.outputShape;
  const cols = out[out.length - 1];
  const rowsPerSample = shapeSize(out) / cols;
  const totals = new Totals(compiled);
  const last = plan.outputs.length - 1;
  const penalty = totalPenalty(k, model.params());
  const staged = weights ? new StagedWeights(weights, batchSize, compiled, out, false) : null;
  try {
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      plan.checkBatch(n, 'evaluate');
      copyRows(x, start, n, plan.outputs[0]);
      copyRows(y, start, n, plan.labels);
      plan.forward(n, false);
      const rows = n * rowsPerSample;
      const lossSum = staged
        ? staged.loss(k, compiled, plan, 0, n, rows, cols, 0, staged.all + start * 4)
        : compiled.loss.compute(k, compiled.fused, plan.outputs[last], plan.labels, plan.visible, 0, rows, cols, 0);
      totals.add(plan, lossSum + penalty * compiled.loss.terms(rows, cols), rows, cols);
    }
  } finally {
    staged?.release();
  }
  return totals.logs(prefix);
}

/** `model.evaluate`: mean loss and metrics over all of (x, y). */
export function evaluateLoop(model: LayersModel, xIn: TensorLike, yIn: TensorLike, batchSize: number, who: string,
  sampleWeight?: unknown): Record<string, number> {
  const compiled = model.requireCompiled(who);
  checkPositiveInteger(batchSize, who, 'batchSize');
  const [x, y] = checkData(model, compiled, xIn, yIn, who);
  const weights = sampleWeight === undefined ? null : checkSampleWeight(sampleWeight, x.shape[0], who);
  return evaluateTensors(model, compiled, x, y, batchSize, '', weights);
}

/** `model.predict`: the visible output for every sample of x. */
export function predictLoop(model: LayersModel, xIn: TensorLike, batchSize: number): Tensor {
  const who = 'predict';
  checkPositiveInteger(batchSize, who, 'batchSize');
  const x = toBatch(xIn, model.inputShape, who, 'x');
  checkSampleShape(x, model.inputShape, who, 'x');
  const count = x.shape[0];
  const plan = model.planFor(model.plannableBatch(Math.min(batchSize, count)), false);
  batchSize = Math.min(batchSize, plan.capacity);
  const nodes = model.graph();
  const last = nodes[nodes.length - 1];
  const cols = last.shape[last.shape.length - 1];
  const fused = last.layer?.activationFusedIntoLoss ?? false;
  const { kernels: k, arena } = getBackend();
  const perSample = x.size / count;
  const result = new Float32Array(count * last.size);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    plan.checkBatch(n, who);
    copyRows(x, start, n, plan.outputs[0]);
    // Counted in wasm once the batch is there (fast); the JS scan only runs to name the culprit.
    if (k.countNonFinite(plan.outputs[0], n * perSample) !== 0) checkFinite(x, who, 'x');
    plan.forward(n, false);
    const logits = plan.outputs[nodes.length - 1];
    // With the activation folded into the loss, the output layer left logits: apply it here.
    if (fused) last.layer!.applyActivation(k, logits, plan.visible, (n * last.size) / cols, cols);
    const from = plan.visible >>> 2;
    result.set(arena.f32.subarray(from, from + n * last.size), start * last.size);
  }
  return new Tensor(result, [count, ...last.shape]);
}

interface Staged {
  x: number;
  y: number;
  indices: number;
  count: number;
}

/** Copies a whole (x, y) into wasm memory with an index array for shuffled gathers. */
function stage(x: Tensor, y: Tensor): Staged {
  const { arena } = getBackend();
  const count = x.shape[0];
  const staged: Staged = { x: 0, y: 0, indices: 0, count };
  try {
    staged.x = arena.allocF32(x.size, 'staged', `fit: the ${count} training samples`);
    staged.y = arena.allocF32(y.size, 'staged', `fit: the ${count} training labels`);
    staged.indices = arena.alloc(count * 4, 'staged', 'fit: the shuffled sample order');
  } catch (error) {
    unstage(staged); // what was staged before memory ran out
    throw error;
  }
  arena.f32.set(x.data, staged.x >>> 2);
  arena.f32.set(y.data, staged.y >>> 2);
  return staged;
}

function unstage(s: Staged): void {
  const { arena } = getBackend();
  arena.release(s.x);
  arena.release(s.y);
  arena.release(s.indices);
}

/** Rows [from, to) of a tensor as a new tensor (a copy-free view of its data). */
function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const per = t.size / t.shape[0];
  return new Tensor(t.data.subarray(from * per, to * per), [to - from, ...t.shape.slice(1)]);
}

async function call(callbacks: readonly Callback[], hook: keyof Callback, ...args: unknown[]): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}

/**
 * Calls a batch hook on every callback in order; returns a promise only when a hook did, so
 * synchronous hooks cost no promise per step.
 */
function callBatchHook(callbacks: readonly Callback[], hook: 'onBatchBegin' | 'onBatchEnd', step: number, logs: Logs, from = 0): Promise<void> | undefined {
  for (let i = from; i < callbacks.length; i++) {
    const result = callbacks[i][hook]?.(step, logs);
    if (result) return result.then(() => callBatchHook(callbacks, hook, step, logs, i + 1));
  }
  return undefined;
}

/** Reserves the optimizer's slots layer by layer, so an out-of-memory error names the layer. */
function prepareSlots(model: LayersModel, compiled: Compiled): void {
  const { arena } = getBackend();
  for (const layer of model.layers) arena.withTag({ label: layer.describe() }, () => compiled.optimizer.prepare(layer.params));
}

/**
 * Throws, naming the layer and weight, when a weight is no longer finite: a step can make the
 * weights infinite while the loss it reported was finite. Counted in wasm; nothing allocated.
 */
function checkWeightsFinite(model: LayersModel, who: string, epoch: number): void {
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

function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join(' - ');
}

/** `model.fit`. */
export async function fitLoop(model: LayersModel, xIn: TensorLike, yIn: TensorLike, args: FitArgs): Promise<History> {
  const who = 'fit';
  model.refuseWhileFitting(who);
  checkFitOptions(args, who);
  const compiled = model.requireCompiled(who);
  const batchSize = args.batchSize ?? 32;
  const epochs = args.epochs ?? 1;
  checkPositiveInteger(batchSize, who, 'batchSize');
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${who}: epochs must be a non-negative integer, got ${epochs}`);
  let [x, y] = checkData(model, compiled, xIn, yIn, who);
  let weights = fitWeights(args.sampleWeight, args.classWeight, y, compiled, model.outputShape, who);
  let validation: [Tensor, Tensor] | null = null;
  let validationWeights: Float32Array | null = null;
  if (args.validationData) {
    const data = args.validationData;
    if (!Array.isArray(data) || (data.length !== 2 && data.length !== 3)) {
      throw new TypeError(`${who}: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeightVal]`);
    }
    validation = checkData(model, compiled, data[0], data[1], who, ['validationData x', 'validationData y']);
    if (data.length === 3) validationWeights = checkSampleWeight(data[2], validation[0].shape[0], who, 'validationData sampleWeight');
  } else if (args.validationSplit !== undefined) {
    const split = args.validationSplit;
    if (!(split > 0 && split < 1)) throw new RangeError(`${who}: validationSplit must be in (0, 1), got ${split}`);
    const trainCount = Math.floor(x.shape[0] * (1 - split));
    if (trainCount < 1 || trainCount >= x.shape[0]) {
      throw new RangeError(`${who}: validationSplit ${split} of ${x.shape[0]} samples leaves an empty training or validation set`);
    }
    validation = [sliceRows(x, trainCount, x.shape[0]), sliceRows(y, trainCount, y.shape[0])];
    [x, y] = [sliceRows(x, 0, trainCount), sliceRows(y, 0, trainCount)];
    // As Keras: sample weights are split with the data; class weights apply to training only.
    if (weights && args.sampleWeight !== undefined) validationWeights = weights.subarray(trainCount);
    weights = weights?.subarray(0, trainCount) ?? null;
  }

  const { kernels: k, arena } = getBackend();
  const callbacks = args.callbacks ?? [];
  const verbose = args.verbose ?? 1;
  const shuffle = args.shuffle ?? true;
  const random = new Random(args.seed ?? getRandom().seed());
  const count = x.shape[0];
  const steps = Math.ceil(count / batchSize);
  const history = new History({ epochs, samples: count, batchSize, steps });
  const out = model.outputShape;
  const cols = out[out.length - 1];
  const rowsPerSample = shapeSize(out) / cols;
  const xWidth = shapeSize(model.inputShape);
  const yWidth = y.size / y.shape[0];
  const params = model.params();
  const hasPenalty = params.some((p) => p.regularizer !== null);
  const wantsBatchLogs = callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  // One logs object for every batch, updated in place: batch hooks allocate nothing per step.
  const batchLogs: Logs = { batch: 0, size: 0, loss: 0 };

  // Plan once for the largest batch either pass needs, so validation never re-plans mid-fit.
  const plan = model.planFor(Math.min(batchSize, Math.max(count, validation?.[0].shape[0] ?? 0)), true);
  prepareSlots(model, compiled);
  const staged = stage(x, y);
  const stagedWeights = weights ? new StagedWeights(weights, plan.capacity, compiled, out, true) : null;
  const last = plan.outputs.length - 1;
  model.stopTraining = false;
  model.fitting = true;
  for (const cb of callbacks) {
    cb.setParams?.(history.params);
    cb.setModel?.(model);
  }
  try {
    await call(callbacks, 'onTrainBegin');
    for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
      const started = performance.now();
      await call(callbacks, 'onEpochBegin', epoch);
      const idx = arena.i32;
      const base = staged.indices >>> 2;
      for (let i = 0; i < count; i++) idx[base + i] = i;
      if (shuffle) random.shuffle(idx, base, count);
      const totals = new Totals(compiled);
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const n = Math.min(batchSize, count - start);
        plan.checkBatch(n, who);
        if (wantsBatchLogs) {
          batchLogs.batch = step;
          batchLogs.size = n;
          const pending = callBatchHook(callbacks, 'onBatchBegin', step, batchLogs);
          if (pending) await pending;
        }
        k.gatherRows(staged.x, staged.indices + start * 4, n, xWidth, plan.outputs[0]);
        k.gatherRows(staged.y, staged.indices + start * 4, n, yWidth, plan.labels);
        stagedWeights?.gather(k, staged.indices + start * 4, n);
        plan.forward(n, true);
        const rows = n * rowsPerSample;
        const gradScale = 1 / compiled.loss.terms(rows, cols);
        const lossSum = stagedWeights
          ? stagedWeights.loss(k, compiled, plan, plan.grads[last], n, rows, cols, gradScale, stagedWeights.batch)
          : compiled.loss.compute(k, compiled.fused, plan.outputs[last], plan.labels, plan.visible, plan.grads[last], rows, cols, gradScale);
        if (!Number.isFinite(lossSum)) {
          throw new Error(`${who}: the loss became ${lossSum} at epoch ${epoch + 1}, batch ${step + 1}; ` +
            'lower the learning rate or check the data');
        }
        plan.backward(n);
        // Penalties on the weights the forward used: into the reported loss and the gradients.
        const penalty = hasPenalty ? totalPenalty(k, params) : 0;
        if (hasPenalty) addPenaltyGradients(k, params);
        totals.add(plan, lossSum + penalty * compiled.loss.terms(rows, cols), rows, cols);
        compiled.optimizer.step(params);
        if (wantsBatchLogs) {
          batchLogs.loss = lossSum / compiled.loss.terms(rows, cols) + penalty;
          const pending = callBatchHook(callbacks, 'onBatchEnd', step, batchLogs);
          if (pending) await pending;
        }
        // As Keras: stopping from a batch hook ends the epoch here; its logs and onEpochEnd still run.
        if (model.stopTraining) break;
      }
      checkWeightsFinite(model, who, epoch);
      const logs = totals.logs();
      if (validation) Object.assign(logs, evaluateTensors(model, compiled, validation[0], validation[1], batchSize, 'val_', validationWeights));
      history.record(epoch, logs);
      if (verbose) console.log(`Epoch ${epoch + 1}/${epochs} - ${((performance.now() - started) / 1000).toFixed(2)}s - ${formatLogs(logs)}`);
      await call(callbacks, 'onEpochEnd', epoch, logs);
    }
    await call(callbacks, 'onTrainEnd');
  } finally {
    model.fitting = false;
    unstage(staged);
    stagedWeights?.release();
  }
  return history;
}
