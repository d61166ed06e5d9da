/**
 * GlobalMaxPooling2D (Keras/TF.js): the maximum over all positions per channel, [h, w, c] → [c]
 * (or [1, 1, c] with Keras's keepdims). It is max pooling with one window the size of the image,
 * so it runs the max-pooling kernels: forward keeps each maximum's index (the first on ties),
 * backward routes the gradient there.
 */
import { window2D } from '../core/geometry.js';
import { maxPoolBackward, maxPoolForward, poolArgs, type PoolArgs } from '../core/kernels/pool.js';
import { checkBoolean } from '../core/checks.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readChannelsLast } from './keras-config.js';
import { Layer, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import { GLOBAL_POOLING_KEYS, globalPoolingShape, type GlobalPooling2DArgs } from './pooling.js';

/** Maximum over all positions per channel: [h, w, c] → [c] (or [1, 1, c] with keepdims). */
export class GlobalMaxPooling2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GlobalMaxPooling2D';
  /** Every option {@link globalMaxPooling2d} accepts. */
  static readonly optionKeys = GLOBAL_POOLING_KEYS;
  readonly keepdims: boolean;
  /** The kernels' operands, refilled per call. */
  private op!: PoolArgs;

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalMaxPooling2D');
    this.keepdims = checkBoolean(args.keepdims ?? false, this.describe(), 'keepdims');
  }

  /** A GlobalMaxPooling2D from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GlobalMaxPooling2D {
    readChannelsLast(r);
    const keepdims = r.bool('keepdims', false);
    return construct(r, () => new GlobalMaxPooling2D({ ...args, keepdims }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), data_format: 'channels_last', keepdims: this.keepdims };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    const out = globalPoolingShape(this, shape, this.keepdims);
    this.op = poolArgs(window2D(shape, [shape[0], shape[1]], [1, 1], [1, 1], 'valid', this.describe()));
    return out;
  }

  /** For each output, the i32 index into the batch input of its maximum (where backward routes the gradient). */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'global max-pooling argmax', bytes: 4 * capacity * this.outputSize }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const op = this.op;
    op.batch = n; op.input = call.inputs[0]; op.output = call.output; op.argmax = call.buffers[0];
    maxPoolForward(op);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    const op = this.op;
    op.batch = n; op.gradOutput = call.gradOutput; op.argmax = call.buffers[0]; op.gradInput = call.gradInputs[0];
    maxPoolBackward(op);
  }
}

/** Maximum over all positions per channel (tfjs `tf.layers.globalMaxPooling2d`). */
export function globalMaxPooling2d(args: GlobalPooling2DArgs = {}): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(args);
}
