/**
 * BatchNormalization over the last axis (channels), Keras defaults: momentum 0.99, epsilon 1e-3,
 * center and scale. Training normalises with the batch statistics over N·H·W and updates the
 * moving ones; evaluate/predict use the moving statistics.
 */
import { getInitializer } from '../initializers.js';
import { batchNormArgs, batchNormBackward, batchNormForwardTrain, batchNormInference, batchNormUpdateMoving, type BatchNormArgs } from '../core/kernels/norm.js';
import { shapeSize } from '../core/tensor.js';
import { Layer, type LayerArgs, type Param } from './layer.js';

/** Arguments of {@link batchNormalization}, as tfjs-layers. */
export interface BatchNormalizationArgs extends LayerArgs {
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
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private gamma: Param | null = null;
  private beta: Param | null = null;
  private movingMean!: Param;
  private movingVariance!: Param;
  /** Per batch: normalised input (saved for backward). */
  private xhat = 0;
  /** Per channel: batch mean, batch variance, 1/std, and gradient sinks for absent gamma/beta. */
  private stats = 0;
  /** The kernels' operands, refilled per call. */
  private readonly call = batchNormArgs();

  constructor(args: BatchNormalizationArgs = {}) {
    super(args, 'BatchNormalization');
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`${this.describe()}: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new RangeError(`${this.describe()}: epsilon must be positive, got ${this.epsilon}`);
  }

  private get channels(): number {
    return this.outputShape[this.outputShape.length - 1];
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  protected override createParams(): void {
    const c = [this.channels];
    if (this.scale) this.gamma = this.addParam('gamma', c, getInitializer('ones', 'ones', ''));
    if (this.center) this.beta = this.addParam('beta', c, getInitializer('zeros', 'zeros', ''));
    this.movingMean = this.addParam('moving_mean', c, getInitializer('zeros', 'zeros', ''), false);
    this.movingVariance = this.addParam('moving_variance', c, getInitializer('ones', 'ones', ''), false);
  }

  override plan(maxBatch: number): void {
    this.releasePlan();
    const { arena } = this.backend;
    this.xhat = arena.allocF32(maxBatch * shapeSize(this.outputShape));
    this.stats = arena.allocF32(5 * this.channels);
  }

  override releasePlan(): void {
    const { arena } = this.backend;
    arena.release(this.xhat);
    arena.release(this.stats);
    this.xhat = this.stats = 0;
  }

  private stat(i: number): number {
    return this.stats + i * this.channels * 4;
  }

  /** The kernels' operands for n samples: sizes, parameters and the planned buffers. */
  private operands(n: number): BatchNormArgs {
    const a = this.call;
    a.channels = this.channels;
    a.rows = (n * this.outputSize) / a.channels;
    a.epsilon = this.epsilon; a.momentum = this.momentum;
    a.gamma = this.gamma?.ptr ?? 0; a.beta = this.beta?.ptr ?? 0;
    a.movingMean = this.movingMean.ptr; a.movingVariance = this.movingVariance.ptr;
    a.xhat = this.xhat; a.batchMean = this.stat(0); a.batchVariance = this.stat(1); a.invStd = this.stat(2);
    return a;
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number, training: boolean): void {
    const a = this.operands(n);
    a.input = inputs[0]; a.output = output;
    if (!training) {
      a.scratch = this.stat(3);
      batchNormInference(a);
      return;
    }
    batchNormForwardTrain(a);
    batchNormUpdateMoving(a);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    const a = this.operands(n);
    a.gradOutput = gradOutput;
    // Without an input gradient, dx may alias dy (the kernel allows it), so it lands harmlessly there.
    a.gradInput = gradInputs[0] !== 0 ? gradInputs[0] : gradOutput;
    a.gradGamma = this.gamma?.grad ?? this.stat(3);
    a.gradBeta = this.beta?.grad ?? this.stat(4);
    batchNormBackward(a);
  }
}

/** Normalises each channel over the batch (tfjs `tf.layers.batchNormalization`). */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}
