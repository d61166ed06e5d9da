/**
 * Add, Sub, Mul, Div. Constants are combined at import; a tensor and a constant become a
 * Rescaling (x·scale + offset, the constant broadcast to the tensor's stored layout, kept per
 * channel when it varies only along channels); two tensors become Keras's Add, Subtract or
 * Multiply, which broadcast one against the other when its stored sample is 1s then the other's
 * last axes (a squeeze-and-excitation gate [C, 1, 1] against [C, H, W]).
 */
import { Add, Multiply, Subtract } from '../../layers/merge.js';
import { Rescaling, type NestedNumbers } from '../../layers/rescaling.js';
import type { Converter } from './lower.js';
import {
  BATCH, Unsupported, broadcastData, broadcastShape, isFloatConst, size, storedShape, transposeData,
  type ConstValue, type TensorValue,
} from './values.js';

type Op = 'Add' | 'Sub' | 'Mul' | 'Div';

const APPLY: Record<Op, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
};

function foldConstants(op: Op, a: ConstValue, b: ConstValue): ConstValue {
  const dims = broadcastShape(a.dims, b.dims);
  if (!dims) throw new Unsupported(`shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}] do not broadcast`);
  if (a.data.includes(BATCH) || b.data.includes(BATCH)) throw new Unsupported('computes with the batch size, which simdnn leaves free');
  const float = isFloatConst(a) || isFloatConst(b);
  const x = broadcastData(Float32Array.from(a.data), a.dims, dims, 'A');
  const y = broadcastData(Float32Array.from(b.data), b.dims, dims, 'B');
  if (float) return { kind: 'const', dims, data: x.map((v, i) => APPLY[op](v, y[i])) };
  // Integer division truncates toward zero, as ONNX's int64 Div.
  return { kind: 'const', dims, data: Array.from(x, (v, i) => (op === 'Div' ? Math.trunc(v / y[i]) : APPLY[op](v, y[i]))) };
}

/** Row-major data of `dims` as a nested array. */
function nested(data: Float32Array, dims: readonly number[]): NestedNumbers {
  if (dims.length === 0) return data[0];
  const step = size(dims.slice(1));
  return Array.from({ length: dims[0] }, (_, i) => nested(data.subarray(i * step, (i + 1) * step), dims.slice(1)));
}

/**
 * The constant in `t`'s stored layout, as Rescaling takes it: a number, the trailing axes it
 * varies along (per channel for a channels-last image), or a whole sample.
 */
function storedConstant(c: ConstValue, t: TensorValue): NestedNumbers {
  if (!isFloatConst(c)) throw new Unsupported('integer constants cannot combine with float tensors');
  const rank = t.dims.length + 1;
  if (c.dims.length > rank) throw new Unsupported(`the constant has shape [${c.dims.join(', ')}], more axes than the tensor's ${rank}`);
  const full = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
  if (full[0] !== 1) throw new Unsupported(`the constant of shape [${c.dims.join(', ')}] varies along the batch axis`);
  const sample = full.slice(1);
  if (sample.some((d, i) => d !== 1 && d !== t.dims[i])) {
    throw new Unsupported(`the constant of shape [${c.dims.join(', ')}] does not broadcast to [N, ${t.dims.join(', ')}]`);
  }
  if (size(sample) === 1) return c.data[0];
  const stored = t.perm.map((a) => sample[a]);
  let values = transposeData(c.data, sample, t.perm);
  // Trailing stored axes it varies along: keep those, if every leading stored axis is 1.
  const first = stored.findIndex((d) => d !== 1);
  const shape = storedShape(t);
  const tail = stored.slice(first);
  if (tail.every((d, i) => d === shape[first + i])) return nested(values, tail);
  values = broadcastData(values, stored, shape, 'the constant');
  return nested(values, shape);
}

const arithmetic = (op: Op): Converter => (ctx, node) => {
  const a = ctx.optional(node, 0), b = ctx.optional(node, 1);
  if (!a || !b) throw new Unsupported('needs two inputs');
  const base = node.name || op;
  if (a.kind === 'const' && b.kind === 'const') { ctx.set(node.outputs[0], foldConstants(op, a, b)); return; }
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    if (op === 'Div') throw new Unsupported('dividing by a computed tensor is not supported');
    const same = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i]);
    // Keras's merge layers broadcast one input whose stored sample is 1s then the other's last axes (a squeeze-and-excitation gate).
    const fits = (small: TensorValue, big: TensorValue) => small.dims.length === big.dims.length && small.dims.every((d, i) => d === 1 || d === big.dims[i]);
    const bigger = same || fits(b, a) ? a : fits(a, b) ? b : null;
    if (!bigger) {
      throw new Unsupported(`shapes [N, ${a.dims.join(', ')}] and [N, ${b.dims.join(', ')}] broadcast both ways; simdnn broadcasts one computed tensor against the other`);
    }
    const small = bigger === a ? b : a;
    // Store both so that the small input's varying axes come last (channels last for a [C, 1, 1] gate).
    const order = [...bigger.perm.filter((d) => small.dims[d] === 1), ...bigger.perm.filter((d) => small.dims[d] !== 1)];
    const perm = same ? bigger.perm : order;
    const [x, y] = [a, b].map((t) => ctx.toPerm(t, perm, base));
    const make = op === 'Add' ? (name: string) => new Add({ name }) : op === 'Sub' ? (name: string) => new Subtract({ name }) : (name: string) => new Multiply({ name });
    ctx.set(node.outputs[0], ctx.layer(base, make, [x, y], bigger.dims, perm));
    return;
  }
  const tensorFirst = a.kind === 'tensor';
  const t = (tensorFirst ? a : b) as TensorValue;
  const c = (tensorFirst ? b : a) as ConstValue;
  const value = storedConstant(c, t);
  const negate = (v: NestedNumbers): NestedNumbers => (typeof v === 'number' ? -v : v.map(negate));
  const invert = (v: NestedNumbers): NestedNumbers => {
    if (typeof v !== 'number') return v.map(invert);
    if (v === 0) throw new Unsupported('divides by a constant zero');
    return Math.fround(1 / v);
  };
  let scale: NestedNumbers = 1, offset: NestedNumbers = 0;
  if (op === 'Add') offset = value;
  else if (op === 'Mul') scale = value;
  else if (op === 'Sub') { if (tensorFirst) offset = negate(value); else { scale = -1; offset = value; } }
  else if (tensorFirst) scale = invert(value);
  else throw new Unsupported('dividing a constant by a computed tensor is not supported');
  ctx.set(node.outputs[0], ctx.layer(base, (name) => new Rescaling({ name, scale, offset }), [t], t.dims, t.perm));
};

export const ARITHMETIC_CONVERTERS: Record<string, Converter> = {
  Add: arithmetic('Add'), Sub: arithmetic('Sub'), Mul: arithmetic('Mul'), Div: arithmetic('Div'),
};
