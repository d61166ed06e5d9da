/**
 * Keras's one-batch verbs: `trainOnBatch` (one gradient step on the batch given, for loops the
 * user writes), `testOnBatch` and `predictOnBatch` (evaluate and predict on one batch, whole).
 */
import { checkOptions } from '../core/checks.js';
import { getBackend } from '../core/wasm.js';
import { Totals, batchLoss, checkData, copyRows } from './evaluation.js';
import type { LayersModel } from './model.js';
import { nonFiniteHints } from './heads.js';
import { addPenaltyGradients, totalPenalty } from './penalty.js';
import { StagedWeights, fitWeights, type ClassWeight, type SampleWeightLike } from './sample-weights.js';
import { prepareSlots } from './training.js';

/** Options of {@link LayersModel.trainOnBatch}. */
export interface TrainOnBatchArgs {
  /** One weight ≥ 0 per sample, as in `fit`. */
  sampleWeight?: SampleWeightLike;
  /** Class index → weight, as in `fit` (one output only). */
  classWeight?: ClassWeight;
}

const TRAIN_ON_BATCH_KEYS = ['sampleWeight', 'classWeight'] as const;

/**
 * One optimizer step on exactly the samples of (x, y), dropout and batch statistics in training
 * mode; returns the batch's loss and metrics (computed before the step, as Keras reports them).
 */
export function trainOnBatch(model: LayersModel, x: unknown, y: unknown, args: TrainOnBatchArgs = {}): Record<string, number> {
  const who = 'trainOnBatch';
  checkOptions(args, who, TRAIN_ON_BATCH_KEYS);
  model.refuseWhileFitting(who);
  const compiled = model.requireCompiled(who);
  const data = checkData(model, compiled, x, y, who);
  const weights = fitWeights(args.sampleWeight, args.classWeight, data.ys, compiled.heads, who);
  const n = data.count;
  const plan = model.planFor(n, true);
  prepareSlots(model, compiled);
  const k = getBackend().kernels;
  const inputs = model.inputNodes;
  data.xs.forEach((t, i) => copyRows(t, 0, n, plan.outputs[inputs[i]]));
  data.ys.forEach((t, h) => copyRows(t, 0, n, plan.labels[h]));
  const staged = weights ? new StagedWeights(weights, n, compiled.heads, false) : null;
  const totals = new Totals(compiled.heads);
  try {
    plan.forward(n, true);
    const loss = batchLoss(k, compiled.heads, plan, n, true, totals, staged, staged ? staged.all : 0);
    if (!Number.isFinite(loss)) throw new Error(`${who}: the loss is ${loss}; lower the learning rate or check the data${nonFiniteHints(compiled.heads)}`);
    plan.backward(n);
    const params = model.params();
    totals.addPenalty(totalPenalty(k, params), n);
    addPenaltyGradients(k, params);
    compiled.optimizer.step(params);
  } finally {
    staged?.release();
  }
  return totals.logs();
}
