/** One-hot encoding of class labels. */
import { Tensor } from '../core/tensor.js';

/** Labels [N] (integers in [0, numClasses)) to a one-hot Tensor [N, numClasses]. */
export function toCategorical(labels: ArrayLike<number>, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new RangeError(`toCategorical: label ${c} at index ${i} is out of range: expected an integer in [0, ${numClasses})`);
    }
    out[i * numClasses + c] = 1;
  }
  return new Tensor(out, [labels.length, numClasses]);
}
