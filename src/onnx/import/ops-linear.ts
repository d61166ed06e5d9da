/**
 * Conv, Gemm, MatMul and BatchNormalization. A Conv or Gemm takes in what follows it alone:
 * a BatchNormalization (folded into kernel and bias, as for inference), a per-channel Add or Mul
 * by a constant, then one element-wise activation, fused in the layer's write-back. Kernels are
 * converted once: ONNX's [M, C/g, kh, kw] to Keras's [kh, kw, C/g, M] (depthwise: [kh, kw, C, M/C]).
 */
import type { ActivationName } from '../../activations.js';
import { pair, window2D, type Padding } from '../../core/geometry.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { DepthwiseConv2D } from '../../layers/depthwise-conv2d.js';
import { BatchNormalization } from '../../layers/normalization.js';
import type { OnnxNodeProto } from '../decode.js';
import { NodeAttributes } from './attributes.js';
import type { Converter, Lowering } from './lower.js';
import { elementwiseActivation } from './ops-activation.js';
import { Unsupported, channelsLastPerm, identity, isFloatConst, transposeData, type ConstValue, type TensorValue } from './values.js';

function floats(c: ConstValue, what: string): Float32Array {
  if (!isFloatConst(c)) throw new Unsupported(`${what} must be float data`);
  return c.data;
}

/** A per-channel vector from a constant broadcasting against an output of `rank` (batch included) with `m` channels at axis 1. */
function perChannel(c: ConstValue, rank: number, m: number): Float32Array | null {
  if (!isFloatConst(c) || c.dims.length > rank) return null;
  const dims = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
  if (dims.some((d, i) => d !== 1 && !(i === 1 && d === m))) return null;
  return dims[1] === m ? c.data : new Float32Array(m).fill(c.data[0]);
}

/** What a Conv or Gemm absorbs from the nodes after it: scaled channels, added bias, an activation. */
interface Epilogue {
  scale: Float64Array;
  shift: Float64Array;
  activation: ActivationName;
  output: string;
}

/**
 * Follows `output` through nodes that only it feeds: BatchNormalization, Add/Mul by per-channel
 * constants, and finally one element-wise activation. Each absorbed node is checked as its own
 * converter would be; the first that does not fit ends the chain.
 */
function absorbFollowers(ctx: Lowering, output: string, rank: number, m: number): Epilogue {
  const e: Epilogue = { scale: new Float64Array(m).fill(1), shift: new Float64Array(m), activation: 'linear', output };
  for (;;) {
    const next = ctx.soleConsumer(e.output);
    if (!next || next.domain !== '' || next.inputs[0] !== e.output) return e;
    const attrs = new NodeAttributes(next);
    try {
      if (next.opType === 'BatchNormalization') {
        const bn = batchNormConstants(ctx, next, attrs, m);
        attrs.checkAllRead();
        for (let c = 0; c < m; c++) {
          const f = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
          e.scale[c] *= f;
          e.shift[c] = (e.shift[c] - bn.mean[c]) * f + bn.beta[c];
        }
      } else if ((next.opType === 'Add' || next.opType === 'Mul') && next.inputs.length === 2) {
        const other = ctx.optional(next, 1);
        const v = other?.kind === 'const' ? perChannel(other, rank, m) : null;
        if (!v) return e;
        attrs.checkAllRead();
        for (let c = 0; c < m; c++) {
          if (next.opType === 'Add') e.shift[c] += v[c];
          else { e.scale[c] *= v[c]; e.shift[c] *= v[c]; }
        }
      } else {
        const act = elementwiseActivation(ctx, next, attrs);
        if (typeof act !== 'string') return e; // a parameterised layer or a general Clip stays a layer of its own
        attrs.checkAllRead();
        e.activation = act;
        e.output = next.outputs[0];
        ctx.absorb(next);
        return e;
      }
    } catch (err) {
      if (err instanceof Unsupported) return e; // its own converter will report it
      throw err;
    }
    e.output = next.outputs[0];
    ctx.absorb(next);
  }
}

interface BatchNormConstants {
  gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number; momentum: number;
}

function batchNormConstants(ctx: Lowering, node: OnnxNodeProto, attrs: NodeAttributes, channels: number): BatchNormConstants {
  const epsilon = attrs.float('epsilon', 1e-5);
  const momentum = attrs.float('momentum', 0.9);
  if (attrs.int('training_mode', 0) !== 0) throw new Unsupported('training_mode 1 is not supported (an inference graph is imported)');
  if (attrs.int('spatial', 1) !== 1) throw new Unsupported('spatial 0 is not supported');
  attrs.ignore('is_test', 'consumed_inputs');
  if (node.outputs.slice(1).some((o) => o !== '')) throw new Unsupported('the running-statistics outputs are not supported');
  const names = ['scale', 'B', 'mean', 'var'];
  const [gamma, beta, mean, variance] = names.map((what, i) => {
    const v = floats(ctx.constant(node, i + 1, what), what);
    if (v.length !== channels) throw new Unsupported(`${what} has ${v.length} values for ${channels} channels`);
    return v;
  });
  if (variance.some((v) => !(v >= 0))) throw new Unsupported('var holds a negative or NaN value');
  return { gamma, beta, mean, variance, epsilon, momentum };
}

