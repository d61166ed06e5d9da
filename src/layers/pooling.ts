/**
 * Pooling over NHWC windows: max (forward keeps the arg-max for backward), average (counting
 * only in-bounds cells, as tfjs), and global average over all positions.
 */
import { checkBoolean } from '../core/checks.js';
import type { JSONObject } from '../io/types.js';
import { pair, window2D, type Padding, type Window2D } from '../core/geometry.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, poolArgs, type PoolArgs } from '../core/kernels/pool.js';
import { ConfigReader, construct, readChannelsLast, readPadding } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall, type BufferRequest } from './layer.js';

/** Arguments of {@link maxPooling2d} and {@link averagePooling2d}, as tfjs-layers. */
export interface Pooling2DArgs extends LayerArgs {
  /** Default [2, 2]. */
  poolSize?: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
}

const POOLING_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'poolSize', 'strides', 'padding'];

/** The options of a MaxPooling2D/AveragePooling2D config (Keras names). */
function readPooling(r: ConfigReader, args: LayerArgs): Pooling2DArgs {
  const poolSize = r.pair('pool_size', 2);
  const options = { ...args, poolSize, strides: r.pair('strides', poolSize), padding: readPadding(r) };
  readChannelsLast(r);
  return options;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  protected win!: Window2D;
  /** The kernels' operands, refilled per call. */
  protected call!: PoolArgs;

  protected constructor(args: Pooling2DArgs, className: string) {
    super(args, className);
    this.poolSize = pair(args.poolSize, 2, this.describe(), 'poolSize');
    this.strides = pair(args.strides, this.poolSize, this.describe(), 'strides');
    this.padding = args.padding ?? 'valid';
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), pool_size: [...this.poolSize], padding: this.padding, strides: [...this.strides], data_format: 'channels_last' };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window2D(this.singleInput(inputShapes), this.poolSize, this.strides, [1, 1], this.padding, this.describe());
    this.call = poolArgs(this.win);
    return [this.win.outH, this.win.outW, this.win.channels];
  }
}

/** Max over 2-D windows of NHWC input; backward routes each gradient to its window's maximum. */
export class MaxPooling2D extends Pooling2D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'MaxPooling2D';
  /** Every option {@link maxPooling2d} accepts. */
  static readonly optionKeys = POOLING_KEYS;

  constructor(args: Pooling2DArgs = {}) {
    super(args, 'MaxPooling2D');
  }

  /** A MaxPooling2D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): MaxPooling2D {
    const options = readPooling(r, args);
    return construct(r, () => new MaxPooling2D(options));
  }

  /** For each output, the i32 index into the batch input of its maximum (where backward routes the gradient). */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'max-pooling argmax', bytes: 4 * capacity * this.outputSize }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const p = this.call;
    p.batch = n; p.input = inputs[0]; p.output = output; p.argmax = call.buffers[0];
    maxPoolForward(p);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] === 0) return;
    const p = this.call;
    p.batch = n; p.gradOutput = gradOutput; p.argmax = call.buffers[0]; p.gradInput = gradInputs[0];
    maxPoolBackward(p);
  }
}

/** Mean over 2-D windows of NHWC input, counting only in-bounds cells. */
export class AveragePooling2D extends Pooling2D {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'AveragePooling2D';
  /** Every option {@link averagePooling2d} accepts. */
  static readonly optionKeys = POOLING_KEYS;

  constructor(args: Pooling2DArgs = {}) {
    super(args, 'AveragePooling2D');
  }

  /** An AveragePooling2D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): AveragePooling2D {
    const options = readPooling(r, args);
    return construct(r, () => new AveragePooling2D(options));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const p = this.call;
    p.batch = n; p.input = inputs[0]; p.output = output;
    avgPoolForward(p);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] === 0) return;
    const p = this.call;
    p.batch = n; p.gradOutput = gradOutput; p.gradInput = gradInputs[0];
    avgPoolBackward(p);
  }
}

/** Arguments of {@link globalAveragePooling2d} and `globalMaxPooling2d`, as Keras. */
export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the pooled axes: output [batch, 1, 1, channels] instead of [batch, channels]; default false (Keras; TF.js has no such option). */
  keepdims?: boolean;
}

/** Option keys of the global poolings. */
export const GLOBAL_POOLING_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'keepdims'];

/** The per-sample output of a global pooling of `shape` ([h, w, c]), or an error naming the layer. */
export function globalPoolingShape(layer: Layer, shape: readonly number[], keepdims: boolean): number[] {
  if (shape.length !== 3) throw new RangeError(`${layer.describe()}: expects rank-4 input [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
  return keepdims ? [1, 1, shape[2]] : [shape[2]];
}

/** Mean over all positions per channel: [h, w, c] → [c] (or [1, 1, c] with keepdims). */
export class GlobalAveragePooling2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GlobalAveragePooling2D';
  /** Every option {@link globalAveragePooling2d} accepts. */
  static readonly optionKeys = GLOBAL_POOLING_KEYS;
  readonly keepdims: boolean;

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalAveragePooling2D');
    this.keepdims = checkBoolean(args.keepdims ?? false, this.describe(), 'keepdims');
  }

  /** A GlobalAveragePooling2D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GlobalAveragePooling2D {
    readChannelsLast(r);
    const keepdims = r.bool('keepdims', false);
    return construct(r, () => new GlobalAveragePooling2D({ ...args, keepdims }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), data_format: 'channels_last', keepdims: this.keepdims };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return globalPoolingShape(this, this.singleInput(inputShapes), this.keepdims);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    const [h, w, c] = this.inputShapes[0];
    this.backend.kernels.globalAvgPoolForward(inputs[0], output, n, h * w, c);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] === 0) return;
    const [h, w, c] = this.inputShapes[0];
    this.backend.kernels.globalAvgPoolBackward(gradOutput, gradInputs[0], n, h * w, c, 0);
  }
}

/** Max pooling over 2-D windows (tfjs `tf.layers.maxPooling2d`). */
export function maxPooling2d(args: Pooling2DArgs = {}): MaxPooling2D {
  return new MaxPooling2D(args);
}

/** Average pooling over 2-D windows (tfjs `tf.layers.averagePooling2d`). */
export function averagePooling2d(args: Pooling2DArgs = {}): AveragePooling2D {
  return new AveragePooling2D(args);
}

/** Mean over all positions per channel (tfjs `tf.layers.globalAveragePooling2d`). */
export function globalAveragePooling2d(args: GlobalPooling2DArgs = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}
