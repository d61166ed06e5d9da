/**
 * evaluate and predict, and what fit shares with them: checked data, per-output loss and metric
 * totals turned into Keras-named logs, and the loss of one batch for every output.
 */
import { Tensor } from '../core/tensor.js';
import { getBackend, type Kernels } from '../core/wasm.js';
import { metricArgs, type MetricArgs } from '../core/kernels/metrics.js';
import type { Logs } from '../callbacks/callback.js';
import { checkPositiveInteger } from '../core/checks.js';
import { checkFinite } from '../data/inputs.js';
import { countNonFinite } from '../core/kernels/finite.js';
import { checkSampleCounts, inputTensors, labelTensors } from './data.js';
import type { Head } from './heads.js';
import type { Compiled, LayersModel } from './model.js';
import type { ExecutionPlan } from './plan.js';
import { totalPenalty } from './penalty.js';
import { StagedWeights, checkSampleWeight } from './sample-weights.js';

/** A checked data set: one tensor per model input and per output's labels. */
export interface DataSet {
  xs: Tensor[];
  ys: Tensor[];
  count: number;
}

/** x and y checked against the model's inputs and the compiled outputs. */
export function checkData(model: LayersModel, compiled: Compiled, x: unknown, y: unknown, who: string, xArg = 'x', yArg = 'y'): DataSet {
  const xs = inputTensors(model, x, who, xArg);
  const ys = labelTensors(compiled.heads, y, who, yArg);
  return { xs, ys, count: checkSampleCounts(xs, ys, who, xArg, yArg) };
}

/** Copies rows [start, start + n) of `t` into wasm memory at `ptr`. */
export function copyRows(t: Tensor, start: number, n: number, ptr: number): void {
  const per = t.size / t.shape[0];
  getBackend().arena.f32.set(t.data.subarray(start * per, (start + n) * per), ptr >>> 2);
}

/**
 * The loss of every output on the batch in the plan: each output's gradient (when `training`)
 * scaled by its loss weight over its term count, and each output's sum added to `totals`.
 * Returns the batch's total loss, Σ weight · mean, without penalties.
 */
export function batchLoss(k: Kernels, heads: readonly Head[], plan: ExecutionPlan, n: number, training: boolean,
  totals: Totals, staged: StagedWeights | null, weights: number): number {
  let total = 0;
  for (let h = 0; h < heads.length; h++) {
    const head = heads[h];
    const rows = n * head.rowsPerSample;
    const terms = head.loss.terms(rows, head.cols);
    const grad = training ? plan.grads[head.node] : 0;
    const gradScale = head.weight / terms;
    const sum = staged
      ? staged.loss(k, h, head, plan, grad, n, gradScale, weights)
      : head.loss.compute(k, head.activationInLoss, plan.outputs[head.node], plan.labels[h], plan.visible[h], grad, rows, head.cols, gradScale);
    totals.addHead(k, h, plan, sum, terms, rows);
    total += (head.weight * sum) / terms;
  }
  return total;
}

/**
 * Sums of each output's loss over a pass and the state of each metric (counts streamed over the
 * whole pass, as Keras keeps them), turned into Keras-named logs.
 */
export class Totals {
  private readonly losses: Float64Array;
  private readonly lossTerms: Float64Array;
  private readonly states: Float64Array[][];
  /** The operands of every metric update, refilled per batch. */
  private readonly batch: MetricArgs = metricArgs();
  private penalty = 0;
  private samples = 0;

  constructor(private readonly heads: readonly Head[]) {
    this.losses = new Float64Array(heads.length);
    this.lossTerms = new Float64Array(heads.length);
    this.states = heads.map((h) => h.metrics.map((m) => new Float64Array(m.stateSize)));
  }

  /** Adds one output's batch: its loss sum over `terms` and its metrics on the visible output. */
  addHead(k: Kernels, h: number, plan: ExecutionPlan, lossSum: number, terms: number, rows: number): void {
    const head = this.heads[h];
    this.losses[h] += lossSum;
    this.lossTerms[h] += terms;
    const b = this.batch;
    b.predictions = plan.visible[h]; b.labels = plan.labels[h]; b.rows = rows; b.cols = head.cols; b.out = plan.metricScratch;
    for (let m = 0; m < head.metrics.length; m++) head.metrics[m].update(k, this.states[h][m], b);
  }

  /** Adds the weights' penalty of a batch of `n` samples. */
  addPenalty(penalty: number, n: number): void {
    this.penalty += penalty * n;
    this.samples += n;
  }

  /**
   * 'loss' (Σ weight · mean loss of each output, plus the penalty), then each output's metrics;
   * with several outputs also each one's weighted loss as `${name}_loss` (as Keras 3).
   */
  logs(prefix = ''): Logs {
    const logs: Logs = { [`${prefix}loss`]: 0 };
    let total = this.samples > 0 ? this.penalty / this.samples : 0;
    this.heads.forEach((head, h) => {
      const loss = (head.weight * this.losses[h]) / this.lossTerms[h];
      total += loss;
      if (this.heads.length > 1) logs[`${prefix}${head.prefix}loss`] = loss;
      head.metrics.forEach((m, i) => { logs[`${prefix}${head.prefix}${m.name}`] = m.result(this.states[h][i]); });
    });
    logs[`${prefix}loss`] = total;
    return logs;
  }
}

