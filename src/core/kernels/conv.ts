/**
 * Convolution kernels with named operands: im2col / col2im over a resolved window, and the direct
 * forward with its fused bias and activation. NHWC throughout; kernel [kh, kw, inC, filters].
 */
import type { Window2D } from '../geometry.js';
import { getBackend } from '../wasm.js';
import { FUSED_LINEAR, type FusedActivation } from './fused-activation.js';

/**
 * Operands of a convolution's kernel calls. A layer keeps one (from {@link convArgs}) and refills
 * the pointers per call, so a step allocates nothing. Pointers are byte offsets into wasm memory.
 */
export interface ConvArgs {
  window: Window2D;
  /** Samples in the batch. */
  batch: number;
  /** x [batch, inH, inW, inC]. */
  input: number;
  /** y [batch, outH, outW, filters]. */
  output: number;
  kernel: number;
  /** filters floats; 0 for none. */
  bias: number;
  filters: number;
  /** Patch columns [batch·outH·outW, kh·kw·inC]. */
  columns: number;
  /** dx, same shape as x. */
  gradInput: number;
  /** Add into gradInput instead of overwriting it. */
  accumulate: boolean;
  /** Applied by the direct forward in its write-back. */
  activation: FusedActivation;
}

/** A convolution argument struct for `window`, pointers 0. */
export function convArgs(window: Window2D): ConvArgs {
  return {
    window, batch: 0, input: 0, output: 0, kernel: 0, bias: 0, filters: 0, columns: 0,
    gradInput: 0, accumulate: false, activation: FUSED_LINEAR,
  };
}

/** columns = the window's patches of input, one row per output pixel. */
export function im2col(c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'columns'>): void {
  const w = c.window;
  getBackend().kernels.im2colNHWC(c.input, c.columns, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW);
}

/** gradInput (+)= the column gradients scattered back to the pixels they were read from. */
export function col2im(c: Pick<ConvArgs, 'window' | 'batch' | 'columns' | 'gradInput' | 'accumulate'>): void {
  const w = c.window;
  getBackend().kernels.col2imNHWC(c.columns, c.gradInput, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, +c.accumulate);
}

/** output = activation(conv2d(input, kernel) + bias) without columns; filters must be a multiple of 4. */
export function conv2dDirect(c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'kernel' | 'bias' | 'output' | 'filters' | 'activation'>): void {
  const w = c.window;
  getBackend().kernels.conv2dDirectNHWC(c.input, c.kernel, c.bias, c.output, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, c.filters,
    c.activation.code, c.activation.alpha);
}
