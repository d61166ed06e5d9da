/**
 * Element-wise activations and Softmax/LogSoftmax. An activation right after a Conv or Gemm is
 * folded into that layer (`activation:` option, fused in the GEMM write-back); elsewhere it
 * becomes an Activation layer, or LeakyReLU / ELU when its parameter differs from Keras's.
 */
import type { ActivationName } from '../../activations.js';
import { Activation } from '../../layers/activation.js';
import { ELU, LeakyReLU } from '../../layers/advanced-activations.js';
import type { Layer } from '../../layers/layer.js';
import { Rescaling } from '../../layers/rescaling.js';
import type { OnnxNodeProto } from '../decode.js';
import type { NodeAttributes } from './attributes.js';
import type { Converter, Lowering } from './lower.js';
import { Unsupported, type ConstValue, type TensorValue } from './values.js';

/** SELU's constants as ONNX states them (float32), which simdnn's kernel uses too. */
const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

/** float32 rounding, for comparing an attribute against a constant written in float32. */
const f32 = Math.fround;

function scalar(c: ConstValue | undefined, what: string): number | undefined {
  if (!c) return undefined;
  if (c.data.length !== 1) throw new Unsupported(`${what} must hold one value, got ${c.data.length}`);
  return Number(c.data[0]);
}

/**
 * The Keras activation an element-wise ONNX node computes, or a layer maker when it needs a
 * parameter (LeakyReLU's slope); throws Unsupported for a variant simdnn lacks.
 */
/** Clip to [lo, hi] other than ReLU's and ReLU6's ranges: built from Rescaling and ReLU (see {@link clipLayers}). */
export interface ClipRange { lo: number; hi: number }

export function elementwiseActivation(ctx: Lowering, node: OnnxNodeProto, attrs: NodeAttributes): ActivationName | ((name: string) => Layer) | ClipRange {
  switch (node.opType) {
    case 'Relu': return 'relu';
    case 'Sigmoid': return 'sigmoid';
    case 'Tanh': return 'tanh';
    case 'Softplus': return 'softplus';
    case 'Softsign': return 'softsign';
    case 'HardSwish': return 'hardSwish';
    case 'Elu': {
      const alpha = attrs.float('alpha', 1);
      return alpha === 1 ? 'elu' : (name) => new ELU({ name, alpha });
    }
    case 'Selu': {
      const alpha = attrs.float('alpha', SELU_ALPHA), gamma = attrs.float('gamma', SELU_GAMMA);
      if (f32(alpha) !== f32(SELU_ALPHA) || f32(gamma) !== f32(SELU_GAMMA)) throw new Unsupported(`alpha ${alpha} and gamma ${gamma} differ from SELU's constants`);
      return 'selu';
    }
    case 'LeakyRelu': {
      const alpha = attrs.float('alpha', 0.01);
      return (name) => new LeakyReLU({ name, alpha });
    }
    case 'HardSigmoid': {
      const alpha = attrs.float('alpha', 0.2), beta = attrs.float('beta', 0.5);
      if (f32(beta) !== 0.5) throw new Unsupported(`beta ${beta} is not supported (only 0.5)`);
      if (f32(alpha) === f32(0.2)) return 'hardSigmoid';
      if (f32(alpha) === f32(1 / 6)) return 'hardSigmoidKeras3';
      throw new Unsupported(`alpha ${alpha} is not supported (0.2 as TF.js, or 1/6 as PyTorch and Keras 3)`);
    }
    case 'Clip': {
      let min: number | undefined, max: number | undefined;
      if (ctx.opset < 11) {
        min = attrs.has('min') ? attrs.float('min', 0) : undefined;
        max = attrs.has('max') ? attrs.float('max', 0) : undefined;
        attrs.ignore('min', 'max');
      } else {
        min = scalar(node.inputs[1] ? ctx.constant(node, 1, 'min') : undefined, 'min');
        max = scalar(node.inputs[2] ? ctx.constant(node, 2, 'max') : undefined, 'max');
      }
      const lo = min ?? -Infinity, hi = max ?? Infinity;
      if (lo === 0 && hi === 6) return 'relu6';
      if (lo === 0 && hi === Infinity) return 'relu';
      if (!(lo <= hi) || Number.isNaN(lo) || Number.isNaN(hi)) throw new Unsupported(`Clip to [${lo}, ${hi}] is empty`);
      return { lo, hi };
    }
    default:
      throw new Unsupported('op not supported');
  }
}

