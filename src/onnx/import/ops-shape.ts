/**
 * Shape ops. On constants they are evaluated at import (PyTorch's Shape → Gather → Unsqueeze →
 * Concat → Reshape chain for a flatten folds to a constant target, the batch size kept as a
 * symbol); on tensors, Transpose only rewrites the stored order, and Flatten, Reshape,
 * Squeeze and Unsqueeze become one Reshape (after re-storing in ONNX order if needed).
 */
import { Concatenate } from '../../layers/concatenate.js';
import { ZeroPadding2D } from '../../layers/padding.js';
import type { OnnxNodeProto } from '../decode.js';
import { OnnxDataType } from '../decode.js';
import type { NodeAttributes } from './attributes.js';
import type { Converter, Lowering } from './lower.js';
import { BATCH, Unsupported, identity, isFloatConst, size, strides, transposeData, type ConstValue, type TensorValue } from './values.js';

function ints(c: ConstValue, what: string): number[] {
  if (isFloatConst(c)) throw new Unsupported(`${what} must be integers`);
  return [...c.data];
}

function constOf(dims: readonly number[], data: Float32Array | readonly number[]): ConstValue {
  return { kind: 'const', dims: [...dims], data };
}

function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Unsupported(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input from 13. */
function axesOf(ctx: Lowering, node: OnnxNodeProto, attrs: NodeAttributes): number[] | undefined {
  if (ctx.opset < 13) return attrs.ints('axes');
  const a = ctx.optional(node, 1);
  if (!a) return undefined;
  if (a.kind !== 'const') throw new Unsupported('axes must be a constant');
  return ints(a, 'axes');
}

const constant: Converter = (ctx, node, attrs) => {
  const t = node.attributes.get('value');
  attrs.ignore('value');
  if (t?.type === 'tensor') { ctx.set(node.outputs[0], constOf(t.value.dims, t.value.values)); return; }
  const f = attrs.has('value_float') ? attrs.float('value_float', 0) : undefined;
  const fs = attrs.floats('value_floats');
  const i = attrs.has('value_int') ? attrs.int('value_int', 0) : undefined;
  const is = attrs.ints('value_ints');
  if (f !== undefined) ctx.set(node.outputs[0], constOf([], Float32Array.of(f)));
  else if (fs) ctx.set(node.outputs[0], constOf([fs.length], Float32Array.from(fs)));
  else if (i !== undefined) ctx.set(node.outputs[0], constOf([], [i]));
  else if (is) ctx.set(node.outputs[0], constOf([is.length], is));
  else throw new Unsupported('only tensor, float(s) and int(s) values are supported');
};

const shape: Converter = (ctx, node, attrs) => {
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  const full = v.kind === 'tensor' ? [BATCH, ...v.dims] : [...v.dims];
  const start = attrs.int('start', 0), end = attrs.int('end', full.length);
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + full.length : i, 0), full.length);
  const dims = full.slice(clamp(start), clamp(end));
  ctx.set(node.outputs[0], constOf([dims.length], dims));
};

const gather: Converter = (ctx, node, attrs) => {
  const data = ctx.constant(node, 0, 'data'), idx = ctx.constant(node, 1, 'indices');
  const axis = normalizeAxis(attrs.int('axis', 0), data.dims.length, 'axis');
  const indices = ints(idx, 'indices').map((i) => {
    const j = i < 0 ? i + data.dims[axis] : i;
    if (j < 0 || j >= data.dims[axis]) throw new Unsupported(`index ${i} is out of range for axis ${axis} of size ${data.dims[axis]}`);
    return j;
  });
  const outer = size(data.dims.slice(0, axis)), inner = size(data.dims.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const j of indices) for (let k = 0; k < inner; k++) out.push(Number(data.data[(o * data.dims[axis] + j) * inner + k]));
  const dims = [...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)];
  ctx.set(node.outputs[0], constOf(dims, isFloatConst(data) ? Float32Array.from(out) : out));
};

