/**
 * Convolution kernels with named operands: im2col / col2im over a resolved window, and the direct
 * forward with its fused bias and activation. NHWC throughout; kernel [kh, kw, inC, filters].
 */
import type { Window2D } from '../geometry.js';
import { partsFor, runParts } from '../threads/parts.js';
import { getBackend, type Backend } from '../wasm.js';
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

// With a pool, each pass is split by images of the batch: an image's pixels are computed by the
// same instructions whichever thread runs it, so results are bit-identical for any thread count.

/** columns = the window's patches of input, one row per output pixel. */
export function im2col(c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'columns'>): void {
  const w = c.window;
  const b = getBackend();
  const parts = b.pool === null ? 1 : partsFor(b, c.batch * w.outH * w.outW * w.kh * w.kw * w.channels, c.batch);
  if (parts > 1) return runParts(b, 'im2colNHWC', parts, fillIm2col, c);
  b.kernels.im2colNHWC(c.input, c.columns, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW);
}

/** gradInput (+)= the column gradients scattered back to the pixels they were read from. */
export function col2im(c: Pick<ConvArgs, 'window' | 'batch' | 'columns' | 'gradInput' | 'accumulate'>): void {
  const w = c.window;
  const b = getBackend();
  const parts = b.pool === null ? 1 : partsFor(b, c.batch * w.outH * w.outW * w.kh * w.kw * w.channels, c.batch);
  if (parts > 1) return runParts(b, 'col2imNHWC', parts, fillCol2im, c);
  b.kernels.col2imNHWC(c.columns, c.gradInput, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, +c.accumulate);
}

/** output = activation(conv2d(input, kernel) + bias) without columns; filters must be a multiple of 4. */
export function conv2dDirect(c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'kernel' | 'bias' | 'output' | 'filters' | 'activation'>): void {
  const w = c.window;
  const b = getBackend();
  const parts = b.pool === null ? 1 : partsFor(b, c.batch * w.outH * w.outW * w.kh * w.kw * w.channels * c.filters, c.batch);
  if (parts > 1) return runParts(b, 'conv2dDirectNHWC', parts, fillDirect, c);
  b.kernels.conv2dDirectNHWC(c.input, c.kernel, c.bias, c.output, c.batch, w.inH, w.inW, w.channels, w.kh, w.kw,
    w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW, c.filters,
    c.activation.code, c.activation.alpha);
}

/** The window's sizes into args[from ..]: inH, inW, channels, kh, kw, strides, dilations, pads, outH, outW. */
function fillWindow(a: Float64Array, from: number, w: Window2D): void {
  a[from] = w.inH; a[from + 1] = w.inW; a[from + 2] = w.channels; a[from + 3] = w.kh; a[from + 4] = w.kw;
  a[from + 5] = w.strideH; a[from + 6] = w.strideW; a[from + 7] = w.dilationH; a[from + 8] = w.dilationW;
  a[from + 9] = w.padTop; a[from + 10] = w.padLeft; a[from + 11] = w.outH; a[from + 12] = w.outW;
}

/** First image of part `part` of `parts` over `batch`. */
const firstImage = (batch: number, part: number, parts: number): number => Math.floor(batch * part / parts);

function fillIm2col(a: Float64Array, part: number, parts: number, c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'columns'>, _b: Backend): void {
  const w = c.window;
  const lo = firstImage(c.batch, part, parts), hi = firstImage(c.batch, part + 1, parts);
  a[0] = c.input + 4 * lo * w.inH * w.inW * w.channels;
  a[1] = c.columns + 4 * lo * w.outH * w.outW * w.kh * w.kw * w.channels;
  a[2] = hi - lo;
  fillWindow(a, 3, w);
}

function fillCol2im(a: Float64Array, part: number, parts: number,
  c: Pick<ConvArgs, 'window' | 'batch' | 'columns' | 'gradInput' | 'accumulate'>, _b: Backend): void {
  const w = c.window;
  const lo = firstImage(c.batch, part, parts), hi = firstImage(c.batch, part + 1, parts);
  a[0] = c.columns + 4 * lo * w.outH * w.outW * w.kh * w.kw * w.channels;
  a[1] = c.gradInput + 4 * lo * w.inH * w.inW * w.channels;
  a[2] = hi - lo;
  fillWindow(a, 3, w);
  a[16] = +c.accumulate;
}

function fillDirect(a: Float64Array, part: number, parts: number,
  c: Pick<ConvArgs, 'window' | 'batch' | 'input' | 'kernel' | 'bias' | 'output' | 'filters' | 'activation'>, _b: Backend): void {
  const w = c.window;
  const lo = firstImage(c.batch, part, parts), hi = firstImage(c.batch, part + 1, parts);
  a[0] = c.input + 4 * lo * w.inH * w.inW * w.channels;
  a[1] = c.kernel; a[2] = c.bias;
  a[3] = c.output + 4 * lo * w.outH * w.outW * c.filters;
  a[4] = hi - lo;
  fillWindow(a, 5, w);
  a[18] = c.filters; a[19] = c.activation.code; a[20] = c.activation.alpha;
}
