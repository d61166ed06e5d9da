/**
 * Window geometry shared by convolution and pooling (layers and ops): tfjs padding rules turned
 * into the kernels' top/left pads and output sizes, with the errors for impossible windows.
 */

/** 'valid', 'same', or explicit [[top, bottom], [left, right]]. */
export type Padding = 'valid' | 'same' | [[number, number], [number, number]];

/** One window configuration over an NHWC input. */
export interface Window2D {
  inH: number; inW: number; channels: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  dilationH: number; dilationW: number;
  padTop: number; padLeft: number;
  outH: number; outW: number;
}

/** A pair from a number or a [h, w] list, checked to be positive integers. */
export function pair(value: number | number[] | undefined, fallback: number | number[], who: string, arg: string): [number, number] {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${who}: ${arg} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [p[0], p[1]];
}

function checkPadding(padding: Padding, who: string): void {
  if (padding === 'valid' || padding === 'same') return;
  const ok = Array.isArray(padding) && padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((d) => Number.isInteger(d) && d >= 0));
  if (!ok) throw new RangeError(`${who}: padding must be 'valid', 'same' or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(padding)}`);
}

function axis(size: number, k: number, stride: number, dilation: number, padding: Padding, which: 0 | 1): { out: number; pad: number; padded: number } {
  const effective = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - effective) / stride) + 1, pad: 0, padded: size };
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effective - size, 0);
    return { out, pad: Math.floor(total / 2), padded: size + total };
  }
  const [before, after] = padding[which];
  return { out: Math.floor((size + before + after - effective) / stride) + 1, pad: before, padded: size + before + after };
}

/**
 * Resolves the window over a per-sample input [H, W, C]; throws naming `who` when the input is
 * not rank 3, or the (dilated) kernel does not fit the padded input.
 */
export function window2D(inputShape: readonly number[], kernel: [number, number], strides: [number, number],
  dilations: [number, number], padding: Padding, who: string): Window2D {
  if (inputShape.length !== 3) {
    throw new RangeError(`${who}: expects rank-4 input [batch, height, width, channels], got [batch, ${inputShape.join(', ')}]`);
  }
  checkPadding(padding, who);
  const [inH, inW, channels] = inputShape;
  const h = axis(inH, kernel[0], strides[0], dilations[0], padding, 0);
  const w = axis(inW, kernel[1], strides[1], dilations[1], padding, 1);
  const effH = (kernel[0] - 1) * dilations[0] + 1;
  const effW = (kernel[1] - 1) * dilations[1] + 1;
  if (effH > h.padded || effW > w.padded) {
    throw new RangeError(`${who}: the ${effH}x${effW} window (kernel ${kernel[0]}x${kernel[1]}, dilation ${dilations.join('x')}) is larger than the padded ${h.padded}x${w.padded} input`);
  }
  if (h.out < 1 || w.out < 1) throw new RangeError(`${who}: output size ${h.out}x${w.out} would be empty`);
  return {
    inH, inW, channels, kh: kernel[0], kw: kernel[1], strideH: strides[0], strideW: strides[1],
    dilationH: dilations[0], dilationW: dilations[1], padTop: h.pad, padLeft: w.pad, outH: h.out, outW: w.out,
  };
}
