/**
 * Zero padding and cropping of NHWC images with named operands: one placement kernel, whose
 * backward is the same placement with the offset negated.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of a padding or cropping layer's kernel calls. A layer keeps one (from
 * {@link padCropArgs}) and refills the pointers per call. Pointers are byte offsets.
 */
export interface PadCropArgs {
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  /** Output row of input row 0: the top padding, or minus the top crop. */
  readonly top: number;
  /** Output column of input column 0: the left padding, or minus the left crop. */
  readonly left: number;
  batch: number;
  /** x [batch, inH, inW, channels]. */
  input: number;
  /** y [batch, outH, outW, channels]; must not overlap x. */
  output: number;
  gradOutput: number;
  /** Same shape as x (overwritten); must not overlap gradOutput. */
  gradInput: number;
}

/**
 * The operands for a per-sample input [inH, inW, channels] framed by `rows` = [top, bottom] and
 * `cols` = [left, right]: positive entries pad, negative ones crop. Pointers 0.
 */
export function padCropArgs(input: readonly number[], rows: readonly [number, number], cols: readonly [number, number]): PadCropArgs {
  const [inH, inW, channels] = input;
  return {
    inH, inW, channels, outH: inH + rows[0] + rows[1], outW: inW + cols[0] + cols[1], top: rows[0], left: cols[0],
    batch: 0, input: 0, output: 0, gradOutput: 0, gradInput: 0,
  };
}

/** output = input placed in the output frame (zeros around it, or cut). */
export function padCropForward(p: PadCropArgs): void {
  getBackend().kernels.padCrop2dNHWC(p.input, p.output, p.batch, p.inH, p.inW, p.channels, p.outH, p.outW, p.top, p.left);
}

/** gradInput = gradOutput taken back to the input frame. */
export function padCropBackward(p: PadCropArgs): void {
  getBackend().kernels.padCrop2dNHWC(p.gradOutput, p.gradInput, p.batch, p.outH, p.outW, p.channels, p.inH, p.inW, -p.top, -p.left);
}
