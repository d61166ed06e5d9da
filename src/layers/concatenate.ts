/** Concatenate: joins inputs along any axis but the batch; all other axes must match. */
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type LayerArgs, type LayerCall } from './layer.js';

/** Arguments of {@link concatenate}. */
export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along, counting the batch as axis 0 (Keras); negative counts from the end. Default -1. */
  axis?: number;
}

/** Concatenation of inputs along one axis; all other axes must match. */
export class Concatenate extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Concatenate';
  /** Every option {@link concatenate} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'axis'];
  /** The axis as given (Keras numbering: batch is 0). */
  readonly axis: number;
  /** Floats each input holds per position before the axis (its size along the axis × the axes after it). */
  private runs: number[] = [];
  /** The same for the output: the sum of the runs. */
  private outputRun = 0;

  constructor(args: ConcatenateArgs = {}) {
    super(args, 'Concatenate');
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) {
      throw new RangeError(`${this.describe()}: axis must be a non-zero integer (0 is the batch axis), got ${axis}`);
    }
    this.axis = axis;
  }

  /** A Concatenate from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Concatenate {
    const axis = r.number('axis', -1);
    return construct(r, () => new Concatenate({ ...args, axis }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), axis: this.axis };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    if (inputShapes.length < 2) throw new Error(`${this.describe()}: needs at least 2 inputs, got ${inputShapes.length}`);
    const first = inputShapes[0];
    const rank = first.length;
    const at = this.axis > 0 ? this.axis - 1 : rank + this.axis;
    if (at < 0 || at >= rank) {
      throw new RangeError(`${this.describe()}: axis ${this.axis} is out of range for inputs of shape [N, ${first.join(', ')}]`);
    }
    let joined = 0;
    inputShapes.forEach((s, i) => {
      if (s.length !== rank || s.some((d, j) => j !== at && d !== first[j])) {
        throw new RangeError(`${this.describe()}: inputs must match in all but axis ${this.axis}; input 0 is ${formatShape(first)}, input ${i} is ${formatShape(s)}`);
      }
      joined += s[at];
    });
    const inner = first.slice(at + 1).reduce((a, d) => a * d, 1);
    this.runs = inputShapes.map((s) => s[at] * inner);
    this.outputRun = joined * inner;
    return first.map((d, j) => (j === at ? joined : d));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const k = this.backend.kernels;
    const total = this.outputRun;
    const outer = (n * this.outputSize) / total;
    let offset = 0;
    for (let i = 0; i < inputs.length; i++) {
      const run = this.runs[i];
      k.concatChannels(inputs[i], output, outer, run, total, offset);
      offset += run;
    }
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    const k = this.backend.kernels;
    const total = this.outputRun;
    const outer = (n * this.outputSize) / total;
    let offset = 0;
    for (let i = 0; i < gradInputs.length; i++) {
      const run = this.runs[i];
      if (gradInputs[i] !== 0) k.splitChannels(gradOutput, gradInputs[i], outer, run, total, offset, 0);
      offset += run;
    }
  }
}

/** Concatenation along `axis`, the last by default (tfjs `tf.layers.concatenate`). */
export function concatenate(args: ConcatenateArgs = {}): Concatenate {
  return new Concatenate(args);
}
