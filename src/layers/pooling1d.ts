/**
 * Pooling over sequences [batch, steps, channels] on the NHWC pooling kernels (a sequence is a
 * height-1 image): max and average over windows of steps, and over all steps (global). Max
 * keeps each output's arg-max for backward, in a planned buffer. Global pooling outputs
 * [channels], or [1, channels] with `keepdims` (Keras).
 */
import { checkBoolean } from '../core/checks.js';
import type { Window2D } from '../core/geometry.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, poolArgs, type PoolArgs } from '../core/kernels/pool.js';
import { singleSize, window1D, type Padding1D } from '../core/window1d.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readChannelsLast } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import { readPadding1D, readSingle } from './sequence-config.js';

/** Arguments of {@link maxPooling1d} and {@link averagePooling1d}, as tfjs-layers. */
export interface Pooling1DArgs extends LayerArgs {
  /** Steps per window; default 2. */
  poolSize?: number | [number];
  /** Default: poolSize. */
  strides?: number | [number];
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
}

/** Arguments of {@link globalAveragePooling1d} and {@link globalMaxPooling1d}. */
export interface GlobalPooling1DArgs extends LayerArgs {
  /** Keep the steps axis, of length 1: output [1, channels] (Keras); default false. */
  keepdims?: boolean;
}

const POOLING_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'poolSize', 'strides', 'padding'];
const GLOBAL_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'keepdims'];
const PADDINGS: readonly Padding1D[] = ['valid', 'same'];

/** The options of a MaxPooling1D/AveragePooling1D config (Keras names). */
function readPooling(r: ConfigReader, args: LayerArgs): Pooling1DArgs {
  const poolSize = readSingle(r, 'pool_size', 2);
  const options = { ...args, poolSize, strides: readSingle(r, 'strides', poolSize), padding: readPadding1D(r, PADDINGS) as 'valid' | 'same' };
  readChannelsLast(r);
  return options;
}

/** Base of MaxPooling1D and AveragePooling1D: a window of steps, per channel. */
abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';
  protected win!: Window2D;
  /** The kernels' operands, refilled per call. */
  protected op!: PoolArgs;

  protected constructor(args: Pooling1DArgs, className: string) {
    super(args, className);
    const who = this.describe();
    this.poolSize = singleSize(args.poolSize, 2, who, 'poolSize');
    this.strides = singleSize(args.strides, this.poolSize, who, 'strides');
    this.padding = args.padding ?? 'valid';
    if (!PADDINGS.includes(this.padding)) throw new RangeError(`${who}: padding must be 'valid' or 'same', got ${JSON.stringify(args.padding)}`);
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), pool_size: [this.poolSize], padding: this.padding, strides: [this.strides], data_format: 'channels_last' };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window1D(this.singleInput(inputShapes), this.poolSize, this.strides, 1, this.padding, this.describe(), PADDINGS);
    this.op = poolArgs(this.win);
    return [this.win.outW, this.win.channels];
  }
}

/** Max over windows of steps; backward routes each gradient to its window's maximum. */
export class MaxPooling1D extends Pooling1D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'MaxPooling1D';
  /** Every option {@link maxPooling1d} accepts. */
  static readonly optionKeys = POOLING_KEYS;

  constructor(args: Pooling1DArgs = {}) {
    super(args, 'MaxPooling1D');
  }

  /** A MaxPooling1D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): MaxPooling1D {
    const options = readPooling(r, args);
    return construct(r, () => new MaxPooling1D(options));
  }

  /** Per output value, the i32 index into the batch input of its maximum. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'max-pooling argmax', bytes: 4 * capacity * this.outputSize }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const p = this.op;
    p.batch = n; p.input = call.inputs[0]; p.output = call.output; p.argmax = call.buffers[0];
    maxPoolForward(p);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const p = this.op;
    p.batch = n; p.gradOutput = call.gradOutput; p.argmax = call.buffers[0]; p.gradInput = call.gradInputs[0];
    maxPoolBackward(p);
  }
}

/** Mean over windows of steps, counting only in-bounds steps (as tfjs and Keras 'same'). */
export class AveragePooling1D extends Pooling1D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'AveragePooling1D';
  /** Every option {@link averagePooling1d} accepts. */
  static readonly optionKeys = POOLING_KEYS;

  constructor(args: Pooling1DArgs = {}) {
    super(args, 'AveragePooling1D');
  }

  /** An AveragePooling1D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): AveragePooling1D {
    const options = readPooling(r, args);
    return construct(r, () => new AveragePooling1D(options));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const p = this.op;
    p.batch = n; p.input = call.inputs[0]; p.output = call.output;
    avgPoolForward(p);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const p = this.op;
    p.batch = n; p.gradOutput = call.gradOutput; p.gradInput = call.gradInputs[0];
    avgPoolBackward(p);
  }
}

/** Base of the global 1-D poolings: over all steps, per channel. */
abstract class GlobalPooling1D extends Layer {
  readonly keepdims: boolean;

