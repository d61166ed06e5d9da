/**
 * BatchNormalization over the last axis (channels), Keras defaults: momentum 0.99, epsilon 1e-3,
 * center and scale. Training normalises with the batch statistics over N·H·W and updates the
 * moving ones; evaluate/predict use the moving statistics.
 */
import { getInitializer } from '../initializers.js';
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

  protected forwardLinear(n: number, inputs: readonly number[], output: number, training: boolean): void {
    const k = this.backend.kernels;
    const c = this.channels;
    const rows = (n * this.outputSize) / c;
    const gamma = this.gamma?.ptr ?? 0;
    const beta = this.beta?.ptr ?? 0;
    // Frozen, it runs in inference mode also in training (Keras): moving statistics, left unchanged.
    if (!training || this.frozen) {
      k.batchNormInference(inputs[0], output, this.movingMean.ptr, this.movingVariance.ptr, gamma, beta, this.stat(3), rows, c, this.epsilon);
      return;
    }
    k.batchNormForwardTrain(inputs[0], gamma, beta, output, this.xhat, this.stat(0), this.stat(1), this.stat(2), rows, c, this.epsilon);
    k.batchNormUpdateMoving(this.movingMean.ptr, this.movingVariance.ptr, this.stat(0), this.stat(1), c, this.momentum);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    const c = this.channels;
    const rows = (n * this.outputSize) / c;
    // Frozen: y = scale·x + shift with the per-channel scale forward left in stat(3); no weight gradients.
    if (this.frozen) {
      if (gradInputs[0] !== 0) this.backend.kernels.mulRowVector(gradOutput, this.stat(3), gradInputs[0], rows, c);
      return;
    }
    // Without an input gradient, dx may alias dy (the kernel allows it), so it lands harmlessly there.
    const dx = gradInputs[0] !== 0 ? gradInputs[0] : gradOutput;
    this.backend.kernels.batchNormBackward(gradOutput, this.xhat, this.gamma?.ptr ?? 0, this.stat(2), dx,
      this.gamma?.grad ?? this.stat(3), this.beta?.grad ?? this.stat(4), rows, c, 0);
  }
}

/** Normalises each channel over the batch (tfjs `tf.layers.batchNormalization`). */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}