/** Explicit [[top, bottom], [left, right]] padding (or 'valid'/'same') from pads / auto_pad. */
export function convPadding(attrs: NodeAttributes, inH: number, inW: number, kernel: [number, number], strides: [number, number],
  dilations: [number, number]): Padding {
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  const pads = attrs.ints('pads') ?? [0, 0, 0, 0];
  if (autoPad === 'VALID') return 'valid';
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (size: number, k: number, s: number, d: number) => Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
    const th = total(inH, kernel[0], strides[0], dilations[0]), tw = total(inW, kernel[1], strides[1], dilations[1]);
    if (autoPad === 'SAME_UPPER') return 'same';
    return [[Math.ceil(th / 2), Math.floor(th / 2)], [Math.ceil(tw / 2), Math.floor(tw / 2)]];
  }
  if (autoPad !== 'NOTSET') throw new Unsupported(`auto_pad '${autoPad}' is not one ONNX defines`);
  if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) throw new Unsupported(`pads [${pads.join(', ')}] must be 4 non-negative integers`);
  if (pads.every((p) => p === 0)) return 'valid';
  // Pads that are exactly TF's 'same' are saved as 'same', which TF.js can read (it has no explicit padding).
  const same = (size: number, k: number, s: number, d: number) => {
    const total = Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [sh, sw] = [same(inH, kernel[0], strides[0], dilations[0]), same(inW, kernel[1], strides[1], dilations[1])];
  if (sh[0] === pads[0] && sh[1] === pads[2] && sw[0] === pads[1] && sw[1] === pads[3]) return 'same';
  return [[pads[0], pads[2]], [pads[1], pads[3]]];
}

/** Strides, dilations and kernel of a 2-D window op, checked. */
export function windowAttributes(attrs: NodeAttributes, kernel: [number, number] | null): { kernel: [number, number]; strides: [number, number]; dilations: [number, number] } {
  const shape = attrs.ints('kernel_shape');
  const k = shape ?? kernel;
  if (!k || k.length !== 2) throw new Unsupported(`kernel_shape ${shape ? `[${shape.join(', ')}]` : 'missing'}: only 2-D windows are supported`);
  if (kernel && (k[0] !== kernel[0] || k[1] !== kernel[1])) throw new Unsupported(`kernel_shape [${k.join(', ')}] differs from the weights' [${kernel.join(', ')}]`);
  const strides = attrs.ints('strides') ?? [1, 1], dilations = attrs.ints('dilations') ?? [1, 1];
  try {
    return { kernel: pair(k, 1, '', 'kernel_shape'), strides: pair(strides, 1, '', 'strides'), dilations: pair(dilations, 1, '', 'dilations') };
  } catch (e) {
    throw new Unsupported((e as Error).message.replace(/^: /, ''));
  }
}

const conv: Converter = (ctx, node, attrs) => {
  const x0 = ctx.tensor(node, 0);
  if (x0.dims.length !== 3) throw new Unsupported(`input of rank ${x0.dims.length + 1}: only 2-D convolutions over NCHW input are supported`);
  const w = ctx.constant(node, 1, 'W');
  const weights = floats(w, 'W');
  if (w.dims.length !== 4) throw new Unsupported(`W has rank ${w.dims.length}, expected 4`);
  const [m, cg, kh, kw] = w.dims;
  const [c, inH, inW] = x0.dims;
  const groups = attrs.int('group', 1);
  if (groups < 1 || c % groups !== 0 || m % groups !== 0 || cg * groups !== c) {
    throw new Unsupported(`group ${groups} does not fit ${c} input channels and W of shape [${w.dims.join(', ')}]`);
  }
  const { kernel, strides, dilations } = windowAttributes(attrs, [kh, kw]);
  const padding = convPadding(attrs, inH, inW, kernel, strides, dilations);
  const b = ctx.optional(node, 2);
  const bias = b ? floats(b.kind === 'const' ? b : ctx.constant(node, 2, 'B'), 'B') : null;
  if (bias && bias.length !== m) throw new Unsupported(`B has ${bias.length} values for ${m} output channels`);
  const base = node.name || 'Conv';
  let win;
  try {
    win = window2D([inH, inW, c], kernel, strides, dilations, padding, base);
  } catch (e) {
    throw new Unsupported((e as Error).message);
  }
  const x = ctx.channelsLast(x0, base);
  const e = absorbFollowers(ctx, node.outputs[0], 4, m);
  const scaled = new Float32Array(weights.length);
  const per = cg * kh * kw;
  for (let o = 0; o < m; o++) for (let i = 0; i < per; i++) scaled[o * per + i] = weights[o * per + i] * e.scale[o];
  const useBias = bias !== null || e.shift.some((s) => s !== 0);
  const biasValues = Float32Array.from({ length: m }, (_, o) => (bias ? bias[o] * e.scale[o] : 0) + e.shift[o]);
  const depthwise = groups === c && groups > 1;
  // Keras kernels: [kh, kw, C/g, M]; depthwise [kh, kw, C, M/C], whose output o = c·(M/C) + j is ONNX's order too.
  const kernelShape = depthwise ? [kh, kw, c, m / c] : [kh, kw, cg, m];
  const kernelData = transposeData(scaled, [m, cg, kh, kw], [2, 3, 1, 0]);
  const common = { strides, padding, dilationRate: dilations, activation: e.activation, useBias };
  const make = depthwise
    ? (name: string) => new DepthwiseConv2D({ name, kernelSize: kernel, depthMultiplier: m / c, ...common })
    : (name: string) => new Conv2D({ name, filters: m, kernelSize: kernel, groups, ...common });
  const weightsOut = [{ shape: kernelShape, data: kernelData }, ...(useBias ? [{ shape: [m], data: biasValues }] : [])];
  ctx.set(e.output, ctx.layer(base, make, [x], [m, win.outH, win.outW], channelsLastPerm(3), weightsOut));
};

