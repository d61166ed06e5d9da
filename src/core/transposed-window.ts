/**
 * Geometry of a transposed 2-D convolution (Keras Conv2DTranspose): the output size by Keras's
 * rules, and the convolution it transposes, as the Window2D im2col/col2im take. That convolution
 * reads this layer's output (window.inH x window.inW x filters) and produces a map the size of this
 * layer's input (window.outH x window.outW), so forward is its input gradient and backward its forward.
 */
import type { Window2D } from './geometry.js';

/** Keras Conv2DTranspose's paddings (explicit pads are not part of its API). */
export type TransposePadding = 'valid' | 'same';

/**
 * Output length and leading pad along one axis, as Keras computes them (`deconv_output_length`,
 * and for the pad the convolution TF runs backwards: 'same' pads half the overhang at the top/left).
 * Without output padding: valid → size·stride + max(eff − stride, 0), same → size·stride; with it:
 * (size − 1)·stride + (valid ? eff : eff mod 2) + outputPadding, eff the dilated kernel extent.
 */
export function transposedAxis(size: number, k: number, stride: number, dilation: number, padding: TransposePadding,
  outputPadding: number | null): { out: number; pad: number } {
  const eff = (k - 1) * dilation + 1;
  const out = outputPadding === null
    ? (padding === 'valid' ? size * stride + Math.max(eff - stride, 0) : size * stride)
    : (size - 1) * stride + (padding === 'valid' ? eff : eff % 2) + outputPadding;
  const pad = padding === 'valid' ? 0 : Math.floor(Math.max((size - 1) * stride + eff - out, 0) / 2);
  return { out, pad };
}

/**
 * The convolution a transposed convolution over a per-sample input [H, W, C] transposes, for
 * `filters` output channels; throws naming `who` for a rank other than 3, a padding other than
 * 'valid'/'same' or an empty output.
 */
export function transposedWindow2D(inputShape: readonly number[], filters: number, kernel: [number, number], strides: [number, number],
  dilations: [number, number], padding: TransposePadding, outputPadding: [number, number] | null, who: string): Window2D {
  if (inputShape.length !== 3) {
    throw new RangeError(`${who}: expects rank-4 input [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
  }
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${who}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
  const [inH, inW] = inputShape;
  const h = transposedAxis(inH, kernel[0], strides[0], dilations[0], padding, outputPadding ? outputPadding[0] : null);
  const w = transposedAxis(inW, kernel[1], strides[1], dilations[1], padding, outputPadding ? outputPadding[1] : null);
  if (h.out < 1 || w.out < 1) throw new RangeError(`${who}: output size ${h.out}x${w.out} would be empty`);
  return {
    inH: h.out, inW: w.out, channels: filters, kh: kernel[0], kw: kernel[1], strideH: strides[0], strideW: strides[1],
    dilationH: dilations[0], dilationW: dilations[1], padTop: h.pad, padLeft: w.pad, outH: inH, outW: inW,
  };
}
