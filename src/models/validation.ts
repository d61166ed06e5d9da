/**
 * Evaluation passes that may wait: fit's validation over arrays (yielding between batches as
 * `yieldEvery` says), and evaluation over a dataset's batches (evaluateDataset, and validationData
 * given as a dataset). A dataset's batch larger than the plan is evaluated in pieces that fit it.
 */
import type { Logs } from '../callbacks/callback.js';
import { describeValue } from '../core/checks.js';
import { checkData, EvaluationPass, type DataSet } from './evaluation.js';
import { BatchPlace, BatchReader } from './dataset-batch.js';
import { BatchSource, END } from './dataset.js';
import type { Compiled, LayersModel } from './model.js';
import { checkSampleWeight, StagedWeights } from './sample-weights.js';
import type { Yielder } from './yield.js';

/** Validation arrays, checked: the data and its sample weights (or null). */
export interface ArrayValidation {
  data: DataSet;
  weights: Float32Array | null;
}

/** `validationData` given as [x, y] or [x, y, sampleWeight], checked against the model. */
export function arrayValidation(model: LayersModel, compiled: Compiled, given: unknown, who: string): ArrayValidation {
  if (!Array.isArray(given) || (given.length !== 2 && given.length !== 3)) {
    throw new TypeError(`${who}: validationData must be [xVal, yVal], [xVal, yVal, sampleWeightVal] or a dataset of { xs, ys } batches, got ${describeValue(given)}`);
  }
  const data = checkData(model, compiled, given[0], given[1], who, 'validationData x', 'validationData y');
  const weights = given.length === 3 ? checkSampleWeight(given[2], data.count, who, 'validationData sampleWeight') : null;
  return { data, weights };
}

/** evaluateDataSet's pass over arrays, handing the thread back between batches when `yielder` says so. */
export async function validateArrays(model: LayersModel, compiled: Compiled, { data, weights }: ArrayValidation, batchSize: number,
  prefix: string, yielder: Yielder): Promise<Logs> {
  const pass = new EvaluationPass(model, compiled, Math.min(batchSize, data.count));
  batchSize = Math.min(batchSize, pass.plan.capacity);
  const staged = weights ? new StagedWeights(weights, batchSize, compiled.heads, false) : null;
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const n = Math.min(batchSize, data.count - start);
      pass.copy(data, start, n, 'evaluate');
      pass.run(n, 'evaluate', staged, staged ? staged.all + start * 4 : 0);
      const pending = yielder.afterBatch();
      if (pending) await pending;
    }
  } finally {
    staged?.release();
  }
  return pass.totals.logs(prefix);
}

/** Loss and metrics over a dataset's batches, walked from its start on every run. */
export class DatasetEvaluation {
  private readonly source: BatchSource;
  private readonly reader: BatchReader;

  /** `arg`: what the dataset is called in errors; `maxBatches`: stop after this many (`maxArg` names it). */
  constructor(private readonly model: LayersModel, private readonly compiled: Compiled, dataset: unknown, private readonly who: string,
    private readonly arg: string, private readonly maxBatches: number | undefined, private readonly maxArg: string) {
    this.source = new BatchSource(dataset, who, arg);
    this.reader = new BatchReader(model, compiled.heads, who);
  }

  /** One pass; `place` says where errors happened (its epoch and phase are the caller's). */
  async run(prefix: string, yielder: Yielder, place: BatchPlace): Promise<Logs> {
    const { model, compiled, who, source, reader } = this;
    let pass: EvaluationPass | null = null;
    let batch = 0;
    await source.open();
    try {
      for (; this.maxBatches === undefined || batch < this.maxBatches; batch++) {
        const item = await source.next();
        if (item === END) break;
        // The model may have been compiled again or disposed while the dataset was awaited.
        if (model.requireCompiled(who) !== compiled) throw new Error(`${who}: the model was compiled again while its ${this.arg} was being evaluated`);
        place.batch = batch;
        const n = reader.read(item, place);
        pass ??= new EvaluationPass(model, compiled, n);
        const plan = pass.planFor(n);
        for (let start = 0; start < n; start += plan.capacity) {
          const m = Math.min(plan.capacity, n - start);
          plan.checkBatch(m, who);
          reader.copy(plan, start, m, true, place);
          pass.run(m, who);
        }
        const pending = yielder.afterBatch();
        if (pending) await pending;
      }
    } finally {
      await source.close();
    }
    if (!pass) {
      const spent = source.oneShot ? ': a generator object (or any iterator) runs once; pass a function making a new one, called for each pass' : '';
      throw new Error(`${who}: ${this.arg} yielded no batches${place.epoch >= 0 ? ` in epoch ${place.epoch + 1}` : ''}${spent}`);
    }
    if (this.maxBatches !== undefined && batch < this.maxBatches) {
      console.warn(`${who}: ${this.arg} ran out after ${batch} of the ${this.maxBatches} batches ${this.maxArg} asks for; ` +
        `the figures are over those ${batch}`);
    }
    return pass.totals.logs(prefix);
  }
}