/** Dense over the last axis: Gemm (2-D) or MatMul by a constant matrix. */
function dense(ctx: Lowering, node: OnnxNodeProto, x0: TensorValue, kernel: Float32Array, k: number, m: number, bias: Float32Array | null): void {
  const base = node.name || node.opType;
  const x = ctx.plain(x0, base);
  const e = absorbFollowers(ctx, node.outputs[0], x.dims.length + 1, m);
  const scaled = kernel.map((v, i) => v * e.scale[i % m]);
  const useBias = bias !== null || e.shift.some((s) => s !== 0);
  const biasValues = Float32Array.from({ length: m }, (_, o) => (bias ? bias[o] * e.scale[o] : 0) + e.shift[o]);
  const weights = [{ shape: [k, m], data: scaled }, ...(useBias ? [{ shape: [m], data: biasValues }] : [])];
  const dims = [...x.dims.slice(0, -1), m];
  ctx.set(e.output, ctx.layer(base, (name) => new Dense({ name, units: m, activation: e.activation, useBias }), [x], dims, identity(dims.length), weights));
}

const gemm: Converter = (ctx, node, attrs) => {
  const a = ctx.tensor(node, 0);
  if (a.dims.length !== 1) throw new Unsupported(`A has rank ${a.dims.length + 1}; Gemm takes a matrix`);
  if (attrs.int('transA', 0) !== 0) throw new Unsupported('transA 1 (A transposed, with the batch) is not supported');
  const transB = attrs.int('transB', 0) !== 0;
  const alpha = attrs.float('alpha', 1), beta = attrs.float('beta', 1);
  attrs.ignore('broadcast');
  const bConst = ctx.constant(node, 1, 'B');
  if (bConst.dims.length !== 2) throw new Unsupported(`B has rank ${bConst.dims.length}, expected 2`);
  const [k, m] = transB ? [bConst.dims[1], bConst.dims[0]] : bConst.dims;
  if (k !== a.dims[0]) throw new Unsupported(`B of shape [${bConst.dims.join(', ')}]${transB ? ' (transposed)' : ''} does not fit A's ${a.dims[0]} columns`);
  const b = floats(bConst, 'B');
  const kernel = (transB ? transposeData(b, [m, k], [1, 0]) : Float32Array.from(b)).map((v) => v * alpha);
  const c = ctx.optional(node, 2);
  let bias: Float32Array | null = null;
  if (c) {
    const v = c.kind === 'const' ? perChannel(c, 2, m) : null;
    if (!v) throw new Unsupported('C must be a constant broadcasting over the batch (shape [M], [1, M] or a scalar)');
    bias = v.map((x) => x * beta);
  }
  dense(ctx, node, a, kernel, k, m, bias);
};

const matMul: Converter = (ctx, node) => {
  const a = ctx.tensor(node, 0);
  const bConst = ctx.constant(node, 1, 'B');
  if (bConst.dims.length !== 2) throw new Unsupported(`B has rank ${bConst.dims.length}; simdnn multiplies by a constant matrix`);
  const [k, m] = bConst.dims;
  if (a.dims[a.dims.length - 1] !== k) throw new Unsupported(`B of shape [${k}, ${m}] does not fit A's last axis of ${a.dims[a.dims.length - 1]}`);
  dense(ctx, node, a, Float32Array.from(floats(bConst, 'B')), k, m, null);
};

const batchNormalization: Converter = (ctx, node, attrs) => {
  const x0 = ctx.tensor(node, 0);
  const channels = x0.dims[0];
  const bn = batchNormConstants(ctx, node, attrs, channels);
  const base = node.name || 'BatchNormalization';
  const x = ctx.channelsLast(x0, base);
  const weights = [bn.gamma, bn.beta, bn.mean, bn.variance].map((data) => ({ shape: [channels], data }));
  ctx.set(node.outputs[0], ctx.layer(base, (name) => new BatchNormalization({ name, epsilon: bn.epsilon, momentum: bn.momentum }), [x], x.dims, x.perm, weights));
};

export const LINEAR_CONVERTERS: Record<string, Converter> = { Conv: conv, Gemm: gemm, MatMul: matMul, BatchNormalization: batchNormalization };
