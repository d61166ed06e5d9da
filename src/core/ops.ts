/**
 * Functional ops on Tensors: copy operands into the arena, run one kernel, copy the result out.
 * For one-off computation; models use planned buffers instead.
 */
import { pair, window2D, type Padding, type Window2D } from './geometry.js';
import { convArgs, im2col } from './kernels/conv.js';
import { gemm, gemmArgs } from './kernels/gemm.js';
import { avgPoolForward, maxPoolForward, poolArgs } from './kernels/pool.js';
import { Tensor, normalizeAxis, tensor, type TensorLike } from './tensor.js';
import { getBackend, type Kernels } from './wasm.js';

function asTensor(value: TensorLike, who: string, arg: string): Tensor {
  if (value instanceof Tensor) return value;
  try {
    return tensor(value);
  } catch (e) {
    throw new TypeError(`${who}: ${arg}: ${(e as Error).message}`);
  }
}

function checkFiniteValues(t: Tensor, who: string, arg: string): void {
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) throw new RangeError(`${who}: ${arg} contains ${t.data[i]} at flat index ${i}`);
  }
}

/** Runs `body` with the inputs copied into fresh arena blocks and an output block of `outSize` floats. */
function withBuffers(inputs: Tensor[], outSize: number, body: (k: Kernels, ptrs: number[], out: number) => void): Float32Array {
  const { kernels, arena } = getBackend();
  const ptrs = inputs.map((t) => arena.allocF32(t.size));
  const out = arena.allocF32(outSize);
  try {
    inputs.forEach((t, i) => arena.f32.set(t.data, ptrs[i] >>> 2));
    body(kernels, ptrs, out);
    return arena.f32.slice(out >>> 2, (out >>> 2) + outSize);
  } finally {
    for (const p of ptrs) arena.release(p);
    arena.release(out);
  }
}

/** Options of {@link matMul}. */
export interface MatMulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/** Matrix product of two rank-2 tensors, optionally transposed. */
export function matMul(aIn: TensorLike, bIn: TensorLike, options: MatMulOptions = {}): Tensor {
  const a = asTensor(aIn, 'matMul', 'a');
  const b = asTensor(bIn, 'matMul', 'b');
  if (a.rank !== 2 || b.rank !== 2) throw new RangeError(`matMul: expects rank-2 tensors, got a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}]`);
  const tA = options.transposeA ?? false;
  const tB = options.transposeB ?? false;
  const [m, kA] = tA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kB, n] = tB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (kA !== kB) {
    throw new RangeError(`matMul: inner dimensions differ: a${tA ? 'ᵀ' : ''} is [${m}, ${kA}] and b${tB ? 'ᵀ' : ''} is [${kB}, ${n}]`);
  }
  const data = withBuffers([a, b], m * n, (_k, [pa, pb], out) => {
    gemm(gemmArgs({ m, n, k: kA, a: pa, b: pb, c: out, transposeA: tA, transposeB: tB }));
  });
  return new Tensor(data, [m, n]);
}

/** Same shape, or `b` a vector over the last axis of `a`; nothing else is broadcast. */
function binary(who: string, aIn: TensorLike, bIn: TensorLike,
  same: (k: Kernels, a: number, b: number, out: number, n: number) => void,
  row: (k: Kernels, a: number, v: number, out: number, rows: number, cols: number) => void): Tensor {
  const a = asTensor(aIn, who, 'a');
  const b = asTensor(bIn, who, 'b');
  const sameShape = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  const cols = a.shape[a.rank - 1];
  if (sameShape) return new Tensor(withBuffers([a, b], a.size, (k, [pa, pb], out) => same(k, pa, pb, out, a.size)), a.shape);
  if (b.rank === 1 && a.rank >= 1 && b.shape[0] === cols) {
    return new Tensor(withBuffers([a, b], a.size, (k, [pa, pb], out) => row(k, pa, pb, out, a.size / cols, cols)), a.shape);
  }
  throw new RangeError(`${who}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ; expected equal shapes or b a vector of length ${cols} over a's last axis`);
}

