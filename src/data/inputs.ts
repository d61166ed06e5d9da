/**
 * Turns what users pass as x / y (a Tensor, nested arrays, or a flat Float32Array) into a
 * Tensor with a batch dimension, and checks it: shape against the model, finite values, not empty.
 */
import { Tensor, describeType, shapeSize, tensor, type TensorLike } from '../core/tensor.js';

/**
 * A batch-first tensor for `who`'s argument `arg`. A flat Float32Array takes its shape from
 * `sampleShape` (N = length / values per sample).
 */
export function toBatch(value: TensorLike, sampleShape: readonly number[], who: string, arg: string): Tensor {
  if (value === undefined || value === null) throw new TypeError(`${who}: ${arg} is required, got ${value}`);
  let t: Tensor;
  if (value instanceof Tensor) t = value;
  else if (value instanceof Float32Array) {
    const per = shapeSize(sampleShape);
    if (value.length % per !== 0) {
      throw new RangeError(`${who}: ${arg} has ${value.length} values, not a whole number of samples of shape [${sampleShape.join(', ')}] (${per} values each)`);
    }
    t = new Tensor(value, [value.length / per, ...sampleShape]);
  } else if (Array.isArray(value)) t = tensor(value);
  else if (ArrayBuffer.isView(value)) {
    throw new TypeError(`${who}: ${arg} must be float32 data (a Tensor, Float32Array or number arrays), got ${describeType(value)}`);
  } else throw new TypeError(`${who}: ${arg} must be a Tensor, a Float32Array or nested number arrays, got ${describeType(value)}`);
  if (t.rank === 0) throw new RangeError(`${who}: ${arg} must have a batch dimension, got a scalar`);
  if (t.shape[0] === 0) throw new RangeError(`${who}: ${arg} is empty (0 samples)`);
  return t;
}

/** Throws unless `t` is [N, ...sampleShape]. */
export function checkSampleShape(t: Tensor, sampleShape: readonly number[], who: string, arg: string): void {
  const got = t.shape.slice(1);
  if (got.length !== sampleShape.length || got.some((d, i) => d !== sampleShape[i])) {
    throw new RangeError(`${who}: ${arg} has shape [${t.shape.join(', ')}] but the model expects [N, ${sampleShape.join(', ')}]`);
  }
}

/** Throws naming the first NaN or Infinity in `t`. */
export function checkFinite(t: Tensor, who: string, arg: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const per = t.size / t.shape[0];
      throw new RangeError(`${who}: ${arg} contains ${d[i]} at sample ${Math.floor(i / per)} (flat index ${i}); inputs must be finite`);
    }
  }
}

/** Throws unless x and y hold the same number of samples. */
export function checkSameCount(x: Tensor, y: Tensor, who: string): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new RangeError(`${who}: x has ${x.shape[0]} samples but y has ${y.shape[0]}; they must match`);
  }
}
