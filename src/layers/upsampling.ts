/**
 * UpSampling2D (Keras/TF.js) over NHWC images by integer factors, nearest or bilinear.
 *
 * Bilinear follows TF.js's `tf.image.resizeBilinear` (align corners off, samples at o/s) by
 * default. Keras 3 and tf.keras under TF 2 resize with half-pixel centres, at (o + ½)/s − ½:
 * `halfPixelCenters: true` computes that, a config carrying Keras 3's dtype object is read so,
 * and such a layer saves with that dtype object. Nearest is the same under both conventions for
 * integer factors.
 */
import { checkBoolean, checkChoice } from '../core/checks.js';
import { upsampleArgs, upsampleBackward, upsampleForward, type UpsampleArgs } from '../core/kernels/upsample.js';
import { pair } from '../core/geometry.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, isKeras3Config, keras3Dtype, readChannelsLast, readChoice } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall } from './layer.js';

/** How {@link upSampling2d} fills the new pixels. */
export type UpSamplingInterpolation = 'nearest' | 'bilinear';

const INTERPOLATIONS: readonly UpSamplingInterpolation[] = ['nearest', 'bilinear'];

/** Arguments of {@link upSampling2d}, as tfjs-layers. */
export interface UpSampling2DArgs extends LayerArgs {
  /** Integer factors for rows and columns; default [2, 2]. */
  size?: number | [number, number];
  /** Default 'nearest'. */
  interpolation?: UpSamplingInterpolation;
  /**
   * Bilinear only: sample at half-pixel centres, (o + ½)/s − ½, as Keras 3 and TF 2's
   * `tf.image.resize` do (TF.js's `resizeBilinear` argument of that name). Default false: o/s, as
   * TF.js's UpSampling2D.
   */
  halfPixelCenters?: boolean;
}

/** Repeats (nearest) or interpolates (bilinear) each NHWC image to size·[height, width]. */
export class UpSampling2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'UpSampling2D';
  /** Every option {@link upSampling2d} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'size', 'interpolation', 'halfPixelCenters'];
  readonly size: [number, number];
  readonly interpolation: UpSamplingInterpolation;
  readonly halfPixelCenters: boolean;
  /** The kernels' operands, refilled per call. */
  private op!: UpsampleArgs;

  constructor(args: UpSampling2DArgs = {}) {
    super(args, 'UpSampling2D');
    const who = this.describe();
    this.size = pair(args.size, 2, who, 'size');
    this.interpolation = checkChoice(args.interpolation ?? 'nearest', who, 'interpolation', INTERPOLATIONS);
    this.halfPixelCenters = checkBoolean(args.halfPixelCenters ?? false, who, 'halfPixelCenters');
    if (this.halfPixelCenters && this.interpolation !== 'bilinear') {
      throw new RangeError(`${who}: halfPixelCenters applies to interpolation 'bilinear' only (nearest is the same either way for integer sizes), got interpolation '${this.interpolation}'`);
    }
  }

  /**
   * An UpSampling2D from its Keras config (channels_last only). Bilinear is read with half-pixel
   * centres from a Keras 3 config (its dtype is an object), as TF.js computes it otherwise.
   */
  static fromConfig(r: ConfigReader, args: LayerArgs): UpSampling2D {
    const size = r.pair('size', 2);
    const interpolation = readChoice(r, 'interpolation', INTERPOLATIONS, 'nearest');
    readChannelsLast(r);
    const halfPixelCenters = interpolation === 'bilinear' && isKeras3Config(r);
    return construct(r, () => new UpSampling2D({ ...args, size, interpolation, halfPixelCenters }));
  }

  override getConfig(): JSONObject {
    return {
      ...super.getConfig(), size: [...this.size], data_format: 'channels_last', interpolation: this.interpolation,
      ...(this.halfPixelCenters ? { dtype: keras3Dtype() } : {}),
    };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 3) throw new RangeError(`${this.describe()}: expects rank-4 input [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
    this.op = upsampleArgs(shape, this.size, this.interpolation === 'bilinear', this.halfPixelCenters);
    return [shape[0] * this.size[0], shape[1] * this.size[1], shape[2]];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const op = this.op;
    op.batch = n; op.input = call.inputs[0]; op.output = call.output;
    upsampleForward(op);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const op = this.op;
    op.batch = n; op.gradOutput = call.gradOutput; op.gradInput = call.gradInputs[0];
    upsampleBackward(op);
  }
}

/** Upsamples each image by integer factors (tfjs `tf.layers.upSampling2d`). */
export function upSampling2d(args: UpSampling2DArgs = {}): UpSampling2D {
  return new UpSampling2D(args);
}
