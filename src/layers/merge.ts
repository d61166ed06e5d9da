/**
 * Element-wise joins of branches (Add, Subtract, Multiply, Average, Maximum, Minimum) over inputs
 * of one shape; Add, Subtract and Multiply of two inputs also broadcast one against the other as
 * Keras 3 and TF.js do (broadcast-join.ts). Concatenate is in concatenate.ts.
 */
import type { Kernels } from '../core/wasm.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, formatShape, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import { broadcastBackward, broadcastForward, broadcastOf, broadcastScratch, type Broadcast, type JoinOp } from './broadcast-join.js';

/** Throws unless there are at least `min` (exactly `min` when `exact`) inputs, all of one shape. */
function sameShapes(layer: Layer, inputShapes: number[][], min: number, exact = false): number[] {
  if (exact ? inputShapes.length !== min : inputShapes.length < min) {
    throw new Error(`${layer.describe()}: needs ${exact ? 'exactly' : 'at least'} ${min} inputs, got ${inputShapes.length}`);
  }
  const first = inputShapes[0];
  inputShapes.forEach((s, i) => {
    if (s.length !== first.length || s.some((d, j) => d !== first[j])) {
      throw new RangeError(`${layer.describe()}: all inputs must have the same shape; input 0 is ${formatShape(first)}, input ${i} is ${formatShape(s)}`);
    }
  });
  return [...first];
}

/** output = Σ inputs, element-wise over `count` values (Add, and Average before its scaling). */
function sumInputs(k: Kernels, inputs: readonly number[], output: number, count: number): void {
  k.addArrays(inputs[0], inputs[1], output, count);
  for (let i = 2; i < inputs.length; i++) k.addArrays(output, inputs[i], output, count);
}

/** A join that, given two inputs of different shapes, broadcasts the smaller (see broadcast-join.ts). */
abstract class BroadcastingJoin extends Layer {
  protected broadcast: Broadcast | null = null;
  protected abstract readonly op: JoinOp;

  /** The output shape: the shared one, or the larger input's when two inputs broadcast. */
  protected joinShape(inputShapes: number[][], exactlyTwo: boolean): number[] {
    this.broadcast = null;
    if (inputShapes.length === 2) {
      this.broadcast = broadcastOf(this, inputShapes[0], inputShapes[1]);
      if (this.broadcast) return [...inputShapes[this.broadcast.full]];
    }
    return sameShapes(this, inputShapes, 2, exactlyTwo);
  }

  override bufferRequests(): BufferRequest[] {
    const floats = this.broadcast ? broadcastScratch(this.op, this.broadcast) : 0;
    return floats > 0 ? [{ label: 'broadcast scratch', bytes: 4 * floats }] : [];
  }

  /** True when it ran the broadcast forward (the caller runs the same-shape one otherwise). */
  protected broadcastForward(n: number, call: LayerCall): boolean {
    if (!this.broadcast) return false;
    broadcastForward(this.backend.kernels, this.op, this.broadcast, n, call.inputs, call.output, call.buffers[0] ?? 0);
    return true;
  }

  protected broadcastBackward(n: number, call: LayerCall): boolean {
    if (!this.broadcast) return false;
    broadcastBackward(this.backend.kernels, this.op, this.broadcast, n, call.inputs, call.gradOutput, call.gradInputs, call.buffers[0] ?? 0);
    return true;
  }
}

