/**
 * Upsampling of NHWC images by integer factors (nearest or bilinear) with named operands;
 * RepeatVector is nearest upsampling of a 1x1 image.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of an upsampling layer's kernel calls. A layer keeps one (from {@link upsampleArgs})
 * and refills the pointers per call. Pointers are byte offsets.
 */
export interface UpsampleArgs {
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  /** Integer factors: output [inH·sizeH, inW·sizeW, channels]. */
  readonly sizeH: number;
  readonly sizeW: number;
  readonly bilinear: boolean;
  /** Bilinear only: sample at (o + ½)/s − ½ (TF 2, Keras 3) instead of o/s (TF.js). */
  readonly halfPixelCenters: boolean;
  batch: number;
  input: number;
  /** Must not overlap input. */
  output: number;
  gradOutput: number;
  /** Overwritten; must not overlap gradOutput. */
  gradInput: number;
}

/** The operands for a per-sample input [inH, inW, channels] upsampled by `size`, pointers 0. */
export function upsampleArgs(input: readonly number[], size: readonly [number, number], bilinear = false, halfPixelCenters = false): UpsampleArgs {
  const [inH, inW, channels] = input;
  return {
    inH, inW, channels, sizeH: size[0], sizeW: size[1], bilinear, halfPixelCenters,
    batch: 0, input: 0, output: 0, gradOutput: 0, gradInput: 0,
  };
}

/** output = input upsampled. */
export function upsampleForward(u: UpsampleArgs): void {
  const k = getBackend().kernels;
  if (u.bilinear) k.upsampleBilinearNHWC(u.input, u.output, u.batch, u.inH, u.inW, u.channels, u.sizeH, u.sizeW, +u.halfPixelCenters);
  else k.upsampleNearestNHWC(u.input, u.output, u.batch, u.inH, u.inW, u.channels, u.sizeH, u.sizeW);
}

/** gradInput = the input's gradient for gradOutput. */
export function upsampleBackward(u: UpsampleArgs): void {
  const k = getBackend().kernels;
  if (u.bilinear) k.upsampleBilinearGradNHWC(u.gradOutput, u.gradInput, u.batch, u.inH, u.inW, u.channels, u.sizeH, u.sizeW, +u.halfPixelCenters);
  else k.upsampleNearestGradNHWC(u.gradOutput, u.gradInput, u.batch, u.inH, u.inW, u.channels, u.sizeH, u.sizeW);
}
