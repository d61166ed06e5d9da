/** Flatten and Reshape: the values are unchanged, only the per-sample shape differs. */
import { shapeSize } from '../core/tensor.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readChannelsLast } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs, type LayerCall } from './layer.js';

/** Base of layers whose output is their input with another shape. */
abstract class ShapeOnly extends Layer {
  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    copyFloats(inputs[0], output, n * this.outputSize);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
  }
}

/** Flattens each sample to a vector. */
export class Flatten extends ShapeOnly {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Flatten';
  /** Every option {@link flatten} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Flatten');
  }

  /** A Flatten from its Keras config (channels_last only). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Flatten {
    readChannelsLast(r);
    return construct(r, () => new Flatten(args));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [shapeSize(this.singleInput(inputShapes))];
  }
}

/** Arguments of {@link reshape}. */
export interface ReshapeArgs extends LayerArgs {
  /** Per-sample target shape; one entry may be -1. */
  targetShape: number[];
}

/** Gives each sample a new shape of the same size. */
export class Reshape extends ShapeOnly {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Reshape';
  /** Every option {@link reshape} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'targetShape'];
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args, 'Reshape');
    if (!Array.isArray(args.targetShape) || args.targetShape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) ||
      args.targetShape.filter((d) => d === -1).length > 1) {
      throw new RangeError(`${this.describe()}: targetShape must be positive integers with at most one -1, got ${JSON.stringify(args.targetShape)}`);
    }
    this.targetShape = [...args.targetShape];
  }

  /** A Reshape from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Reshape {
    const targetShape = r.intList('target_shape', -1);
    return construct(r, () => new Reshape({ ...args, targetShape }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), target_shape: [...this.targetShape] };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const size = shapeSize(this.singleInput(inputShapes));
    const known = this.targetShape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const shape = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (shapeSize(shape) !== size || shape.some((d) => !Number.isInteger(d))) {
      throw new RangeError(`${this.describe()}: cannot reshape [${inputShapes[0].join(', ')}] (${size} values) to [${this.targetShape.join(', ')}]`);
    }
    return shape;
  }
}

/** Flattens each sample to a vector (tfjs `tf.layers.flatten`). */
export function flatten(args: LayerArgs = {}): Flatten {
  return new Flatten(args);
}

/** Gives each sample a new shape of the same size (tfjs `tf.layers.reshape`). */
export function reshape(args: ReshapeArgs): Reshape {
  return new Reshape(args);
}