/** Element-wise sum (or a plus a bias vector over its last axis). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b, (k, pa, pb, out, n) => k.addArrays(pa, pb, out, n), (k, pa, v, out, r, c) => k.addRowVector(pa, v, out, r, c));
}

/** Element-wise product (or a times a vector over its last axis). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b, (k, pa, pb, out, n) => k.mulArrays(pa, pb, out, n), (k, pa, v, out, r, c) => k.mulRowVector(pa, v, out, r, c));
}

/** Runs an activation kernel over `rows × cols` values. */
type ActivationKernel = (k: Kernels, x: number, y: number, rows: number, cols: number) => void;

function unary(name: string, kernel: ActivationKernel, xIn: TensorLike, axis = -1): Tensor {
  const x = asTensor(xIn, name, 'x');
  checkFiniteValues(x, name, 'x');
  if (x.rank === 0) throw new RangeError(`${name}: expects a tensor of rank ≥ 1, got a scalar`);
  const ax = normalizeAxis(axis, x.rank, name);
  if (ax !== x.rank - 1) throw new RangeError(`${name}: only the last axis is supported, got axis ${axis}`);
  const cols = x.shape[x.rank - 1];
  return new Tensor(withBuffers([x], x.size, (k, [px], out) => kernel(k, px, out, x.size / cols, cols)), x.shape);
}

/** max(x, 0), element-wise. */
export const relu = (x: TensorLike): Tensor => unary('relu', (k, px, y, r, c) => k.reluForward(px, y, r * c), x);
/** 1 / (1 + e^−x), element-wise. */
export const sigmoid = (x: TensorLike): Tensor => unary('sigmoid', (k, px, y, r, c) => k.sigmoidForward(px, y, r * c), x);
/** Hyperbolic tangent, element-wise. */
export const tanh = (x: TensorLike): Tensor => unary('tanh', (k, px, y, r, c) => k.tanhForward(px, y, r * c), x);
/** Scaled ELU with the Keras constants, element-wise. */
export const selu = (x: TensorLike): Tensor => unary('selu', (k, px, y, r, c) => k.seluForward(px, y, r * c), x);
/** log(1 + e^x), element-wise. */
export const softplus = (x: TensorLike): Tensor => unary('softplus', (k, px, y, r, c) => k.softplusForward(px, y, r * c), x);

/** max(x, alpha·x); alpha default 0.2 as tfjs `tf.leakyRelu`. */
export function leakyRelu(xIn: TensorLike, alpha = 0.2): Tensor {
  const x = asTensor(xIn, 'leakyRelu', 'x');
  checkFiniteValues(x, 'leakyRelu', 'x');
  return new Tensor(withBuffers([x], x.size, (k, [px], out) => k.leakyReluForward(px, out, x.size, alpha)), x.shape);
}

/** x for x > 0, alpha·(eˣ − 1) otherwise; alpha default 1. */
export function elu(xIn: TensorLike, alpha = 1): Tensor {
  const x = asTensor(xIn, 'elu', 'x');
  checkFiniteValues(x, 'elu', 'x');
  return new Tensor(withBuffers([x], x.size, (k, [px], out) => k.eluForward(px, out, x.size, alpha)), x.shape);
}

/** Softmax over the last axis. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return unary('softmax', (k, px, y, r, c) => k.softmaxForward(px, y, r, c), x, axis);
}

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(xIn: TensorLike, axis = -1): Tensor {
  const x = asTensor(xIn, 'logSoftmax', 'x');
  checkFiniteValues(x, 'logSoftmax', 'x');
  const ax = normalizeAxis(axis, x.rank, 'logSoftmax');
  if (ax !== x.rank - 1) throw new RangeError(`logSoftmax: only the last axis is supported, got axis ${axis}`);
  const cols = x.shape[x.rank - 1];
  return new Tensor(withBuffers([x], x.size, (k, [px], out) => k.logSoftmaxForward(px, out, x.size / cols, cols)), x.shape);
}

/** Options of {@link conv2d}, as tfjs `tf.conv2d`. */
export interface Conv2DOptions {
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  /** Default 1. */
  dilations?: number | [number, number];
}

