/**
 * DepthwiseConv2D, NHWC, kernel [kh, kw, inC, depthMultiplier] as Keras: each input channel is
 * convolved with its own depthMultiplier filters, output channel c·depthMultiplier + m. The
 * kernel is direct over channels (no im2col): forward adds the bias and applies the activation
 * in its write-back; backward runs the kernel and input gradients and sums dY for the bias.
 */
import { checkPositiveInteger } from '../core/checks.js';
import type { ActivationName } from '../activations.js';
import { depthwiseArgs, depthwiseForward, depthwiseInputGrad, depthwiseKernelGrad, type DepthwiseArgs } from '../core/kernels/depthwise.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { pair, window2D, type Padding, type Window2D } from '../core/geometry.js';
import {
  ConfigReader, activationConfig, construct, initializerConfig, readActivation, readChannelsLast, readInitializer, readPadding,
  readRegularizer, regularizerConfig,
} from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Arguments of {@link depthwiseConv2d}, as tfjs-layers. */
export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  /** Output channels per input channel; default 1. */
  depthMultiplier?: number;
  /** Default 1. */
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras). */
  depthwiseInitializer?: string | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: string | Initializer;
  /** Penalty on the depthwise kernel. */
  depthwiseRegularizer?: string | Regularizer;
  /** Penalty on the bias. */
  biasRegularizer?: string | Regularizer;
}

/** Reads the depthwise options every depthwise-based layer shares (DepthwiseConv2D, SeparableConv2D). */
export function readDepthwiseOptions(r: ConfigReader): Omit<DepthwiseConv2DArgs, keyof LayerArgs | 'biasInitializer' | 'biasRegularizer'> {
  const options = {
    kernelSize: r.pair('kernel_size'), strides: r.pair('strides', 1), padding: readPadding(r), depthMultiplier: r.positiveInt('depth_multiplier', 1),
    dilationRate: r.pair('dilation_rate', 1), activation: readActivation(r), useBias: r.bool('use_bias', true),
    depthwiseInitializer: readInitializer(r, 'depthwise_initializer'), depthwiseRegularizer: readRegularizer(r, 'depthwise_regularizer'),
  };
  readChannelsLast(r);
  r.requireDefault('depthwise_constraint');
  r.requireDefault('bias_constraint');
  r.requireDefault('activity_regularizer');
  return options;
}

/** A depthwise 2-D convolution over NHWC input with kernel [kh, kw, inC, depthMultiplier]. */
export class DepthwiseConv2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'DepthwiseConv2D';
  /** Every option {@link depthwiseConv2d} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'kernelSize', 'strides', 'padding', 'depthMultiplier', 'dilationRate',
    'activation', 'useBias', 'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer'];
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly useBias: boolean;
  private readonly depthwiseInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly depthwiseRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private win!: Window2D;
  private kernel!: Param;
  private bias: Param | null = null;
  protected override readonly fusesActivation = true;
  /** The kernels' operands, refilled per call. */
  private op!: DepthwiseArgs;

  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'DepthwiseConv2D', args.activation);
    const who = this.describe();
    this.kernelSize = pair(args.kernelSize, 1, who, 'kernelSize');
    this.strides = pair(args.strides, 1, who, 'strides');
    this.dilationRate = pair(args.dilationRate, 1, who, 'dilationRate');
    this.depthMultiplier = checkPositiveInteger(args.depthMultiplier ?? 1, who, 'depthMultiplier');
    this.padding = args.padding ?? 'valid';
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer, 'glorotUniform', `${who}: depthwiseInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`);
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer, `${who}: depthwiseRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`);
  }

  /** A DepthwiseConv2D from its Keras config; channels_first and constraints are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): DepthwiseConv2D {
    const options = {
      ...args, ...readDepthwiseOptions(r),
      biasInitializer: readInitializer(r, 'bias_initializer'), biasRegularizer: readRegularizer(r, 'bias_regularizer'),
    };
    return construct(r, () => new DepthwiseConv2D(options));
  }

  override getConfig(): JSONObject {
    const init = initializerConfig(this.depthwiseInitializer), biasInit = initializerConfig(this.biasInitializer);
    return {
      ...super.getConfig(), kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding, data_format: 'channels_last',
      dilation_rate: [...this.dilationRate], depth_multiplier: this.depthMultiplier, ...activationConfig(this.activationName), use_bias: this.useBias,
      ...(init ? { depthwise_initializer: init } : {}), ...(biasInit ? { bias_initializer: biasInit } : {}),
      depthwise_regularizer: regularizerConfig(this.depthwiseRegularizer), bias_regularizer: regularizerConfig(this.biasRegularizer),
      activity_regularizer: null, depthwise_constraint: null, bias_constraint: null,
    };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window2D(this.singleInput(inputShapes), this.kernelSize, this.strides, this.dilationRate, this.padding, this.describe());
    this.op = depthwiseArgs(this.win, this.depthMultiplier);
    return [this.win.outH, this.win.outW, this.win.channels * this.depthMultiplier];
  }

  protected override createParams(): void {
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addParam('depthwise_kernel', [kh, kw, this.win.channels, this.depthMultiplier], this.depthwiseInitializer, true, this.depthwiseRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', [this.win.channels * this.depthMultiplier], this.biasInitializer, true, this.biasRegularizer);
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const d = this.op;
    d.batch = n; d.input = call.inputs[0]; d.kernel = this.kernel.ptr; d.bias = this.bias ? this.bias.ptr : 0;
    d.output = call.output; d.activation = this.fusedActivation(call);
    depthwiseForward(d);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const d = this.op;
    d.batch = n; d.input = call.inputs[0]; d.kernel = this.kernel.ptr; d.gradOutput = call.gradOutput; d.gradKernel = this.kernel.grad;
    depthwiseKernelGrad(d);
    if (this.bias) this.backend.kernels.sumRows(call.gradOutput, this.bias.grad, n * this.win.outH * this.win.outW, this.bias.size, 0);
    if (call.gradInputs[0] === 0) return;
    d.gradInput = call.gradInputs[0];
    depthwiseInputGrad(d);
  }
}

/** A depthwise 2-D convolution layer (tfjs `tf.layers.depthwiseConv2d`). */
export function depthwiseConv2d(args: DepthwiseConv2DArgs): DepthwiseConv2D {
  return new DepthwiseConv2D(args);
}
