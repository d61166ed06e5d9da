/**
 * Two-input joins where one input broadcasts against the other, as Keras 3 and TF.js merge layers
 * allow: the smaller input's sample is 1s followed by a trailing block of the larger's
 * ([1, 1, C] against [H, W, C], a squeeze-and-excitation gate). Each sample is `rows` repeats of
 * a `period`-value block; forward and backward are row-vector kernels per sample, and the small
 * input's gradient sums over the repeats.
 */
import type { Kernels } from '../core/wasm.js';
import { formatShape, type Layer } from './layer.js';

export type JoinOp = 'add' | 'subtract' | 'multiply';

export interface Broadcast {
  /** Index of the input that has the output's shape. */
  readonly full: 0 | 1;
  /** Values in the small input's sample. */
  readonly period: number;
  /** Repeats of it in the full sample. */
  readonly rows: number;
}

/** The broadcast of two different shapes, or an error naming the layer; null for equal shapes. */
export function broadcastOf(layer: Layer, a: readonly number[], b: readonly number[]): Broadcast | null {
  if (a.length === b.length && a.every((d, i) => d === b[i])) return null;
  const size = (s: readonly number[]) => s.reduce((x, d) => x * d, 1);
  const [full, small, big]: [0 | 1, readonly number[], readonly number[]] = size(a) >= size(b) ? [0, b, a] : [1, a, b];
  const first = small.findIndex((d) => d !== 1);
  const tail = first < 0 ? [] : small.slice(first);
  const fits = small.length === big.length && tail.every((d, i) => d === big[big.length - tail.length + i]);
  if (!fits) {
    throw new RangeError(`${layer.describe()}: inputs ${formatShape(a)} and ${formatShape(b)} must have the same shape, or one must be 1s ` +
      'followed by the other\'s last axes (e.g. [1, 1, C] against [H, W, C])');
  }
  const period = size(tail);
  return { full, period, rows: size(big) / period };
}

/** Scratch floats one application needs: a sample of the full input (multiply, subtract). */
export function broadcastScratch(op: JoinOp, b: Broadcast): number {
  return op === 'add' ? 0 : b.rows * b.period;
}

export function broadcastForward(k: Kernels, op: JoinOp, b: Broadcast, n: number, inputs: readonly number[], output: number, scratch: number): void {
  const fullSize = b.rows * b.period;
  for (let s = 0; s < n; s++) {
    const big = inputs[b.full] + 4 * s * fullSize, small = inputs[1 - b.full] + 4 * s * b.period, out = output + 4 * s * fullSize;
    if (op === 'add') k.addRowVector(big, small, out, b.rows, b.period);
    else if (op === 'multiply') k.mulRowVector(big, small, out, b.rows, b.period);
    else if (b.full === 0) {
      k.scaleArray(small, scratch, b.period, -1); // a − b = a + (−b)
      k.addRowVector(big, scratch, out, b.rows, b.period);
    } else {
      k.scaleArray(big, out, fullSize, -1); // a − b = −b + a
      k.addRowVector(out, small, out, b.rows, b.period);
    }
  }
}

export function broadcastBackward(k: Kernels, op: JoinOp, b: Broadcast, n: number, inputs: readonly number[], gradOutput: number,
  gradInputs: readonly number[], scratch: number): void {
  const fullSize = b.rows * b.period;
  const gradBig = gradInputs[b.full], gradSmall = gradInputs[1 - b.full];
  const negateBig = op === 'subtract' && b.full === 1, negateSmall = op === 'subtract' && b.full === 0;
  for (let s = 0; s < n; s++) {
    const dy = gradOutput + 4 * s * fullSize;
    const big = inputs[b.full] + 4 * s * fullSize, small = inputs[1 - b.full] + 4 * s * b.period;
    if (gradSmall !== 0) {
      const into = gradSmall + 4 * s * b.period;
      if (op === 'multiply') {
        k.mulArrays(dy, big, scratch, fullSize);
        k.sumRows(scratch, into, b.rows, b.period, 0);
      } else {
        k.sumRows(dy, into, b.rows, b.period, 0);
        if (negateSmall) k.scaleArray(into, into, b.period, -1);
      }
    }
    if (gradBig !== 0) {
      const into = gradBig + 4 * s * fullSize;
      if (op === 'multiply') k.mulRowVector(dy, small, into, b.rows, b.period);
      else k.scaleArray(dy, into, fullSize, negateBig ? -1 : 1);
    }
  }
}
