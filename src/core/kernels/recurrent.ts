/**
 * The per-step gate kernels of the recurrent layers with named operands (assembly/recurrent.ts).
 * A step's operands are rows of [batch, steps, ·] buffers: a pointer to this step's first row and
 * the row stride in floats. A state pointer of 0 stands for the zero initial state, a gradient
 * pointer of 0 for no gradient.
 */
import { getBackend } from '../wasm.js';
import { FUSED_LINEAR, type FusedActivation } from './fused-activation.js';

/**
 * Operands of one step. A layer keeps one (from {@link recurrentStepArgs}) and refills the pointers
 * per step, so a step allocates nothing. Pointers are byte offsets; strides are in floats.
 */
export interface RecurrentStepArgs {
  /** Batch rows. */
  rows: number;
  units: number;
  /** The cell's activation (tanh by default): SimpleRNN's output, LSTM's candidate and cell output, GRU's candidate. */
  activation: FusedActivation;
  /** The gates' activation (LSTM, GRU). */
  recurrentActivation: FusedActivation;
  /** This step's gate pre-activations [rows, k·units]: forward turns them into activations, backward into their gradient. */
  gates: number;
  gatesStride: number;
  /** The previous state h [rows, units]; 0 at the first step. */
  hPrev: number;
  hPrevStride: number;
  /** The new state h. */
  h: number;
  hStride: number;
  /** LSTM: the previous cell state (0 at the first step) and the new one. */
  cPrev: number;
  cPrevStride: number;
  c: number;
  cStride: number;
  /** LSTM: act(c), written by forward for backward. */
  tc: number;
  tcStride: number;
  /** GRU (reset after): hPrev·U + recurrent bias [rows, 3·units] packed; in backward, its gradient. */
  inner: number;
  /** GRU (reset after): where the step keeps inner's candidate part for backward. */
  innerH: number;
  innerHStride: number;
  /** GRU (reset before): r·hPrev [rows, units] packed; in backward first the gradient of r·hPrev, then r·hPrev again. */
  rh: number;
  /** Gradient of the state from the next step [rows, units] packed: read, then replaced by the previous state's. */
  dhNext: number;
  /** LSTM: the cell state's gradient from the next step [rows, units] packed, replaced by the previous one's. */
  dcNext: number;
  /** This step's output gradient (returnSequences); 0 for none. */
  dy: number;
  dyStride: number;
}

/** A step struct for `units` with the given activations, pointers 0. */
export function recurrentStepArgs(units: number, activation: FusedActivation, recurrentActivation: FusedActivation = FUSED_LINEAR): RecurrentStepArgs {
  return {
    rows: 0, units, activation, recurrentActivation, gates: 0, gatesStride: 0, hPrev: 0, hPrevStride: 0, h: 0, hStride: 0,
    cPrev: 0, cPrevStride: 0, c: 0, cStride: 0, tc: 0, tcStride: 0, inner: 0, innerH: 0, innerHStride: 0, rh: 0, dhNext: 0, dcNext: 0, dy: 0, dyStride: 0,
  };
}

/** SimpleRNN: h = act(gates), gates holding x·W + b + hPrev·U. */
export function simpleRnnForward(s: RecurrentStepArgs): void {
  getBackend().kernels.simpleRnnStepForward(s.gates, s.gatesStride, s.h, s.hStride, s.rows, s.units, s.activation.code, s.activation.alpha);
}

/** SimpleRNN backward: gates = (dhNext + dy)·act'(h). */
export function simpleRnnBackward(s: RecurrentStepArgs): void {
  getBackend().kernels.simpleRnnStepBackward(s.h, s.hStride, s.dhNext, s.dy, s.dyStride, s.gates, s.gatesStride, s.rows, s.units,
    s.activation.code, s.activation.alpha);
}

/** LSTM: gates [i, f, g, o] activated in place; c = f·cPrev + i·g, tc = act(c), h = o·tc. */
export function lstmForward(s: RecurrentStepArgs): void {
  const a = s.activation, r = s.recurrentActivation;
  getBackend().kernels.lstmStepForward(s.gates, s.gatesStride, s.cPrev, s.cPrevStride, s.c, s.cStride, s.tc, s.tcStride, s.h, s.hStride, s.rows, s.units,
    a.code, a.alpha, r.code, r.alpha);
}

/** LSTM backward: gates get the pre-activations' gradient, dcNext the previous cell state's. */
export function lstmBackward(s: RecurrentStepArgs): void {
  const a = s.activation, r = s.recurrentActivation;
  getBackend().kernels.lstmStepBackward(s.gates, s.gatesStride, s.cPrev, s.cPrevStride, s.tc, s.tcStride, s.dhNext, s.dy, s.dyStride, s.dcNext,
    s.rows, s.units, a.code, a.alpha, r.code, r.alpha);
}

/** GRU, reset after: gates [z, r, hh] from x·W + b_input and `inner`; h = z·hPrev + (1 − z)·hh. */
export function gruForward(s: RecurrentStepArgs): void {
  const a = s.activation, r = s.recurrentActivation;
  getBackend().kernels.gruStepForward(s.gates, s.gatesStride, s.inner, s.hPrev, s.hPrevStride, s.innerH, s.innerHStride, s.h, s.hStride,
    s.rows, s.units, a.code, a.alpha, r.code, r.alpha);
}

