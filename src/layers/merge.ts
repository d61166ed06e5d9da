/** Joins of branches: element-wise Add (residual connections) and Concatenate over channels. */
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, isLastAxis } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, formatShape, type LayerArgs } from './layer.js';

/** Element-wise sum of two or more inputs of one shape (residual joins). */
export class Add extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Add';
  /** Every option {@link add} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Add');
  }

  /** An Add from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Add {
    return construct(r, () => new Add(args));
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    if (inputShapes.length < 2) throw new Error(`${this.describe()}: needs at least 2 inputs, got ${inputShapes.length}`);
    const first = inputShapes[0];
    inputShapes.forEach((s, i) => {
      if (s.length !== first.length || s.some((d, j) => d !== first[j])) {
        throw new RangeError(`${this.describe()}: all inputs must have the same shape; input 0 is ${formatShape(first)}, input ${i} is ${formatShape(s)}`);
      }
    });
    return [...first];
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number): void {
    const k = this.backend.kernels;
    const count = n * this.outputSize;
    k.addArrays(inputs[0], inputs[1], output, count);
    for (let i = 2; i < inputs.length; i++) k.addArrays(output, inputs[i], output, count);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    for (let i = 0; i < gradInputs.length; i++) {
      if (gradInputs[i] !== 0) copyFloats(gradOutput, gradInputs[i], n * this.outputSize);
    }
  }
}

/** Arguments of {@link concatenate}. */
export interface ConcatenateArgs extends LayerArgs {
  /** Only the last axis is supported: -1 (default) or its index. */
  axis?: number;
}

/** Concatenation of inputs along the channel (last) axis. */
export class Concatenate extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Concatenate';
  /** Every option {@link concatenate} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'axis'];
  /** The joined axis as given (-1 or the last axis's index, checked at build). */
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args, 'Concatenate');
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new RangeError(`${this.describe()}: axis must be an integer, got ${this.axis}`);
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
    if (!isLastAxis(this.axis, inputShapes[0].length)) {
      throw new RangeError(`${this.describe()}: axis ${this.axis} is not supported for inputs ${formatShape([null, ...inputShapes[0]])}; only the last axis (-1 or ${inputShapes[0].length}) is`);
    }
    const lead = inputShapes[0].slice(0, -1);
    let channels = 0;
    inputShapes.forEach((s, i) => {
      if (s.length !== lead.length + 1 || lead.some((d, j) => d !== s[j])) {
        throw new RangeError(`${this.describe()}: inputs must match in all but the last axis; input 0 is ${formatShape(inputShapes[0])}, input ${i} is ${formatShape(s)}`);
      }
      channels += s[s.length - 1];
    });
    return [...lead, channels];
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number): void {
    const k = this.backend.kernels;
    const total = this.outputShape[this.outputShape.length - 1];
    const rows = (n * this.outputSize) / total;
    let offset = 0;
    for (let i = 0; i < inputs.length; i++) {
      const c = this.inputShapes[i][this.inputShapes[i].length - 1];
      k.concatChannels(inputs[i], output, rows, c, total, offset);
      offset += c;
    }
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    const k = this.backend.kernels;
    const total = this.outputShape[this.outputShape.length - 1];
    const rows = (n * this.outputSize) / total;
    let offset = 0;
    for (let i = 0; i < gradInputs.length; i++) {
      const c = this.inputShapes[i][this.inputShapes[i].length - 1];
      if (gradInputs[i] !== 0) k.splitChannels(gradOutput, gradInputs[i], rows, c, total, offset, 0);
      offset += c;
    }
  }
}

/** Element-wise sum of its inputs (tfjs `tf.layers.add`). */
export function add(args: LayerArgs = {}): Add {
  return new Add(args);
}

/** Concatenation over the channel axis (tfjs `tf.layers.concatenate`). */
export function concatenate(args: ConcatenateArgs = {}): Concatenate {
  return new Concatenate(args);
}