  protected constructor(args: GlobalPooling1DArgs, className: string) {
    super(args, className);
    this.keepdims = args.keepdims === undefined ? false : checkBoolean(args.keepdims, this.describe(), 'keepdims');
  }

  /** The options of a global pooling config: keepdims (Keras; tfjs writes none), channels_last. */
  protected static readGlobal(r: ConfigReader, args: LayerArgs): GlobalPooling1DArgs {
    const options = { ...args, keepdims: r.bool('keepdims', false) };
    readChannelsLast(r);
    return options;
  }

  override getConfig(): JSONObject {
    // keepdims only when set: tfjs 4.22 has no such option, so its files stay as tfjs writes them.
    return { ...super.getConfig(), data_format: 'channels_last', ...(this.keepdims ? { keepdims: true } : {}) };
  }

  /** [steps, channels] of the input. */
  protected get steps(): number {
    return this.inputShapes[0][0];
  }

  protected get channels(): number {
    return this.inputShapes[0][1];
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 2) throw new RangeError(`${this.describe()}: expects rank-3 input [batch, steps, channels], got [batch, ${shape.join(', ')}]`);
    return this.keepdims ? [1, shape[1]] : [shape[1]];
  }
}

/** Mean over all steps per channel: [steps, c] → [c]. */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GlobalAveragePooling1D';
  /** Every option {@link globalAveragePooling1d} accepts. */
  static readonly optionKeys = GLOBAL_KEYS;

  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalAveragePooling1D');
  }

  /** A GlobalAveragePooling1D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GlobalAveragePooling1D {
    const options = GlobalPooling1D.readGlobal(r, args);
    return construct(r, () => new GlobalAveragePooling1D(options));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    this.backend.kernels.globalAvgPoolForward(call.inputs[0], call.output, n, this.steps, this.channels);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    this.backend.kernels.globalAvgPoolBackward(call.gradOutput, call.gradInputs[0], n, this.steps, this.channels, 0);
  }
}

/** Max over all steps per channel: [steps, c] → [c]; backward routes each gradient to its maximum. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GlobalMaxPooling1D';
  /** Every option {@link globalMaxPooling1d} accepts. */
  static readonly optionKeys = GLOBAL_KEYS;
  /** The max-pooling kernels' operands: one window spanning every step. */
  private op!: PoolArgs;

  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalMaxPooling1D');
  }

  /** A GlobalMaxPooling1D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GlobalMaxPooling1D {
    const options = GlobalPooling1D.readGlobal(r, args);
    return construct(r, () => new GlobalMaxPooling1D(options));
  }

  protected override computeOutputShape(inputShapes: number[][]): number[] {
    const output = super.computeOutputShape(inputShapes);
    const steps = inputShapes[0][0];
    this.op = poolArgs(window1D(inputShapes[0], steps, steps, 1, 'valid', this.describe()));
    return output;
  }

  /** Per channel of each sample, the i32 index into the batch input of its maximum. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'max-pooling argmax', bytes: 4 * capacity * this.channels }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const p = this.op;
    p.batch = n; p.input = call.inputs[0]; p.output = call.output; p.argmax = call.buffers[0];
    maxPoolForward(p);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const p = this.op;
    p.batch = n; p.gradOutput = call.gradOutput; p.argmax = call.buffers[0]; p.gradInput = call.gradInputs[0];
    maxPoolBackward(p);
  }
}

/** Max pooling over windows of steps (tfjs `tf.layers.maxPooling1d`). */
export function maxPooling1d(args: Pooling1DArgs = {}): MaxPooling1D {
  return new MaxPooling1D(args);
}

/** Average pooling over windows of steps (tfjs `tf.layers.averagePooling1d`). */
export function averagePooling1d(args: Pooling1DArgs = {}): AveragePooling1D {
  return new AveragePooling1D(args);
}

/** Mean over all steps per channel (tfjs `tf.layers.globalAveragePooling1d`). */
export function globalAveragePooling1d(args: GlobalPooling1DArgs = {}): GlobalAveragePooling1D {
  return new GlobalAveragePooling1D(args);
}

/** Max over all steps per channel (tfjs `tf.layers.globalMaxPooling1d`). */
export function globalMaxPooling1d(args: GlobalPooling1DArgs = {}): GlobalMaxPooling1D {
  return new GlobalMaxPooling1D(args);
}
