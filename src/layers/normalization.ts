/**
 * BatchNormalization over the last axis (channels), Keras defaults: momentum 0.99, epsilon 1e-3,
 * center and scale. Training normalises with the batch statistics over N·H·W and updates the
 * moving ones; evaluate/predict use the moving statistics.
 */
import { getInitializer } from '../initializers.js';
import { batchNormArgs, batchNormBackward, batchNormForwardTrain, batchNormInference, batchNormUpdateMoving, type BatchNormArgs } from '../core/kernels/norm.js';
import { shapeSize } from '../core/tensor.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, initializerConfig, isLastAxis, readNoPenalties } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type LayerArgs, type Param, type LayerCall, type BufferRequest } from './layer.js';

/** Arguments of {@link batchNormalization}, as tfjs-layers. */
export interface BatchNormalizationArgs extends LayerArgs {
  /** The normalised axis; only the last (channels) axis is supported: -1 (default) or its index. */
  axis?: number;
  /** Default 0.99. */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  /** Learn an offset beta; default true. */
  center?: boolean;
  /** Learn a scale gamma; default true. */
  scale?: boolean;
}

/** Batch normalisation over the channel axis, with moving statistics for inference. */
export class BatchNormalization extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'BatchNormalization';
  /** Every option {@link batchNormalization} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'axis', 'momentum', 'epsilon', 'center', 'scale'];
  /** The normalised axis as given (-1 or the last axis's index, checked at build). */
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private gamma: Param | null = null;
  private beta: Param | null = null;
  private movingMean!: Param;
  private movingVariance!: Param;
  /** The kernels' operands, refilled per call. */
  private readonly call = batchNormArgs();

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'BatchNormalization');
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new RangeError(`${this.describe()}: axis must be an integer, got ${this.axis}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`${this.describe()}: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new RangeError(`${this.describe()}: epsilon must be positive, got ${this.epsilon}`);
  }

  /** A BatchNormalization from its Keras config; renorm, virtual batches, penalties and constraints are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): BatchNormalization {
    const axis = r.raw('axis') ?? -1;
    // Keras writes the axis as a list of one ([3] for NHWC).
    const single = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
    if (!Number.isSafeInteger(single)) throw new Error(`${r.who}: axis ${JSON.stringify(axis)} is not supported; only the last axis is`);
    const options = { ...args, axis: single as number, momentum: r.number('momentum', 0.99), epsilon: r.number('epsilon', 1e-3), center: r.bool('center', true), scale: r.bool('scale', true) };
    readNoPenalties(r, 'beta', 'gamma');
    r.requireDefault('renorm', false);
    r.requireDefault('virtual_batch_size');
    r.requireDefault('adjustment');
    r.requireDefault('synchronized', false);
    // Initialisers only matter before the weights are loaded; renorm's options only with renorm (refused above).
    r.ignore('beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'fused', 'renorm_clipping', 'renorm_momentum');
    return construct(r, () => new BatchNormalization(options));
  }

  override getConfig(): JSONObject {
    const zeros = initializerConfig({ name: 'zeros' })!, ones = initializerConfig({ name: 'ones' })!;
    return {
      ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      beta_initializer: zeros, gamma_initializer: ones, moving_mean_initializer: zeros, moving_variance_initializer: ones,
      beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
    };
  }

  private get channels(): number {
    return this.outputShape[this.outputShape.length - 1];
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (!isLastAxis(this.axis, shape.length)) {
      throw new RangeError(`${this.describe()}: axis ${this.axis} is not supported for input ${formatShape([null, ...shape])}; only the last axis (-1 or ${shape.length}) is`);
    }
    return [...shape];
  }

  protected override createParams(): void {
    const c = [this.channels];
    if (this.scale) this.gamma = this.addParam('gamma', c, getInitializer('ones', 'ones', ''));
    if (this.center) this.beta = this.addParam('beta', c, getInitializer('zeros', 'zeros', ''));
    this.movingMean = this.addParam('moving_mean', c, getInitializer('zeros', 'zeros', ''), false);
    this.movingVariance = this.addParam('moving_variance', c, getInitializer('ones', 'ones', ''), false);
  }

  /** The normalised input saved for backward, and five per-channel statistics of one batch. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'normalised input', bytes: 4 * capacity * this.outputSize }, { label: 'batch statistics', bytes: 4 * 5 * this.channels }];
  }

  /** Statistic `i` of a call's batch (mean, variance, 1/std, two scratch rows), one value per channel. */
  private stat(call: LayerCall, i: number): number {
    return call.buffers[1] + i * this.channels * 4;
  }

  /** The kernels' operands for n samples: sizes, parameters and the planned buffers. */
  private operands(n: number, call: LayerCall): BatchNormArgs {
    const a = this.call;
    a.channels = this.channels;
    a.rows = (n * this.outputSize) / a.channels;
    a.epsilon = this.epsilon; a.momentum = this.momentum;
    a.gamma = this.gamma?.ptr ?? 0; a.beta = this.beta?.ptr ?? 0;
    a.movingMean = this.movingMean.ptr; a.movingVariance = this.movingVariance.ptr;
    a.xhat = call.buffers[0]; a.batchMean = this.stat(call, 0); a.batchVariance = this.stat(call, 1); a.invStd = this.stat(call, 2);
    return a;
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    const { inputs, output } = call;
    const a = this.operands(n, call);
    a.input = inputs[0]; a.output = output;
    // Frozen, it runs in inference mode also in training (Keras): moving statistics, left unchanged.
    if (!training || this.frozen) {
      a.scratch = this.stat(call, 3);
      batchNormInference(a);
      return;
    }
    batchNormForwardTrain(a);
    batchNormUpdateMoving(a);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    const a = this.operands(n, call);
    // Frozen: y = scale·x + shift with the per-channel scale forward left in stat(3); no weight gradients.
    if (this.frozen) {
      if (gradInputs[0] !== 0) this.backend.kernels.mulRowVector(gradOutput, this.stat(call, 3), gradInputs[0], a.rows, a.channels);
      return;
    }
    a.gradOutput = gradOutput;
    // Without an input gradient, dx may alias dy (the kernel allows it), so it lands harmlessly there.
    a.gradInput = gradInputs[0] !== 0 ? gradInputs[0] : gradOutput;
    a.gradGamma = this.gamma?.grad ?? this.stat(call, 3);
    a.gradBeta = this.beta?.grad ?? this.stat(call, 4);
    batchNormBackward(a);
  }
}

/** Normalises each channel over the batch (tfjs `tf.layers.batchNormalization`). */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}