/**
 * Forward and loss in inference mode over batches, summed into one set of totals: evaluate's loop,
 * fit's validation (which may yield between batches) and evaluateDataset share it.
 */
export class EvaluationPass {
  readonly totals: Totals;
  /** The plan batches run on; see {@link EvaluationPass.planFor}. */
  plan: ExecutionPlan;
  private readonly penalty: number;

  /** `batch`: the batch size wanted (while fit runs, at most its plan's capacity is had). */
  constructor(private readonly model: LayersModel, private readonly compiled: Compiled, batch: number) {
    this.plan = model.planFor(model.plannableBatch(batch), false);
    this.totals = new Totals(compiled.heads);
    // The weights do not change during a pass, so neither does their penalty.
    this.penalty = totalPenalty(getBackend().kernels, model.params());
  }

  /** Asks the model again for a plan for `batch` (it may have planned anew since), re-planning for a larger one outside fit. */
  planFor(batch: number): ExecutionPlan {
    this.plan = this.model.planFor(this.model.plannableBatch(batch), false);
    return this.plan;
  }

  /** Forward and loss on the `n` samples already in the plan's input and label buffers; `weights`: their sample weights, or 0. */
  run(n: number, who: string, staged: StagedWeights | null = null, weights = 0): void {
    this.plan.checkBatch(n, who);
    this.plan.forward(n, false);
    batchLoss(getBackend().kernels, this.compiled.heads, this.plan, n, false, this.totals, staged, weights);
    this.totals.addPenalty(this.penalty, n);
  }

  /** Copies rows [start, start + n) of every array of `data` into the plan. */
  copy(data: DataSet, start: number, n: number, who: string): void {
    this.plan.checkBatch(n, who); // no path writes a batch past the plan's buffers
    const inputs = this.model.inputNodes;
    for (let i = 0; i < data.xs.length; i++) copyRows(data.xs[i], start, n, this.plan.outputs[inputs[i]]);
    for (let h = 0; h < data.ys.length; h++) copyRows(data.ys[h], start, n, this.plan.labels[h]);
  }
}

/** Runs forward + loss on a data set batch by batch, the loss weighted per sample when `weights` is given; no gradients, no dropout. */
export function evaluateDataSet(model: LayersModel, compiled: Compiled, data: DataSet, batchSize: number, prefix: string,
  weights: Float32Array | null = null): Logs {
  const pass = new EvaluationPass(model, compiled, Math.min(batchSize, data.count));
  batchSize = Math.min(batchSize, pass.plan.capacity);
  const staged = weights ? new StagedWeights(weights, batchSize, compiled.heads, false) : null;
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const n = Math.min(batchSize, data.count - start);
      pass.copy(data, start, n, 'evaluate');
      pass.run(n, 'evaluate', staged, staged ? staged.all + start * 4 : 0);
    }
  } finally {
    staged?.release();
  }
  return pass.totals.logs(prefix);
}

/** `model.evaluate`: mean loss and metrics over all of (x, y). */
export function evaluateLoop(model: LayersModel, x: unknown, y: unknown, batchSize: number, who: string,
  sampleWeight?: unknown): Record<string, number> {
  const compiled = model.requireCompiled(who);
  checkPositiveInteger(batchSize, who, 'batchSize');
  const data = checkData(model, compiled, x, y, who);
  const weights = sampleWeight === undefined ? null : checkSampleWeight(sampleWeight, data.count, who);
  return evaluateDataSet(model, compiled, data, batchSize, '', weights);
}

/** `model.predict`: the visible value of every output for every sample of x, in output order. */
export function predictLoop(model: LayersModel, x: unknown, batchSize: number, who = 'predict'): Tensor[] {
  checkPositiveInteger(batchSize, who, 'batchSize');
  // Values are counted in wasm once a batch is there (fast); the JS scan only runs to name the culprit.
  const xs = inputTensors(model, x, who, 'x', false);
  const count = checkSampleCounts(xs, [], who);
  const plan = model.planFor(model.plannableBatch(Math.min(batchSize, count)), false);
  batchSize = Math.min(batchSize, plan.capacity);
  const nodes = model.graph();
  const inputs = model.inputNodes;
  const outputs = model.outputNodes;
  // With the activation folded into the loss, an output layer leaves logits: apply it here.
  const folded = model.isCompiled ? model.requireCompiled(who).heads.map((h) => h.activationInLoss) : outputs.map(() => false);
  const { kernels: k, arena } = getBackend();
  const results = outputs.map((j) => new Float32Array(count * nodes[j].size));
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    plan.checkBatch(n, who);
    xs.forEach((t, i) => {
      const ptr = plan.outputs[inputs[i]];
      copyRows(t, start, n, ptr);
      if (countNonFinite(ptr, (n * t.size) / count) !== 0) checkFinite(t, who, xs.length === 1 ? 'x' : `x.${model.inputNames[i]}`);
    });
    plan.forward(n, false);
    outputs.forEach((j, h) => {
      const node = nodes[j];
      const cols = node.shape[node.shape.length - 1];
      if (folded[h]) node.layer!.applyActivation(k, plan.outputs[j], plan.visible[h], (n * node.size) / cols, cols);
      const from = plan.visible[h] >>> 2;
      results[h].set(arena.f32.subarray(from, from + n * node.size), start * node.size);
    });
  }
  return outputs.map((j, h) => new Tensor(results[h], [count, ...nodes[j].shape]));
}