/** Element-wise sum of two or more inputs of one shape (residual joins), or of two that broadcast. */
export class Add extends BroadcastingJoin {
  protected readonly op = 'add';
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Add';
  /** Every option {@link add} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;


  constructor(args: LayerArgs = {}) {
    super(args, 'Add');
  }

  /** A Add from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Add {
    return construct(r, () => new Add(args));
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return this.joinShape(inputShapes, false);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastForward(n, call)) return;
    const { inputs, output } = call;
    const count = n * this.outputSize;
    sumInputs(this.backend.kernels, inputs, output, count);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastBackward(n, call)) return;
    const { gradOutput, gradInputs } = call;
    for (let i = 0; i < gradInputs.length; i++) {
      if (gradInputs[i] !== 0) copyFloats(gradOutput, gradInputs[i], n * this.outputSize);
    }
  }
}

/** a − b, for exactly two inputs of one shape or that broadcast (Keras `Subtract`). */
export class Subtract extends BroadcastingJoin {
  protected readonly op = 'subtract';
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Subtract';
  /** Every option {@link subtract} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Subtract');
  }

  /** A Subtract from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Subtract {
    return construct(r, () => new Subtract(args));
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return this.joinShape(inputShapes, true);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastForward(n, call)) return;
    const { inputs, output } = call;
    this.backend.kernels.subArrays(inputs[0], inputs[1], output, n * this.outputSize);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastBackward(n, call)) return;
    const { gradOutput, gradInputs } = call;
    const count = n * this.outputSize;
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], count);
    if (gradInputs[1] !== 0) this.backend.kernels.scaleArray(gradOutput, gradInputs[1], count, -1);
  }
}

/** Element-wise product of two or more inputs of one shape, or of two that broadcast (Keras `Multiply`). */
export class Multiply extends BroadcastingJoin {
  protected readonly op = 'multiply';
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Multiply';
  /** Every option {@link multiply} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Multiply');
  }

  /** A Multiply from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Multiply {
    return construct(r, () => new Multiply(args));
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return this.joinShape(inputShapes, false);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastForward(n, call)) return;
    const { inputs, output } = call;
    const k = this.backend.kernels;
    const count = n * this.outputSize;
    k.mulArrays(inputs[0], inputs[1], output, count);
    for (let i = 2; i < inputs.length; i++) k.mulArrays(output, inputs[i], output, count);
  }

  /** d/dx_i = g · Π_{j≠i} x_j, formed in the input's own gradient buffer. */
  protected backwardLinear(n: number, call: LayerCall): void {
    if (this.broadcastBackward(n, call)) return;
    const { inputs, gradOutput, gradInputs } = call;
    const k = this.backend.kernels;
    const count = n * this.outputSize;
    for (let i = 0; i < gradInputs.length; i++) {
      if (gradInputs[i] === 0) continue;
      let from = gradOutput;
      for (let j = 0; j < inputs.length; j++) {
        if (j === i) continue;
        k.mulArrays(from, inputs[j], gradInputs[i], count);
        from = gradInputs[i];
      }
    }
  }
}

/** Element-wise mean of two or more inputs of one shape (Keras `Average`). */
export class Average extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Average';
  /** Every option {@link average} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Average');
  }

  /** A Average from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Average {
    return construct(r, () => new Average(args));
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return sameShapes(this, inputShapes, 2);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const count = n * this.outputSize;
    sumInputs(this.backend.kernels, inputs, output, count);
    this.backend.kernels.scaleArray(output, output, count, 1 / inputs.length);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    const k = this.backend.kernels;
    for (let i = 0; i < gradInputs.length; i++) {
      if (gradInputs[i] !== 0) k.scaleArray(gradOutput, gradInputs[i], n * this.outputSize, 1 / gradInputs.length);
    }
  }
}

/** Maximum or Minimum: the extreme of the inputs, its gradient routed to the first input holding it. */
abstract class Extremum extends Layer {
  protected abstract pick(a: number, b: number, out: number, count: number): void;

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return sameShapes(this, inputShapes, 2);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const count = n * this.outputSize;
    this.pick(inputs[0], inputs[1], output, count);
    for (let i = 2; i < inputs.length; i++) this.pick(output, inputs[i], output, count);
  }

  /** Consumes gradOutput (the contract lets backward overwrite it): each element is claimed once. */
  protected backwardLinear(n: number, call: LayerCall): void {
    const { inputs, output, gradOutput, gradInputs } = call;
    const k = this.backend.kernels;
    for (let i = 0; i < inputs.length; i++) k.routeExtremumGrad(inputs[i], output, gradOutput, gradInputs[i], n * this.outputSize);
  }
}

/** Element-wise maximum of two or more inputs of one shape (Keras `Maximum`). */
export class Maximum extends Extremum {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Maximum';
  /** Every option {@link maximum} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Maximum');
  }

  /** A Maximum from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Maximum {
    return construct(r, () => new Maximum(args));
  }

  protected pick(a: number, b: number, out: number, count: number): void {
    this.backend.kernels.maxArrays(a, b, out, count);
  }
}

/** Element-wise minimum of two or more inputs of one shape (Keras `Minimum`). */
export class Minimum extends Extremum {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Minimum';
  /** Every option {@link minimum} accepts. */
  static readonly optionKeys = LAYER_OPTION_KEYS;

  constructor(args: LayerArgs = {}) {
    super(args, 'Minimum');
  }

  /** A Minimum from its Keras config (it has no options of its own). */
  static fromConfig(r: ConfigReader, args: LayerArgs): Minimum {
    return construct(r, () => new Minimum(args));
  }

  protected pick(a: number, b: number, out: number, count: number): void {
    this.backend.kernels.minArrays(a, b, out, count);
  }
}

/** Element-wise sum of its inputs (tfjs `tf.layers.add`). */
export function add(args: LayerArgs = {}): Add {
  return new Add(args);
}

/** a − b (tfjs `tf.layers.subtract`). */
export function subtract(args: LayerArgs = {}): Subtract {
  return new Subtract(args);
}

/** Element-wise product of its inputs (tfjs `tf.layers.multiply`). */
export function multiply(args: LayerArgs = {}): Multiply {
  return new Multiply(args);
}

/** Element-wise mean of its inputs (tfjs `tf.layers.average`). */
export function average(args: LayerArgs = {}): Average {
  return new Average(args);
}

/** Element-wise maximum of its inputs (tfjs `tf.layers.maximum`). */
export function maximum(args: LayerArgs = {}): Maximum {
  return new Maximum(args);
}

/** Element-wise minimum of its inputs (tfjs `tf.layers.minimum`). */
export function minimum(args: LayerArgs = {}): Minimum {
  return new Minimum(args);
}