/** Ops {@link elementwiseActivation} knows. */
export const ACTIVATION_OPS = ['Relu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'HardSwish', 'Elu', 'Selu', 'LeakyRelu', 'HardSigmoid', 'Clip'];

/**
 * Clip(x, lo, hi) as Rescaling → ReLU-family activation → Rescaling: one-sided clips shift (or
 * mirror) into a ReLU, two-sided ones scale [lo, hi] onto ReLU6's [0, 6]. Each step rounds once,
 * so results are within a few float32 ulps of max(|x|, |lo|, |hi|) of the exact clip.
 */
function clipLayers(ctx: Lowering, base: string, x: TensorValue, { lo, hi }: ClipRange): TensorValue {
  const step = (suffix: string, input: TensorValue, make: (name: string) => Layer) => ctx.layer(`${base}${suffix}`, make, [input], input.dims, input.perm);
  const rescale = (suffix: string, input: TensorValue, scale: number, offset: number) =>
    step(suffix, input, (name) => new Rescaling({ name, scale: Math.fround(scale), offset: Math.fround(offset) }));
  const relu = (suffix: string, input: TensorValue, activation: ActivationName) => step(suffix, input, (name) => new Activation({ name, activation }));
  if (hi === Infinity) return rescale('', relu('_relu', rescale('_shift', x, 1, -lo), 'relu'), 1, lo); // lo + relu(x − lo)
  if (lo === -Infinity) return rescale('', relu('_relu', rescale('_mirror', x, -1, hi), 'relu'), -1, hi); // hi − relu(hi − x)
  const width = hi - lo;
  return rescale('', relu('_relu6', rescale('_shift', x, 6 / width, (-lo * 6) / width), 'relu6'), width / 6, lo);
}

const activationLayer: Converter = (ctx, node, attrs) => {
  const x = ctx.tensor(node, 0);
  const act = elementwiseActivation(ctx, node, attrs);
  const base = node.name || node.opType;
  if (typeof act === 'object') { ctx.set(node.outputs[0], clipLayers(ctx, base, x, act)); return; }
  const make = typeof act === 'string' ? (name: string) => new Activation({ name, activation: act }) : act;
  ctx.set(node.outputs[0], ctx.layer(base, make, [x], x.dims, x.perm));
};

/** Softmax / LogSoftmax over one axis; simdnn's run over the last stored axis, so the input is re-stored if needed. */
const softmax = (activation: 'softmax' | 'logSoftmax'): Converter => (ctx, node, attrs) => {
  let x = ctx.tensor(node, 0);
  const rank = x.dims.length + 1;
  const axis = attrs.int('axis', ctx.opset < 13 ? 1 : -1);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 1 || a >= rank) throw new Unsupported(`axis ${axis} is ${a === 0 ? 'the batch axis' : 'out of range'} for rank ${rank}`);
  // Before opset 13 the op flattens axes a.. into one row: the same as the last axis only when a is the last.
  if (ctx.opset < 13 && a !== rank - 1) throw new Unsupported(`opset ${ctx.opset} Softmax over axes ${a}.. of rank ${rank} (only the last axis)`);
  const onnxAxis = a - 1;
  if (x.perm[x.perm.length - 1] !== onnxAxis) {
    x = ctx.toPerm(x, [...x.perm.filter((p) => p !== onnxAxis), onnxAxis], node.name || node.opType);
  }
  ctx.set(node.outputs[0], ctx.layer(node.name || node.opType, (name) => new Activation({ name, activation }), [x], x.dims, x.perm));
};

export const ACTIVATION_CONVERTERS: Record<string, Converter> = {
  ...Object.fromEntries(ACTIVATION_OPS.map((op) => [op, activationLayer])),
  Softmax: softmax('softmax'),
  LogSoftmax: softmax('logSoftmax'),
};