const cast: Converter = (ctx, node, attrs) => {
  const to = attrs.int('to', 0);
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  const toFloat = to === OnnxDataType.FLOAT || to === OnnxDataType.DOUBLE;
  if (v.kind === 'tensor') {
    if (!toFloat) throw new Unsupported(`casting a computed tensor to type ${to} is not supported (only float)`);
    ctx.set(node.outputs[0], v);
    return;
  }
  if (!toFloat && to !== OnnxDataType.INT64 && to !== OnnxDataType.INT32) throw new Unsupported(`casting to type ${to} is not supported`);
  if (v.data.includes(BATCH) && toFloat) throw new Unsupported('casts the batch size to float');
  ctx.set(node.outputs[0], constOf(v.dims, toFloat ? Float32Array.from(v.data) : Array.from(v.data, (x) => Math.trunc(x))));
};

const slice: Converter = (ctx, node, attrs) => {
  const data = ctx.constant(node, 0, 'data');
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = attrs.ints('starts') ?? []; ends = attrs.ints('ends') ?? []; axes = attrs.ints('axes');
  } else {
    starts = ints(ctx.constant(node, 1, 'starts'), 'starts'); ends = ints(ctx.constant(node, 2, 'ends'), 'ends');
    const a = ctx.optional(node, 3), s = ctx.optional(node, 4);
    axes = a ? ints(a.kind === 'const' ? a : ctx.constant(node, 3, 'axes'), 'axes') : undefined;
    steps = s ? ints(s.kind === 'const' ? s : ctx.constant(node, 4, 'steps'), 'steps') : undefined;
  }
  const rank = data.dims.length;
  const begin = new Array<number>(rank).fill(0), stop = [...data.dims], step = new Array<number>(rank).fill(1);
  (axes ?? identity(starts.length)).forEach((axis, i) => {
    const a = normalizeAxis(axis, rank, 'axis'), d = data.dims[a];
    const st = steps?.[i] ?? 1;
    if (st === 0) throw new Unsupported('step 0');
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    step[a] = st;
    begin[a] = st > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], -1, d - 1);
    stop[a] = st > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
  });
  const dims = data.dims.map((_, a) => Math.max(0, Math.ceil((stop[a] - begin[a]) / step[a])));
  const inStrides = strides(data.dims);
  const out: number[] = [];
  const index = new Array<number>(rank).fill(0);
  for (let n = 0; n < size(dims); n++) {
    out.push(Number(data.data[index.reduce((acc, i, a) => acc + (begin[a] + i * step[a]) * inStrides[a], 0)]));
    for (let a = rank - 1; a >= 0; a--) { if (++index[a] < dims[a]) break; index[a] = 0; }
  }
  ctx.set(node.outputs[0], constOf(dims, isFloatConst(data) ? Float32Array.from(out) : out));
};

const passThrough: Converter = (ctx, node, attrs) => {
  attrs.ignore('ratio', 'seed', 'is_test'); // Dropout is the identity at inference
  if (node.opType === 'Dropout' && node.inputs[2]) {
    const training = ctx.constant(node, 2, 'training_mode');
    if (Number(training.data[0]) !== 0) throw new Unsupported('training_mode true is not supported');
  }
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  ctx.set(node.outputs[0], v);
};

/** Per-sample target dims of a Reshape of `dims` (batch excluded) to the full target `target`. */
function reshapeTarget(dims: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  if (target.length === 0) throw new Unsupported('a scalar target would drop the batch axis');
  const full = [BATCH, ...dims];
  const resolved = target.map((d, i) => (d === 0 && !allowZero ? (full[i] ?? NaN) : d));
  if (resolved.some((d) => Number.isNaN(d))) throw new Unsupported(`target [${target.join(', ')}] copies an axis the input lacks`);
  const batchAt = resolved.indexOf(BATCH);
  if (batchAt > 0 || resolved.lastIndexOf(BATCH) !== batchAt) throw new Unsupported(`target [${target.join(', ')}] moves the batch axis`);
  const sample = resolved.slice(1);
  const wild = sample.filter((d) => d === -1).length;
  if (sample.some((d) => d < -1 || d === BATCH)) throw new Unsupported(`target [${target.join(', ')}] is not supported`);
  if (batchAt !== 0 && resolved[0] !== -1) {
    // A fixed leading size: the batch, when the rest keeps a sample's size.
    if (wild > 0 || size(sample) !== size(dims)) throw new Unsupported(`target [${target.join(', ')}] mixes the batch with other axes`);
  }
  if (resolved[0] === -1 && wild > 0) throw new Unsupported(`target [${target.join(', ')}] has two -1 axes`);
  if (wild > 1) throw new Unsupported(`target [${target.join(', ')}] has two -1 axes`);
  const known = size(sample.filter((d) => d !== -1));
  const out = sample.map((d) => (d === -1 ? size(dims) / known : d));
  if (out.some((d) => !Number.isInteger(d)) || size(out) !== size(dims)) {
    throw new Unsupported(`cannot reshape a sample of [${dims.join(', ')}] to [${target.join(', ')}]`);
  }
  return out;
}

