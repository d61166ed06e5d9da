/**
 * Window geometry over sequences [steps, channels]: a 1-D window is the 2-D one of a height-1
 * image, so Conv1D and the 1-D poolings run on the NHWC kernels. Keras's 'causal' padding puts
 * the whole (dilated) window's overhang before the first step, none after the last.
 */
import { window2D, type Window2D } from './geometry.js';

/** 'valid', 'same' (tfjs rules: the odd cell at the end), or 'causal' (Conv1D only). */
export type Padding1D = 'valid' | 'same' | 'causal';

/** A positive integer, or a list holding one (Keras writes 1-D sizes as [k]). */
export function singleSize(value: number | number[] | undefined, fallback: number, who: string, arg: string): number {
  const v = value ?? fallback;
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`${who}: ${arg} must be a positive integer or a list of one, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Resolves a 1-D window over a per-sample input [steps, channels] as a Window2D of height 1;
 * throws naming `who` when the input is not rank 2, the padding is not one of `paddings`, or
 * the (dilated) window does not fit the padded steps.
 */
export function window1D(inputShape: readonly number[], kernel: number, stride: number, dilation: number,
  padding: Padding1D, who: string, paddings: readonly Padding1D[] = ['valid', 'same', 'causal']): Window2D {
  if (inputShape.length !== 2) {
    throw new RangeError(`${who}: expects rank-3 input [batch, steps, channels], got [batch, ${inputShape.join(', ')}]`);
  }
  if (!paddings.includes(padding)) throw new RangeError(`${who}: padding must be ${paddings.map((p) => `'${p}'`).join(', ')}, got ${JSON.stringify(padding)}`);
  const [steps, channels] = inputShape;
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid' && span > steps) {
    throw new RangeError(`${who}: the window of ${span} steps (size ${kernel}, dilation ${dilation}) is longer than the ${steps} input steps`);
  }
  return window2D([1, steps, channels], [1, kernel], [1, stride], [1, dilation],
    padding === 'causal' ? [[0, 0], [span - 1, 0]] : padding, who);
}
