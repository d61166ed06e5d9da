/**
 * What flows between ONNX nodes during import: a constant known at import time (initializers,
 * Constant nodes, folded shape arithmetic) or a tensor computed by the simdnn graph being built.
 *
 * Layout: a tensor's ONNX per-sample dims (batch excluded) and the order its values are stored in.
 * `perm[i]` is the ONNX per-sample axis held by stored axis i: an NCHW image stored as NHWC has
 * dims [C, H, W] and perm [1, 2, 0]. Transposes then only rewrite `perm`, and a copy is made
 * only where an op needs another order (a convolution wants channels last, a Flatten ONNX order).
 */

/** The batch size in a folded shape: Shape(x)[0] before any sample is seen. */
export const BATCH = -0x7fff_fff1;

export interface ConstValue {
  readonly kind: 'const';
  /** Full ONNX dims (no batch convention: constants are plain arrays). */
  readonly dims: readonly number[];
  /** Float data as Float32Array; integer and boolean data as numbers (possibly holding BATCH). */
  readonly data: Float32Array | readonly number[];
}

export interface TensorValue {
  readonly kind: 'tensor';
  /** Index of the symbolic value in the graph under construction. */
  readonly id: number;
  /** ONNX per-sample dims. */
  readonly dims: readonly number[];
  /** Stored axis i holds ONNX per-sample axis perm[i]. */
  readonly perm: readonly number[];
}

export type Value = ConstValue | TensorValue;

/** Refusal of one node: collected, then reported together before anything is allocated. */
export class Unsupported extends Error {}

export function isFloatConst(c: ConstValue): c is ConstValue & { data: Float32Array } {
  return c.data instanceof Float32Array;
}

export function size(dims: readonly number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

export function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Channels last: ONNX per-sample [C, d1, d2, ...] stored as [d1, d2, ..., C]. */
export function channelsLastPerm(rank: number): number[] {
  return rank <= 1 ? identity(rank) : [...identity(rank).slice(1), 0];
}

/** The stored (per-sample) shape of a tensor. */
export function storedShape(t: TensorValue): number[] {
  return t.perm.map((a) => t.dims[a]);
}

export function samePerm(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * True when re-storing dims from order `from` to order `to` moves no value: the axes longer than
 * 1 keep their relative order (GAP's [1, 1, C] is the same bytes in NHWC and NCHW).
 */
export function trivialPermutation(dims: readonly number[], from: readonly number[], to: readonly number[]): boolean {
  const long = (perm: readonly number[]) => perm.filter((a) => dims[a] !== 1);
  return samePerm(long(from), long(to));
}

/** Row-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= dims[i];
  }
  return out;
}

/**
 * `data` (row-major over `dims`) with its axes reordered: output axis i is input axis order[i].
 */
export function transposeData<T extends Float32Array | number[]>(data: T | readonly number[], dims: readonly number[], order: readonly number[]): T {
  const inStrides = strides(dims);
  const outDims = order.map((a) => dims[a]);
  const n = size(dims);
  const out = (data instanceof Float32Array ? new Float32Array(n) : new Array<number>(n)) as T;
  const index = new Array<number>(outDims.length).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let i = 0; i < order.length; i++) src += index[i] * inStrides[order[i]];
    out[o] = data[src];
    for (let i = outDims.length - 1; i >= 0; i--) {
      if (++index[i] < outDims[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/**
 * Broadcasts `data` of `dims` to `target` (numpy rules, right-aligned); throws Unsupported
 * naming `what` when the dims do not broadcast.
 */
export function broadcastData(data: Float32Array, dims: readonly number[], target: readonly number[], what: string): Float32Array {
  if (dims.length > target.length) throw new Unsupported(`${what} has shape [${dims.join(', ')}], more axes than [${target.join(', ')}]`);
  const padded = [...new Array<number>(target.length - dims.length).fill(1), ...dims];
  padded.forEach((d, i) => {
    if (d !== 1 && d !== target[i]) throw new Unsupported(`${what} of shape [${dims.join(', ')}] does not broadcast to [${target.join(', ')}]`);
  });
  const inStrides = strides(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const n = size(target);
  const out = new Float32Array(n);
  const index = new Array<number>(target.length).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let i = 0; i < target.length; i++) src += index[i] * inStrides[i];
    out[o] = data[src];
    for (let i = target.length - 1; i >= 0; i--) {
      if (++index[i] < target[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** Numpy's broadcast shape of two shapes, or null. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}