const reshape: Converter = (ctx, node, attrs) => {
  const allowZero = attrs.int('allowzero', 0) !== 0;
  const target = ctx.opset < 5 ? attrs.ints('shape') ?? [] : ints(ctx.constant(node, 1, 'shape'), 'shape');
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  if (v.kind === 'const') {
    const dims = target.map((d, i) => (d === 0 && !allowZero ? v.dims[i] : d));
    const known = size(dims.filter((d) => d !== -1));
    ctx.set(node.outputs[0], constOf(dims.map((d) => (d === -1 ? size(v.dims) / known : d)), v.data));
    return;
  }
  ctx.set(node.outputs[0], ctx.reshape(v, reshapeTarget(v.dims, target, allowZero), node.name || 'Reshape'));
};

const flatten: Converter = (ctx, node, attrs) => {
  const x = ctx.tensor(node, 0);
  const axis = attrs.int('axis', 1);
  if (axis !== 1 && axis !== 1 - (x.dims.length + 1)) throw new Unsupported(`axis ${axis}: only flattening everything but the batch (axis 1) is supported`);
  ctx.set(node.outputs[0], ctx.reshape(x, [size(x.dims)], node.name || 'Flatten'));
};

const transpose: Converter = (ctx, node, attrs) => {
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  const rank = v.kind === 'tensor' ? v.dims.length + 1 : v.dims.length;
  const perm = attrs.ints('perm') ?? identity(rank).reverse();
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw new Unsupported(`perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  if (v.kind === 'const') {
    ctx.set(node.outputs[0], constOf(perm.map((p) => v.dims[p]), transposeData(v.data as number[], v.dims, perm)));
    return;
  }
  if (perm[0] !== 0) throw new Unsupported(`perm [${perm.join(', ')}] moves the batch axis`);
  // New ONNX axis i is old axis p[i]; stored axis j keeps holding old axis v.perm[j].
  const p = perm.slice(1).map((a) => a - 1);
  const inverse = p.map((_, a) => p.indexOf(a));
  const t: TensorValue = { ...v, dims: p.map((a) => v.dims[a]), perm: v.perm.map((a) => inverse[a]) };
  ctx.set(node.outputs[0], t);
};

const squeezeOrUnsqueeze = (kind: 'Squeeze' | 'Unsqueeze'): Converter => (ctx, node, attrs) => {
  const v = ctx.optional(node, 0);
  if (!v) throw new Unsupported('input 0 is missing');
  const axes = axesOf(ctx, node, attrs);
  const full = v.kind === 'tensor' ? [BATCH, ...v.dims] : [...v.dims];
  let dims: number[];
  if (kind === 'Squeeze') {
    const drop = new Set((axes ?? full.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normalizeAxis(a, full.length, 'axis')));
    for (const a of drop) if (full[a] !== 1) throw new Unsupported(`axis ${a} has size ${full[a] === BATCH ? 'of the batch' : full[a]}, not 1`);
    dims = full.filter((_, i) => !drop.has(i));
  } else {
    if (!axes) throw new Unsupported('axes are missing');
    const rank = full.length + axes.length;
    const add = new Set(axes.map((a) => normalizeAxis(a, rank, 'axis')));
    dims = [];
    let k = 0;
    for (let i = 0; i < rank; i++) dims.push(add.has(i) ? 1 : full[k++]);
  }
  if (v.kind === 'const') { ctx.set(node.outputs[0], constOf(dims, v.data)); return; }
  if (dims[0] !== BATCH) throw new Unsupported(`${kind} on axis 0 would change the batch axis`);
  ctx.set(node.outputs[0], ctx.reshape(v, dims.slice(1), node.name || kind));
};

const concat: Converter = (ctx, node, attrs) => {
  const values = node.inputs.map((_, i) => ctx.optional(node, i)).filter((v) => v !== undefined);
  const axisAttr = attrs.int('axis', 1);
  if (values.every((v) => v.kind === 'const')) {
    const consts = values as ConstValue[];
    const rank = consts[0].dims.length;
    const axis = normalizeAxis(axisAttr, rank, 'axis');
    const outer = size(consts[0].dims.slice(0, axis));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const c of consts) {
        const block = size(c.dims.slice(axis));
        for (let k = 0; k < block; k++) out.push(Number(c.data[o * block + k]));
      }
    }
    const dims = [...consts[0].dims];
    dims[axis] = consts.reduce((a, c) => a + c.dims[axis], 0);
    ctx.set(node.outputs[0], constOf(dims, consts.some(isFloatConst) ? Float32Array.from(out) : out));
    return;
  }
  if (values.some((v) => v.kind !== 'tensor')) throw new Unsupported('joins a constant with computed tensors (only tensors, or only constants)');
  const tensors = values as TensorValue[];
  const rank = tensors[0].dims.length + 1;
  const axis = normalizeAxis(axisAttr, rank, 'axis');
  if (axis === 0) throw new Unsupported('concatenation along the batch axis is not supported');
  const base = node.name || 'Concat';
  const perm = tensors[0].perm;
  const inputs = tensors.map((t) => ctx.toPerm(t, perm, base));
  const dims = [...tensors[0].dims];
  dims[axis - 1] = tensors.reduce((a, t) => a + t.dims[axis - 1], 0);
  const stored = perm.indexOf(axis - 1) + 1; // Keras axis, batch counted
  if (tensors.length === 1) { ctx.set(node.outputs[0], inputs[0]); return; }
  ctx.set(node.outputs[0], ctx.layer(base, (name) => new Concatenate({ name, axis: stored }), inputs, dims, perm));
};

/** Pad with zeros on H and W of an image (constant mode, value 0). */
const pad: Converter = (ctx, node, attrs) => {
  const mode = attrs.string('mode', 'constant');
  if (mode !== 'constant') throw new Unsupported(`mode '${mode}' is not supported (only constant)`);
  let pads: number[], value: number;
  if (ctx.opset < 11) {
    pads = attrs.ints(ctx.opset < 2 ? 'paddings' : 'pads') ?? [];
    value = attrs.float('value', 0);
  } else {
    pads = ints(ctx.constant(node, 1, 'pads'), 'pads');
    const v = ctx.optional(node, 2);
    value = v ? Number((v.kind === 'const' ? v : ctx.constant(node, 2, 'constant_value')).data[0] ?? 0) : 0;
    if (node.inputs[3]) throw new Unsupported('the axes input is not supported');
  }
  const x0 = ctx.tensor(node, 0);
  if (value !== 0) throw new Unsupported(`constant_value ${value} is not supported (only 0)`);
  if (x0.dims.length !== 3 || pads.length !== 8) throw new Unsupported(`only padding H and W of NCHW images is supported (input rank ${x0.dims.length + 1}, ${pads.length} pads)`);
  const [n0, c0, top, left, n1, c1, bottom, right] = pads;
  if (n0 || c0 || n1 || c1) throw new Unsupported(`pads [${pads.join(', ')}] pad the batch or channel axis`);
  if (pads.some((p) => p < 0)) throw new Unsupported(`negative pads [${pads.join(', ')}] (cropping) are not supported`);
  const base = node.name || 'Pad';
  const x = ctx.channelsLast(x0, base);
  const [c, h, w] = x0.dims;
  ctx.set(node.outputs[0], ctx.layer(base, (name) => new ZeroPadding2D({ name, padding: [[top, bottom], [left, right]] }), [x],
    [c, h + top + bottom, w + left + right], x.perm));
};

export const SHAPE_CONVERTERS: Record<string, Converter> = {
  Constant: constant, Shape: shape, Gather: gather, Cast: cast, Slice: slice, Identity: passThrough, Dropout: passThrough,
  Reshape: reshape, Flatten: flatten, Transpose: transpose, Squeeze: squeezeOrUnsqueeze('Squeeze'), Unsqueeze: squeezeOrUnsqueeze('Unsqueeze'),
  Concat: concat, Pad: pad,
};
