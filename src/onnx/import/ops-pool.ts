/**
 * MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool and ReduceMean over H and W, on
 * channels-last images. ONNX's ceil_mode becomes extra padding at the end, which simdnn's
 * windows leave out of a max and out of an average's count, as ONNX does for those positions.
 */
import { window2D, type Padding } from '../../core/geometry.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../../layers/pooling.js';
import type { Layer } from '../../layers/layer.js';
import { GlobalMaxPooling2D } from '../../layers/global-max-pooling.js';
import { ZeroPadding2D } from '../../layers/padding.js';
import type { OnnxNodeProto } from '../decode.js';
import type { NodeAttributes } from './attributes.js';
import type { Converter, Lowering } from './lower.js';
import { convPadding, windowAttributes } from './ops-linear.js';
import { Unsupported, channelsLastPerm, type TensorValue } from './values.js';

function image(ctx: Lowering, node: OnnxNodeProto): TensorValue {
  const x = ctx.tensor(node, 0);
  if (x.dims.length !== 3) throw new Unsupported(`input of rank ${x.dims.length + 1}: only 2-D pooling over NCHW input is supported`);
  return x;
}

/** Explicit padding with ceil_mode's extra end rows and columns folded in. */
function poolPadding(attrs: NodeAttributes, inH: number, inW: number, kernel: [number, number], strides: [number, number],
  dilations: [number, number]): Padding {
  const padding = convPadding(attrs, inH, inW, kernel, strides, dilations);
  if (attrs.int('ceil_mode', 0) === 0 || padding === 'same') return padding;
  const [[top, bottom], [left, right]] = padding === 'valid' ? [[0, 0], [0, 0]] : padding;
  const extra = (size: number, before: number, after: number, k: number, s: number) => {
    const span = size + before + after - k;
    if (span < 0) return 0;
    let out = Math.ceil(span / s) + 1;
    if ((out - 1) * s >= size + before) out--; // the last window must start inside the input or its leading pad
    return Math.max((out - 1) * s + k - (size + before + after), 0);
  };
  return [[top, bottom + extra(inH, top, bottom, kernel[0], strides[0])], [left, right + extra(inW, left, right, kernel[1], strides[1])]];
}

const pool = (kind: 'max' | 'average'): Converter => (ctx, node, attrs) => {
  const x0 = image(ctx, node);
  const [c, inH, inW] = x0.dims;
  const { kernel, strides, dilations } = windowAttributes(attrs, null);
  if (dilations[0] !== 1 || dilations[1] !== 1) throw new Unsupported(`dilations [${dilations.join(', ')}] are not supported (only 1)`);
  if (kind === 'max') {
    if (attrs.int('storage_order', 0) !== 0) throw new Unsupported('storage_order 1 is not supported');
    if (node.outputs.length > 1 && node.outputs[1] !== '') throw new Unsupported('the Indices output is not supported');
  }
  let padding = poolPadding(attrs, inH, inW, kernel, strides, dilations);
  const base = node.name || node.opType;
  let win;
  try {
    win = window2D([inH, inW, c], kernel, strides, [1, 1], padding, base);
  } catch (e) {
    throw new Unsupported((e as Error).message);
  }
  let x = ctx.channelsLast(x0, base);
  if (kind === 'average' && attrs.int('count_include_pad', 0) !== 0 && padding !== 'valid') {
    // Zeros that count: pad first, then average over the padded image (ceil_mode's extra still excluded).
    const [[top, bottom], [left, right]] = padding === 'same' ? samePads(inH, inW, kernel, strides) : padding;
    const pads = attrs.ints('pads') ?? [0, 0, 0, 0];
    const counted: [[number, number], [number, number]] = padding === 'same' ? [[top, bottom], [left, right]] : [[pads[0], pads[2]], [pads[1], pads[3]]];
    x = ctx.layer(`${base}_pad`, (name) => new ZeroPadding2D({ name, padding: counted }), [x], [c, inH + counted[0][0] + counted[0][1], inW + counted[1][0] + counted[1][1]], channelsLastPerm(3));
    padding = [[0, top + bottom - counted[0][0] - counted[0][1]], [0, left + right - counted[1][0] - counted[1][1]]];
  }
  const make = kind === 'max'
    ? (name: string): Layer => new MaxPooling2D({ name, poolSize: kernel, strides, padding })
    : (name: string): Layer => new AveragePooling2D({ name, poolSize: kernel, strides, padding });
  ctx.set(node.outputs[0], ctx.layer(base, make, [x], [c, win.outH, win.outW], channelsLastPerm(3)));
};

/** TF's 'same' pads as [[top, bottom], [left, right]]. */
function samePads(inH: number, inW: number, kernel: [number, number], strides: [number, number]): [[number, number], [number, number]] {
  const total = (n: number, k: number, s: number) => Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const th = total(inH, kernel[0], strides[0]), tw = total(inW, kernel[1], strides[1]);
  return [[Math.floor(th / 2), th - Math.floor(th / 2)], [Math.floor(tw / 2), tw - Math.floor(tw / 2)]];
}

const globalMaxPool: Converter = (ctx, node) => {
  const x0 = image(ctx, node);
  const base = node.name || node.opType;
  const x = ctx.channelsLast(x0, base);
  const c = x0.dims[0];
  ctx.set(node.outputs[0], ctx.layer(base, (name) => new GlobalMaxPooling2D({ name, keepdims: true }), [x], [c, 1, 1], channelsLastPerm(3)));
};

/** Global average over H and W, kept as [C, 1, 1] (ONNX keeps the axes) or dropped. */
function globalAverage(ctx: Lowering, node: OnnxNodeProto, x0: TensorValue, keepDims: boolean): void {
  const base = node.name || node.opType;
  const x = ctx.channelsLast(x0, base);
  const c = x0.dims[0];
  ctx.set(node.outputs[0], keepDims
    ? ctx.layer(base, (name) => new GlobalAveragePooling2D({ name, keepdims: true }), [x], [c, 1, 1], channelsLastPerm(3))
    : ctx.layer(base, (name) => new GlobalAveragePooling2D({ name }), [x], [c], [0]));
}

const globalAveragePool: Converter = (ctx, node) => globalAverage(ctx, node, image(ctx, node), true);

const reduceMean: Converter = (ctx, node, attrs) => {
  const x = image(ctx, node);
  let axes: number[] | undefined;
  if (ctx.opset < 18) axes = attrs.ints('axes');
  else {
    const a = ctx.optional(node, 1);
    if (a && a.kind !== 'const') throw new Unsupported('axes must be a constant');
    axes = a ? (a.data as number[]).map(Number) : undefined;
  }
  if (attrs.int('noop_with_empty_axes', 0) !== 0) throw new Unsupported('noop_with_empty_axes 1 is not supported');
  const keepDims = attrs.int('keepdims', 1) !== 0;
  const set = new Set((axes ?? []).map((a) => (a < 0 ? a + 4 : a)));
  if (set.size !== 2 || !set.has(2) || !set.has(3)) throw new Unsupported(`axes [${axes?.join(', ') ?? 'all'}]: only the mean over H and W (axes 2, 3 of NCHW) is supported`);
  globalAverage(ctx, node, x, keepDims);
};

export const POOL_CONVERTERS: Record<string, Converter> = {
  MaxPool: pool('max'), AveragePool: pool('average'), GlobalAveragePool: globalAveragePool, GlobalMaxPool: globalMaxPool, ReduceMean: reduceMean,
};
