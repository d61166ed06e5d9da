/**
 * SeparableConv2D as Keras: a depthwise convolution (kernel [kh, kw, inC, depthMultiplier], no
 * bias) into a per-batch buffer, then a pointwise 1x1 convolution (kernel [1, 1, inC·mult, filters])
 * as one GEMM with the bias and activation fused in its write-back. Backward takes the pointwise
 * kernel's gradient from the buffer, then overwrites it with the depthwise output's gradient.
 */
import { checkPositiveInteger } from '../core/checks.js';
import { depthwiseArgs, depthwiseForward, depthwiseInputGrad, depthwiseKernelGrad, type DepthwiseArgs } from '../core/kernels/depthwise.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import { FUSED_LINEAR } from '../core/kernels/fused-activation.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { pair, window2D, type Padding, type Window2D } from '../core/geometry.js';
import { ConfigReader, activationConfig, construct, initializerConfig, readInitializer, readRegularizer, regularizerConfig } from './keras-config.js';
import { readDepthwiseOptions, type DepthwiseConv2DArgs } from './depthwise-conv2d.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Arguments of {@link separableConv2d}, as tfjs-layers. */
export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  /** Output channels of the pointwise convolution. */
  filters: number;
  /** Default 'glorotUniform'. */
  pointwiseInitializer?: string | Initializer;
  /** Penalty on the pointwise kernel. */
  pointwiseRegularizer?: string | Regularizer;
}