/** GRU, reset after, backward: gates get x·W's gradient, `inner` hPrev·U's, dhNext the direct part dh·z. */
export function gruBackward(s: RecurrentStepArgs): void {
  const a = s.activation, r = s.recurrentActivation;
  getBackend().kernels.gruStepBackward(s.gates, s.gatesStride, s.hPrev, s.hPrevStride, s.innerH, s.innerHStride, s.dhNext, s.dy, s.dyStride,
    s.inner, s.rows, s.units, a.code, a.alpha, r.code, r.alpha);
}

/** GRU, reset before, first half: z and r activated in place, rh = r·hPrev. */
export function gruResetGatesForward(s: RecurrentStepArgs): void {
  const r = s.recurrentActivation;
  getBackend().kernels.gruResetGatesForward(s.gates, s.gatesStride, s.hPrev, s.hPrevStride, s.rh, s.rows, s.units, r.code, r.alpha);
}

/** GRU, reset before, second half: hh = act(x_h + rh·U_h) in place, h = z·hPrev + (1 − z)·hh. */
export function gruResetOutputForward(s: RecurrentStepArgs): void {
  const a = s.activation;
  getBackend().kernels.gruResetOutputForward(s.gates, s.gatesStride, s.hPrev, s.hPrevStride, s.h, s.hStride, s.rows, s.units, a.code, a.alpha);
}

/** GRU, reset before, backward first half: gates' z and hh parts get their gradient, dhNext dh·z. */
export function gruResetOutputBackward(s: RecurrentStepArgs): void {
  const a = s.activation, r = s.recurrentActivation;
  getBackend().kernels.gruResetOutputBackward(s.gates, s.gatesStride, s.hPrev, s.hPrevStride, s.dhNext, s.dy, s.dyStride, s.rows, s.units,
    a.code, a.alpha, r.code, r.alpha);
}

/** GRU, reset before, backward second half, `rh` holding r·hPrev's gradient: gates' r part gets its gradient, dhNext adds its share, rh = r·hPrev. */
export function gruResetGatesBackward(s: RecurrentStepArgs): void {
  const r = s.recurrentActivation;
  getBackend().kernels.gruResetGatesBackward(s.gates, s.gatesStride, s.hPrev, s.hPrevStride, s.rh, s.dhNext, s.rows, s.units, r.code, r.alpha);
}

/** A block of columns of a row-major matrix, copied to or from a packed [rows, cols] matrix. */
export interface ColumnBlockArgs {
  rows: number;
  cols: number;
  /** The strided matrix (byte offset of its row 0, column 0) and its row stride in floats. */
  matrix: number;
  stride: number;
  /** Where the block starts in each row, in floats. */
  offset: number;
  /** The packed [rows, cols] matrix. */
  packed: number;
  /** Add into the destination instead of overwriting it. */
  accumulate: boolean;
}

/** packed (+)= matrix[:, offset : offset + cols]. */
export function readColumns(c: ColumnBlockArgs): void {
  getBackend().kernels.splitChannels(c.matrix, c.packed, c.rows, c.cols, c.stride, c.offset, +c.accumulate);
}

/** matrix[:, offset : offset + cols] = packed (never accumulates). */
export function writeColumns(c: ColumnBlockArgs): void {
  getBackend().kernels.concatChannels(c.packed, c.matrix, c.rows, c.cols, c.stride, c.offset);
}

/** How Bidirectional joins its two layers' outputs (Keras merge_mode). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_CODES: Record<MergeMode, number> = { concat: 0, sum: 1, mul: 2, ave: 3 };

/** Operands of Bidirectional's merge: the two layers' outputs [rows, steps, units] and the merged one. */
export interface MergeArgs {
  mode: MergeMode;
  rows: number;
  /** 1 for outputs without a time axis. */
  steps: number;
  units: number;
  /** Take b's steps last to first (the backward layer's sequence). */
  reverse: boolean;
  a: number;
  b: number;
  /** [rows, steps, units, or 2·units for concat]. */
  out: number;
  /** Backward: the merged output's gradient, and where a's and b's go. */
  gradOut: number;
  gradA: number;
  gradB: number;
}

/** out = merge(a, b). */
export function bidirectionalMerge(m: MergeArgs): void {
  getBackend().kernels.bidirectionalMerge(m.a, m.b, m.out, m.rows, m.steps, m.units, MERGE_CODES[m.mode], +m.reverse);
}

/** gradA, gradB from gradOut (mul also reads a and b). */
export function bidirectionalMergeBackward(m: MergeArgs): void {
  getBackend().kernels.bidirectionalMergeBackward(m.gradOut, m.a, m.b, m.gradA, m.gradB, m.rows, m.steps, m.units, MERGE_CODES[m.mode], +m.reverse);
}

/** A sequence [rows, steps, features] and one mask per sample [rows, features], the same at every step. */
export interface SequenceMaskArgs {
  input: number;
  mask: number;
  /** May equal input. */
  output: number;
  rows: number;
  steps: number;
  features: number;
}

/** output[r, t, :] = input[r, t, :]·mask[r, :] (a recurrent layer's input dropout, and its gradient). */
export function maskSequence(m: SequenceMaskArgs): void {
  const k = getBackend().kernels, sample = 4 * m.steps * m.features;
  for (let r = 0; r < m.rows; r++) k.mulRowVector(m.input + r * sample, m.mask + 4 * r * m.features, m.output + r * sample, m.steps, m.features);
}
