/**
 * Image augmentation kernels with named operands over a batch of NHWC images; each sample's
 * transform is given by its parameters in wasm memory. Pointers are byte offsets.
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of an augmentation layer's kernel calls. A layer keeps one (from
 * {@link imageBatchArgs}) and refills it per call, so a step allocates nothing.
 */
export interface ImageBatchArgs {
  batch: number;
  height: number;
  width: number;
  channels: number;
  input: number;
  /** Same shape as input; must not overlap it. */
  output: number;
  gradOutput: number;
  /** Same shape as gradOutput; must not overlap it. */
  gradInput: number;
  /** Per sample: flip flags (i32, bit 0 left↔right, bit 1 up↔down) or an affine map (6 f32). */
  params: number;
  /** Affine: 0 bilinear, 1 nearest. */
  interpolation: number;
  /** Affine: 0 reflect, 1 constant, 2 nearest, 3 wrap. */
  fillMode: number;
  /** Affine, fillMode constant: the value outside the image. */
  fillValue: number;
  /** Add into gradInput instead of overwriting it (affine backward). */
  accumulate: boolean;
}

/** An image-batch struct with every size and pointer 0. */
export function imageBatchArgs(): ImageBatchArgs {
  return {
    batch: 0, height: 0, width: 0, channels: 0, input: 0, output: 0, gradOutput: 0, gradInput: 0,
    params: 0, interpolation: 0, fillMode: 0, fillValue: 0, accumulate: false,
  };
}

/** output = input with each sample flipped as its flags say. */
export function flipImages(a: ImageBatchArgs): void {
  getBackend().kernels.augmentFlip(a.input, a.output, a.batch, a.height, a.width, a.channels, a.params);
}

/** gradInput = gradOutput flipped back: a flip is its own adjoint. */
export function flipImagesBackward(a: ImageBatchArgs): void {
  getBackend().kernels.augmentFlip(a.gradOutput, a.gradInput, a.batch, a.height, a.width, a.channels, a.params);
}

/** output = input resampled through each sample's affine map. */
export function affineImages(a: ImageBatchArgs): void {
  getBackend().kernels.augmentAffine(a.input, a.output, a.batch, a.height, a.width, a.channels, a.params,
    a.interpolation, a.fillMode, a.fillValue);
}

/** gradInput (+)= the adjoint of the resampling applied to gradOutput. */
export function affineImagesBackward(a: ImageBatchArgs): void {
  getBackend().kernels.augmentAffineBackward(a.gradOutput, a.gradInput, a.batch, a.height, a.width, a.channels, a.params,
    a.interpolation, a.fillMode, +a.accumulate);
}