/** A depthwise then pointwise 2-D convolution over NHWC input. */
export class SeparableConv2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'SeparableConv2D';
  /** Every option {@link separableConv2d} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'depthMultiplier',
    'dilationRate', 'activation', 'useBias', 'depthwiseInitializer', 'pointwiseInitializer', 'biasInitializer', 'depthwiseRegularizer',
    'pointwiseRegularizer', 'biasRegularizer'];
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly useBias: boolean;
  private readonly initializers: { depthwise: Initializer; pointwise: Initializer; bias: Initializer };
  private readonly regularizers: { depthwise: Regularizer | null; pointwise: Regularizer | null; bias: Regularizer | null };
  private win!: Window2D;
  private depthwise!: Param;
  private pointwise!: Param;
  private bias: Param | null = null;
  protected override readonly fusesActivation = true;
  private op!: DepthwiseArgs;
  private readonly forwardGemm = gemmArgs();
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly middleGradGemm = gemmArgs({ transposeB: true });

  constructor(args: SeparableConv2DArgs) {
    super(args, 'SeparableConv2D', args.activation);
    const who = this.describe();
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new RangeError(`${who}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize, 1, who, 'kernelSize');
    this.strides = pair(args.strides, 1, who, 'strides');
    this.dilationRate = pair(args.dilationRate, 1, who, 'dilationRate');
    this.depthMultiplier = checkPositiveInteger(args.depthMultiplier ?? 1, who, 'depthMultiplier');
    this.padding = args.padding ?? 'valid';
    this.useBias = args.useBias ?? true;
    this.initializers = {
      depthwise: getInitializer(args.depthwiseInitializer, 'glorotUniform', `${who}: depthwiseInitializer`),
      pointwise: getInitializer(args.pointwiseInitializer, 'glorotUniform', `${who}: pointwiseInitializer`),
      bias: getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`),
    };
    this.regularizers = {
      depthwise: getRegularizer(args.depthwiseRegularizer, `${who}: depthwiseRegularizer`),
      pointwise: getRegularizer(args.pointwiseRegularizer, `${who}: pointwiseRegularizer`),
      bias: getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`),
    };
  }

  /** A SeparableConv2D from its Keras config; channels_first and constraints are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): SeparableConv2D {
    const options = {
      ...args, filters: r.positiveInt('filters'), ...readDepthwiseOptions(r),
      pointwiseInitializer: readInitializer(r, 'pointwise_initializer'), pointwiseRegularizer: readRegularizer(r, 'pointwise_regularizer'),
      biasInitializer: readInitializer(r, 'bias_initializer'), biasRegularizer: readRegularizer(r, 'bias_regularizer'),
    };
    r.requireDefault('pointwise_constraint');
    return construct(r, () => new SeparableConv2D(options));
  }

  override getConfig(): JSONObject {
    const inits: JSONObject = {};
    for (const [key, init] of Object.entries(this.initializers)) {
      const config = initializerConfig(init);
      if (config) inits[`${key}_initializer`] = config;
    }
    return {
      ...super.getConfig(), filters: this.filters, kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      data_format: 'channels_last', dilation_rate: [...this.dilationRate], depth_multiplier: this.depthMultiplier,
      ...activationConfig(this.activationName), use_bias: this.useBias, ...inits,
      depthwise_regularizer: regularizerConfig(this.regularizers.depthwise), pointwise_regularizer: regularizerConfig(this.regularizers.pointwise),
      bias_regularizer: regularizerConfig(this.regularizers.bias), activity_regularizer: null,
      depthwise_constraint: null, pointwise_constraint: null, bias_constraint: null,
    };
  }

  /** Channels between the two convolutions: inC·depthMultiplier. */
  private get middle(): number {
    return this.win.channels * this.depthMultiplier;
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window2D(this.singleInput(inputShapes), this.kernelSize, this.strides, this.dilationRate, this.padding, this.describe());
    this.op = depthwiseArgs(this.win, this.depthMultiplier);
    return [this.win.outH, this.win.outW, this.filters];
  }

  protected override createParams(): void {
    const [kh, kw] = this.kernelSize;
    this.depthwise = this.addParam('depthwise_kernel', [kh, kw, this.win.channels, this.depthMultiplier], this.initializers.depthwise, true, this.regularizers.depthwise);
    this.pointwise = this.addParam('pointwise_kernel', [1, 1, this.middle, this.filters], this.initializers.pointwise, true, this.regularizers.pointwise);
    if (this.useBias) this.bias = this.addParam('bias', [this.filters], this.initializers.bias, true, this.regularizers.bias);
  }

  /** The depthwise output (backward overwrites it with its gradient). */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'depthwise output', bytes: 4 * capacity * this.win.outH * this.win.outW * this.middle }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const d = this.op, middle = call.buffers[0];
    d.batch = n; d.input = call.inputs[0]; d.kernel = this.depthwise.ptr; d.bias = 0; d.output = middle; d.activation = FUSED_LINEAR;
    depthwiseForward(d);
    const g = this.forwardGemm;
    g.m = n * this.win.outH * this.win.outW; g.n = this.filters; g.k = this.middle;
    g.a = middle; g.b = this.pointwise.ptr; g.c = call.output; g.bias = this.bias ? this.bias.ptr : 0;
    g.activation = this.fusedActivation(call);
    gemm(g);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { inputs, gradOutput, gradInputs } = call;
    const middle = call.buffers[0], rows = n * this.win.outH * this.win.outW;
    // gradPointwise = middleᵀ · dY, while the buffer still holds the depthwise output.
    const gk = this.kernelGradGemm;
    gk.m = this.middle; gk.n = this.filters; gk.k = rows; gk.a = middle; gk.b = gradOutput; gk.c = this.pointwise.grad;
    gemm(gk);
    if (this.bias) this.backend.kernels.sumRows(gradOutput, this.bias.grad, rows, this.filters, 0);
    // Then the buffer becomes the depthwise output's gradient: dY · pointwiseᵀ.
    const gm = this.middleGradGemm;
    gm.m = rows; gm.n = this.middle; gm.k = this.filters; gm.a = gradOutput; gm.b = this.pointwise.ptr; gm.c = middle;
    gemm(gm);
    const d = this.op;
    d.batch = n; d.input = inputs[0]; d.kernel = this.depthwise.ptr; d.gradOutput = middle; d.gradKernel = this.depthwise.grad;
    depthwiseKernelGrad(d);
    if (gradInputs[0] === 0) return;
    d.gradInput = gradInputs[0];
    depthwiseInputGrad(d);
  }
}

/** A separable 2-D convolution layer (tfjs `tf.layers.separableConv2d`). */
export function separableConv2d(args: SeparableConv2DArgs): SeparableConv2D {
  return new SeparableConv2D(args);
}
