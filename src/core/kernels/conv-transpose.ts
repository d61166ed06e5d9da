/**
 * Transposed convolution (Keras Conv2DTranspose) with named operands, NHWC, kernel
 * [kh, kw, filters, inC] viewed as W [kh·kw·filters, inC], whose row (ky·kw + kx)·filters + f is
 * the column order of im2col over the output. It is the adjoint of the convolution in `window`
 * (see transposed-window.ts), so it runs that convolution's passes in the other order:
 *   forward      columns[M, K] = x · Wᵀ, then y = col2im(columns) + bias
 *   backward     columns = im2col(dy); dW[K, inC] = columnsᵀ · x; dx[M, inC] = columns · W; dbias = Σ dy
 * where M = batch·H·W (input pixels) and K = kh·kw·filters.
 */
import type { Window2D } from '../geometry.js';
import { getBackend } from '../wasm.js';
import { col2im, convArgs, im2col, type ConvArgs } from './conv.js';
import { gemm, gemmArgs, type GemmArgs } from './gemm.js';

/**
 * Operands of a transposed convolution's kernel calls. A layer keeps one (from
 * {@link convTransposeArgs}) and refills the pointers per call, so a step allocates nothing.
 * Pointers are byte offsets into wasm memory.
 */
export interface ConvTransposeArgs {
  /** The convolution this one transposes: its input is y, its output grid is x's. */
  readonly window: Window2D;
  /** Channels of x. */
  readonly inChannels: number;
  /** Samples in the batch. */
  batch: number;
  /** x [batch, window.outH, window.outW, inChannels]. */
  input: number;
  /** y [batch, window.inH, window.inW, filters]. */
  output: number;
  /** [kh, kw, filters, inChannels]. */
  kernel: number;
  /** filters floats; 0 for none. */
  bias: number;
  /** [batch·window.outH·window.outW, kh·kw·filters]. */
  columns: number;
  /** dy, same shape as y. */
  gradOutput: number;
  /** dx, same shape as x (overwritten); 0 when not needed. */
  gradInput: number;
  /** dkernel (overwritten). */
  gradKernel: number;
  /** dbias (overwritten); 0 for none. */
  gradBias: number;
  /** The three GEMMs' and the im2col/col2im operands, refilled per call. */
  readonly gemms: { columns: GemmArgs; kernelGrad: GemmArgs; inputGrad: GemmArgs };
  readonly conv: ConvArgs;
}

/** A transposed-convolution struct for `window` over `inChannels` input channels, pointers 0. */
export function convTransposeArgs(window: Window2D, inChannels: number): ConvTransposeArgs {
  return {
    window, inChannels, batch: 0, input: 0, output: 0, kernel: 0, bias: 0, columns: 0,
    gradOutput: 0, gradInput: 0, gradKernel: 0, gradBias: 0,
    gemms: { columns: gemmArgs({ transposeB: true }), kernelGrad: gemmArgs({ transposeA: true }), inputGrad: gemmArgs() },
    conv: convArgs(window),
  };
}

/** Floats of the column buffer for `batch` samples. */
export function convTransposeColumnFloats(window: Window2D, batch: number): number {
  return batch * window.outH * window.outW * patch(window);
}

/** Input pixels of a call: the GEMMs' M. */
function pixels(a: ConvTransposeArgs): number {
  return a.batch * a.window.outH * a.window.outW;
}

/** Width of a column row: the GEMMs' K. */
function patch(w: Window2D): number {
  return w.kh * w.kw * w.channels;
}

/** y = conv2dTranspose(x, kernel) + bias (the activation is the caller's). */
export function convTransposeForward(a: ConvTransposeArgs): void {
  const g = a.gemms.columns;
  g.m = pixels(a); g.n = patch(a.window); g.k = a.inChannels; g.a = a.input; g.b = a.kernel; g.c = a.columns;
  gemm(g);
  const w = a.window, c = a.conv;
  c.batch = a.batch; c.columns = a.columns; c.gradInput = a.output; c.accumulate = false;
  col2im(c);
  if (a.bias) {
    const rows = a.batch * w.inH * w.inW;
    getBackend().kernels.addRowVector(a.output, a.bias, a.output, rows, w.channels);
  }
}

/** Gradients of kernel, bias (when given) and input (when given) from gradOutput and the input. */
export function convTransposeBackward(a: ConvTransposeArgs): void {
  const m = pixels(a), k = patch(a.window);
  const w = a.window, c = a.conv;
  c.batch = a.batch; c.input = a.gradOutput; c.columns = a.columns;
  im2col(c);
  const gk = a.gemms.kernelGrad;
  gk.m = k; gk.n = a.inChannels; gk.k = m; gk.a = a.columns; gk.b = a.input; gk.c = a.gradKernel;
  gemm(gk);
  if (a.gradBias) getBackend().kernels.sumRows(a.gradOutput, a.gradBias, a.batch * w.inH * w.inW, w.channels, 0);
  if (!a.gradInput) return;
  const gx = a.gemms.inputGrad;
  gx.m = m; gx.n = a.inChannels; gx.k = k; gx.a = a.columns; gx.b = a.kernel; gx.c = a.gradInput;
  gemm(gx);
}