/** Options of {@link maxPool2d} and {@link avgPool2d}. */
export interface Pool2DOptions {
  poolSize: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

function rank4(value: TensorLike, who: string, arg: string): Tensor {
  const t = asTensor(value, who, arg);
  if (t.rank !== 4) throw new RangeError(`${who}: ${arg} must be rank 4 [batch, height, width, channels], got [${t.shape.join(', ')}]`);
  checkFiniteValues(t, who, arg);
  return t;
}

/** 2-D convolution of NHWC x with kernel [kh, kw, inC, outC]. */
export function conv2d(xIn: TensorLike, kernelIn: TensorLike, options: Conv2DOptions = {}): Tensor {
  const x = rank4(xIn, 'conv2d', 'x');
  const kernel = rank4(kernelIn, 'conv2d', 'kernel');
  const [kh, kw, inC, outC] = kernel.shape;
  if (inC !== x.shape[3]) throw new RangeError(`conv2d: x has ${x.shape[3]} channels but the kernel expects ${inC}`);
  const w = window2D(x.shape.slice(1), [kh, kw], pair(options.strides, 1, 'conv2d', 'strides'),
    pair(options.dilations, 1, 'conv2d', 'dilations'), options.padding ?? 'valid', 'conv2d');
  const n = x.shape[0];
  const rows = n * w.outH * w.outW;
  const patch = kh * kw * inC;
  const { arena } = getBackend();
  const data = withBuffers([x, kernel], rows * outC, (_k, [px, pk], out) => {
    const columns = arena.allocF32(rows * patch);
    try {
      im2col({ ...convArgs(w), batch: n, input: px, columns });
      gemm(gemmArgs({ m: rows, n: outC, k: patch, a: columns, b: pk, c: out }));
    } finally {
      arena.release(columns);
    }
  });
  return new Tensor(data, [n, w.outH, w.outW, outC]);
}

function pool(who: string, xIn: TensorLike, options: Pool2DOptions,
  run: (x: number, y: number, n: number, w: Window2D) => void): Tensor {
  const x = rank4(xIn, who, 'x');
  const size = pair(options?.poolSize, 2, who, 'poolSize');
  const w = window2D(x.shape.slice(1), size, pair(options.strides, size, who, 'strides'), [1, 1], options.padding ?? 'valid', who);
  const n = x.shape[0];
  const data = withBuffers([x], n * w.outH * w.outW * w.channels, (_k, [px], out) => run(px, out, n, w));
  return new Tensor(data, [n, w.outH, w.outW, w.channels]);
}

/** Max over 2-D windows of NHWC x. */
export function maxPool2d(x: TensorLike, options: Pool2DOptions): Tensor {
  return pool('maxPool2d', x, options, (px, out, n, w) => {
    const { arena } = getBackend();
    const argmax = arena.alloc(n * w.outH * w.outW * w.channels * 4);
    try {
      maxPoolForward({ ...poolArgs(w), batch: n, input: px, output: out, argmax });
    } finally {
      arena.release(argmax);
    }
  });
}

/** Mean over 2-D windows of NHWC x (in-bounds cells only). */
export function avgPool2d(x: TensorLike, options: Pool2DOptions): Tensor {
  return pool('avgPool2d', x, options, (px, out, n, w) => avgPoolForward({ ...poolArgs(w), batch: n, input: px, output: out }));
}

/** Mean over all positions per channel: NHWC [n, h, w, c] → [n, c]. */
export function globalAvgPool2d(xIn: TensorLike): Tensor {
  const x = rank4(xIn, 'globalAvgPool2d', 'x');
  const [n, h, w, c] = x.shape;
  return new Tensor(withBuffers([x], n * c, (k, [px], out) => k.globalAvgPoolForward(px, out, n, h * w, c)), [n, c]);
}
