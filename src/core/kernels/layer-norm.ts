/**
 * Layer-normalisation kernels with named operands: each of `rows` rows of `cols` values is
 * normalised over itself, then scaled and shifted per column. Pointers are byte offsets into wasm memory.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of a layer-normalisation layer's kernel calls. A layer keeps one (from
 * {@link layerNormArgs}) and refills it per call, so a step allocates nothing.
 */
export interface LayerNormArgs {
  /** Normalised groups: samples times the positions not normalised over. */
  rows: number;
  /** Values normalised together (the normalised axes' sizes multiplied). */
  cols: number;
  epsilon: number;
  /** x [rows, cols]. */
  input: number;
  /** y [rows, cols]; may equal input. */
  output: number;
  /** Scale per column; 0 for none (1). */
  gamma: number;
  /** Offset per column; 0 for none (0). */
  beta: number;
  /** Each row's mean [rows], written by forward for backward. */
  mean: number;
  /** Each row's 1/√(variance + ε) [rows], written by forward for backward. */
  invStd: number;
  gradOutput: number;
  /** dx (overwritten; may equal gradOutput); 0 when not needed. */
  gradInput: number;
  /** dgamma [cols] (overwritten); 0 for none. */
  gradGamma: number;
  /** dbeta [cols] (overwritten); 0 for none. */
  gradBeta: number;
}

/** A layer-normalisation struct with every pointer 0. */
export function layerNormArgs(): LayerNormArgs {
  return {
    rows: 0, cols: 0, epsilon: 0, input: 0, output: 0, gamma: 0, beta: 0, mean: 0, invStd: 0,
    gradOutput: 0, gradInput: 0, gradGamma: 0, gradBeta: 0,
  };
}

/** output = gamma·(input − mean)/√(variance + ε) + beta per row, recording each row's mean and invStd. */
export function layerNormForward(a: LayerNormArgs): void {
  getBackend().kernels.layerNormForward(a.input, a.gamma, a.beta, a.output, a.mean, a.invStd, a.rows, a.cols, a.epsilon);
}

/** Gradients of input, gamma and beta (those with a non-zero pointer) from gradOutput, the input and forward's statistics. */
export function layerNormBackward(a: LayerNormArgs): void {
  getBackend().kernels.layerNormBackward(a.gradOutput, a.input, a.mean, a.invStd, a.gamma, a.gradInput, a.gradGamma, a.gradBeta,
    a.rows, a.cols);
}
