/**
 * Batch-normalisation kernels with named operands, per channel over `rows` positions
 * (values [rows, channels], channels last). Pointers are byte offsets into wasm memory.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of a batch-normalisation layer's kernel calls. A layer keeps one (from
 * {@link batchNormArgs}) and refills it per call, so a step allocates nothing.
 */
export interface BatchNormArgs {
  rows: number;
  channels: number;
  epsilon: number;
  /** Weight of the old moving statistics in their update. */
  momentum: number;
  input: number;
  output: number;
  /** Scale per channel; 0 for none (1). */
  gamma: number;
  /** Offset per channel; 0 for none (0). */
  beta: number;
  movingMean: number;
  movingVariance: number;
  /** The normalised input, kept by the training forward for backward. */
  xhat: number;
  /** This batch's statistics per channel, written by the training forward. */
  batchMean: number;
  batchVariance: number;
  invStd: number;
  /** channels floats the inference forward may overwrite. */
  scratch: number;
  gradOutput: number;
  /** May equal gradOutput. */
  gradInput: number;
  gradGamma: number;
  gradBeta: number;
  /** Add into the parameter gradients instead of overwriting them. */
  accumulate: boolean;
}

/** A batch-normalisation struct with every pointer 0. */
export function batchNormArgs(): BatchNormArgs {
  return {
    rows: 0, channels: 0, epsilon: 0, momentum: 0, input: 0, output: 0, gamma: 0, beta: 0, movingMean: 0, movingVariance: 0,
    xhat: 0, batchMean: 0, batchVariance: 0, invStd: 0, scratch: 0, gradOutput: 0, gradInput: 0, gradGamma: 0, gradBeta: 0, accumulate: false,
  };
}

/** Training forward: output = gamma·xhat + beta with the batch's statistics, which it records. */
export function batchNormForwardTrain(a: BatchNormArgs): void {
  getBackend().kernels.batchNormForwardTrain(a.input, a.gamma, a.beta, a.output, a.xhat, a.batchMean, a.batchVariance, a.invStd,
    a.rows, a.channels, a.epsilon);
}

/** Moves the moving statistics toward this batch's: moving = momentum·moving + (1 − momentum)·batch. */
export function batchNormUpdateMoving(a: BatchNormArgs): void {
  getBackend().kernels.batchNormUpdateMoving(a.movingMean, a.movingVariance, a.batchMean, a.batchVariance, a.channels, a.momentum);
}

/** Inference forward with the moving statistics. */
export function batchNormInference(a: BatchNormArgs): void {
  getBackend().kernels.batchNormInference(a.input, a.output, a.movingMean, a.movingVariance, a.gamma, a.beta, a.scratch,
    a.rows, a.channels, a.epsilon);
}

/** Gradients of input, gamma and beta from gradOutput and what the training forward kept. */
export function batchNormBackward(a: BatchNormArgs): void {
  getBackend().kernels.batchNormBackward(a.gradOutput, a.xhat, a.gamma, a.invStd, a.gradInput, a.gradGamma, a.gradBeta,
    a.rows, a.channels, +a.accumulate);
}
