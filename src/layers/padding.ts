/**
 * ZeroPadding2D and Cropping2D over NHWC images (Keras/TF.js names and defaults): the image put
 * in a larger frame of zeros, or cut to a smaller one. Both are one placement kernel; the
 * backward of a pad is a crop of the gradient and the other way round.
 */
import { describeValue } from '../core/checks.js';
import { padCropArgs, padCropBackward, padCropForward, type PadCropArgs } from '../core/kernels/pad-crop.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readChannelsLast } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall } from './layer.js';

/** Rows and columns to add or remove, in Keras's three forms: n (all four sides), [rows, cols] (both sides of each), or [[top, bottom], [left, right]]. */
export type Frame2D = number | [number, number] | [[number, number], [number, number]];

/** [[top, bottom], [left, right]] from any {@link Frame2D} of non-negative integers; throws naming `who` and `arg`. */
export function readFrame(value: unknown, who: string, arg: string): [[number, number], [number, number]] {
  const count = (d: unknown): boolean => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;
  const both = (p: unknown): boolean => Array.isArray(p) && p.length === 2 && p.every(count);
  if (count(value)) return [[value as number, value as number], [value as number, value as number]];
  if (both(value)) { const [h, w] = value as [number, number]; return [[h, h], [w, w]]; }
  if (Array.isArray(value) && value.length === 2 && value.every(both)) {
    const [[t, b], [l, r]] = value as [[number, number], [number, number]];
    return [[t, b], [l, r]];
  }
  throw new RangeError(`${who}: ${arg} must be an integer ≥ 0, [height, width] or [[top, bottom], [left, right]] of them, got ${describeValue(value)}`);
}

/** Base of the two: input [h, w, c] → [h + top + bottom, w + left + right, c] with signed amounts (negative crops). */
abstract class Frame2DLayer extends Layer {
  /** The kernel's operands, refilled per call. */
  private op!: PadCropArgs;

  /** Signed [[top, bottom], [left, right]]: added rows and columns, negative where removed. */
  protected abstract signedFrame(): [[number, number], [number, number]];

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 3) throw new RangeError(`${this.describe()}: expects rank-4 input [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
    const [rows, cols] = this.signedFrame();
    const op = padCropArgs(shape, rows, cols);
    if (op.outH < 1 || op.outW < 1) {
      throw new RangeError(`${this.describe()}: cropping ${JSON.stringify(rows.map((d) => -d))} rows and ${JSON.stringify(cols.map((d) => -d))} columns ` +
        `leaves nothing of the ${shape[0]}x${shape[1]} input (output ${op.outH}x${op.outW})`);
    }
    this.op = op;
    return [op.outH, op.outW, shape[2]];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const op = this.op;
    op.batch = n; op.input = call.inputs[0]; op.output = call.output;
    padCropForward(op);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const op = this.op;
    op.batch = n; op.gradOutput = call.gradOutput; op.gradInput = call.gradInputs[0];
    padCropBackward(op);
  }
}

/** Arguments of {@link zeroPadding2d}, as tfjs-layers. */
export interface ZeroPadding2DArgs extends LayerArgs {
  /** Rows and columns of zeros to add; default 1 on every side (Keras). */
  padding?: Frame2D;
}

/** Adds rows and columns of zeros around each NHWC image. */
export class ZeroPadding2D extends Frame2DLayer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'ZeroPadding2D';
  /** Every option {@link zeroPadding2d} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'padding'];
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'ZeroPadding2D');
    this.padding = readFrame(args.padding ?? 1, this.describe(), 'padding');
  }

  /** A ZeroPadding2D from its Keras config (channels_last only). */
  static fromConfig(r: ConfigReader, args: LayerArgs): ZeroPadding2D {
    const padding = r.raw('padding') as Frame2D | undefined;
    readChannelsLast(r);
    return construct(r, () => new ZeroPadding2D({ ...args, padding }));
  }

  override getConfig(): JSONObject {
    const [[t, b], [l, r]] = this.padding;
    return { ...super.getConfig(), padding: [[t, b], [l, r]], data_format: 'channels_last' };
  }

  protected signedFrame(): [[number, number], [number, number]] {
    return this.padding;
  }
}

/** Arguments of {@link cropping2d}, as tfjs-layers. */
export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to remove; default 0 (Keras; TF.js requires it). */
  cropping?: Frame2D;
}

/** Removes rows and columns from the edges of each NHWC image. */
export class Cropping2D extends Frame2DLayer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Cropping2D';
  /** Every option {@link cropping2d} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'cropping'];
  /** [[top, bottom], [left, right]]. */
  readonly cropping: [[number, number], [number, number]];

  constructor(args: Cropping2DArgs = {}) {
    super(args, 'Cropping2D');
    this.cropping = readFrame(args.cropping ?? 0, this.describe(), 'cropping');
  }

  /** A Cropping2D from its Keras config (channels_last only). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Cropping2D {
    const cropping = r.raw('cropping') as Frame2D | undefined;
    readChannelsLast(r);
    return construct(r, () => new Cropping2D({ ...args, cropping }));
  }

  override getConfig(): JSONObject {
    const [[t, b], [l, r]] = this.cropping;
    return { ...super.getConfig(), cropping: [[t, b], [l, r]], data_format: 'channels_last' };
  }

  protected signedFrame(): [[number, number], [number, number]] {
    const [[t, b], [l, r]] = this.cropping;
    return [[-t, -b], [-l, -r]];
  }
}

/** Adds rows and columns of zeros around each image (tfjs `tf.layers.zeroPadding2d`). */
export function zeroPadding2d(args: ZeroPadding2DArgs = {}): ZeroPadding2D {
  return new ZeroPadding2D(args);
}

/** Removes rows and columns from the edges of each image (tfjs `tf.layers.cropping2d`). */
export function cropping2d(args: Cropping2DArgs = {}): Cropping2D {
  return new Cropping2D(args);
}

/** TF.js's spelling of {@link cropping2d} (`tf.layers.cropping2D`). */
export const cropping2D: (args?: Cropping2DArgs) => Cropping2D = cropping2d;
