/**
 * Depthwise convolution kernels with named operands: direct NHWC over channels, no im2col.
 * Kernel [kh, kw, inC, multiplier] (Keras order); output channel c·multiplier + m.
 */
import type { Window2D } from '../geometry.js';
import { getBackend } from '../wasm.js';
import { FUSED_LINEAR, type FusedActivation } from './fused-activation.js';

/**
 * Operands of a depthwise convolution's kernel calls. A layer keeps one (from {@link depthwiseArgs})
 * and refills the pointers per call, so a step allocates nothing. Pointers are byte offsets.
 */
export interface DepthwiseArgs {
  window: Window2D;
  /** Output channels per input channel. */
  multiplier: number;
  batch: number;
  /** x [batch, inH, inW, inC]. */
  input: number;
  /** y [batch, outH, outW, inC·multiplier]. */
  output: number;
  kernel: number;
  /** inC·multiplier floats; 0 for none. */
  bias: number;
  /** Applied by the forward in its write-back. */
  activation: FusedActivation;
  /** dy, same shape as y. */
  gradOutput: number;
  /** dkernel, same shape as kernel (overwritten). */
  gradKernel: number;
  /** dx, same shape as x (overwritten). */
  gradInput: number;
}

/** A depthwise argument struct for `window` and `multiplier`, pointers 0. */
export function depthwiseArgs(window: Window2D, multiplier: number): DepthwiseArgs {
  return {
    window, multiplier, batch: 0, input: 0, output: 0, kernel: 0, bias: 0, activation: FUSED_LINEAR,
    gradOutput: 0, gradKernel: 0, gradInput: 0,
  };
}

/** output = activation(depthwise(input, kernel) + bias). */
export function depthwiseForward(d: DepthwiseArgs): void {
  const w = d.window;
  getBackend().kernels.depthwiseConv2dNHWC(d.input, d.kernel, d.bias, d.output, d.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, d.multiplier, d.activation.code, d.activation.alpha);
}

/** gradKernel = the kernel's gradient for input and gradOutput. */
export function depthwiseKernelGrad(d: DepthwiseArgs): void {
  const w = d.window;
  getBackend().kernels.depthwiseConv2dKernelGradNHWC(d.input, d.gradOutput, d.gradKernel, d.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, d.multiplier);
}

/** gradInput = the input's gradient for kernel and gradOutput. */
export function depthwiseInputGrad(d: DepthwiseArgs): void {
  const w = d.window;
  getBackend().kernels.depthwiseConv2dInputGradNHWC(d.gradOutput, d.kernel, d.gradInput, d.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, d.multiplier);
}
