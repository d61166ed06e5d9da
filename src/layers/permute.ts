/**
 * Permute (Keras/TF.js): reorders the axes of each sample, `dims` being a 1-based permutation of
 * the axes after the batch. A strided copy forward, the inverse permutation backward.
 */
import { describeValue } from '../core/checks.js';
import { permuteBackward, permuteCopyArgs, permuteForward, type PermuteCopyArgs } from '../core/kernels/permute.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall } from './layer.js';

/** Axes besides the batch a Permute takes at most (the kernel's five). */
const MAX_AXES = 5;

/** Arguments of {@link permute}, as tfjs-layers. */
export interface PermuteArgs extends LayerArgs {
  /** Output axis i + 1 is input axis dims[i]: a permutation of 1..k for a k-axis sample (1 ≤ k ≤ 5), e.g. [2, 1] swaps the two. */
  dims: number[];
}

/** Reorders the axes of each sample. */
export class Permute extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Permute';
  /** Every option {@link permute} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'dims'];
  /** 1-based, as given. */
  readonly dims: number[];
  /** The kernel's operands, refilled per call. */
  private op!: PermuteCopyArgs;

  constructor(args: PermuteArgs) {
    super(args, 'Permute');
    const dims: unknown = args.dims;
    const valid = Array.isArray(dims) && dims.length >= 1 && dims.length <= MAX_AXES &&
      [...dims].sort((a, b) => a - b).every((d, i) => d === i + 1);
    if (!valid) {
      throw new RangeError(`${this.describe()}: dims must be a permutation of 1..k (1 ≤ k ≤ ${MAX_AXES}: the axes after the batch, counted from 1), got ${describeValue(dims)}`);
    }
    this.dims = [...(dims as number[])];
  }

  /** A Permute from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Permute {
    const dims = r.intList('dims', 1);
    return construct(r, () => new Permute({ ...args, dims }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), dims: [...this.dims] };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== this.dims.length) {
      throw new RangeError(`${this.describe()}: dims ${JSON.stringify(this.dims)} permute ${this.dims.length} axes, ` +
        `but the input [batch, ${shape.join(', ')}] has ${shape.length} besides the batch`);
    }
    const perm = this.dims.map((d) => d - 1);
    this.op = permuteCopyArgs(shape, perm);
    return perm.map((a) => shape[a]);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const op = this.op;
    op.batch = n; op.input = call.inputs[0]; op.output = call.output;
    permuteForward(op);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const op = this.op;
    op.batch = n; op.gradOutput = call.gradOutput; op.gradInput = call.gradInputs[0];
    permuteBackward(op);
  }
}

/** Reorders the axes of each sample (tfjs `tf.layers.permute`). */
export function permute(args: PermuteArgs): Permute {
  return new Permute(args);
}
