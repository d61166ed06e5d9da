/**
 * RepeatVector (Keras/TF.js): [batch, features] → [batch, n, features], each sample's vector
 * repeated n times. Forward is the nearest-upsampling kernel on a 1x1 image (n x 1 factors);
 * backward sums the n copies' gradients.
 */
import { checkPositiveInteger } from '../core/checks.js';
import { upsampleArgs, upsampleBackward, upsampleForward, type UpsampleArgs } from '../core/kernels/upsample.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall } from './layer.js';

/** Arguments of {@link repeatVector}, as tfjs-layers. */
export interface RepeatVectorArgs extends LayerArgs {
  /** How many times the vector is repeated (a positive integer). */
  n: number;
}

/** Repeats each sample's vector n times: [batch, features] → [batch, n, features]. */
export class RepeatVector extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'RepeatVector';
  /** Every option {@link repeatVector} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'n'];
  readonly n: number;
  /** The kernel's operands, refilled per call. */
  private op!: UpsampleArgs;

  constructor(args: RepeatVectorArgs) {
    super(args, 'RepeatVector');
    this.n = checkPositiveInteger(args.n, this.describe(), 'n');
  }

  /** A RepeatVector from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): RepeatVector {
    const n = r.positiveInt('n');
    return construct(r, () => new RepeatVector({ ...args, n }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), n: this.n };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 1) throw new RangeError(`${this.describe()}: expects rank-2 input [batch, features], got [batch, ${shape.join(', ')}]`);
    this.op = upsampleArgs([1, 1, shape[0]], [this.n, 1]);
    return [this.n, shape[0]];
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

/** Repeats each sample's vector n times (tfjs `tf.layers.repeatVector`). */
export function repeatVector(args: RepeatVectorArgs): RepeatVector {
  return new RepeatVector(args);
}
