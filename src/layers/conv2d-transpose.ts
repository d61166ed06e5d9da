/**
 * Conv2DTranspose as Keras, NHWC, kernel [kh, kw, filters, inC] as Keras and TF.js store it. It is
 * the adjoint of a convolution over its output (core/transposed-window.ts), run on the same GEMM
 * and im2col/col2im as Conv2D in the other order: forward is that convolution's input gradient
 * (GEMM, col2im, bias), backward its forward (im2col of dY, then the kernel and input GEMMs).
 */
import type { ActivationName } from '../activations.js';
import { pair, type Window2D } from '../core/geometry.js';
import { convTransposeArgs, convTransposeBackward, convTransposeColumnFloats, convTransposeForward, type ConvTransposeArgs } from '../core/kernels/conv-transpose.js';
import { transposedWindow2D, type TransposePadding } from '../core/transposed-window.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import {
  ConfigReader, activationConfig, construct, initializersConfig, penaltiesConfig, readActivation, readChannelsLast, readChoice,
  readInitializer, readPenalties,
} from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Arguments of {@link conv2dTranspose}, as Keras (TF.js has all but outputPadding). */
export interface Conv2DTransposeArgs extends LayerArgs {
  /** Output channels. */
  filters: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: TransposePadding;
  /**
   * Extra rows/columns at the bottom/right of the output (Keras `output_padding`), each smaller
   * than its stride; default none: the output is then size·stride ('same') or
   * size·stride + max(kernel − stride, 0) ('valid').
   */
  outputPadding?: number | [number, number] | null;
  /** Default 1: the transpose of a dilated convolution; with strides > 1 refused, as Keras does. */
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: string | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: string | Initializer;
  /** Penalty on the kernel, e.g. nn.regularizers.l2({ l2: 1e-4 }). */
  kernelRegularizer?: string | Regularizer;
  /** Penalty on the bias. */
  biasRegularizer?: string | Regularizer;
}

/** Output padding as [h, w] of non-negative integers each below its stride, or null; throws naming `who`. */
function outputPaddingPair(value: unknown, strides: [number, number], who: string): [number, number] | null {
  if (value === undefined || value === null) return null;
  const p = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${who}: outputPadding must be a non-negative integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  if (p[0] >= strides[0] || p[1] >= strides[1]) {
    throw new RangeError(`${who}: outputPadding must be smaller than strides on each axis, got outputPadding [${p.join(', ')}] with strides [${strides.join(', ')}]`);
  }
  return [p[0], p[1]];
}

/** A transposed 2-D convolution over NHWC input with kernel [kh, kw, filters, inC]. */
export class Conv2DTranspose extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Conv2DTranspose';
  /** Every option {@link conv2dTranspose} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'outputPadding',
    'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'];
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: TransposePadding;
  /** Null when not given (Keras's None): the output size then follows the padding alone. */
  readonly outputPadding: [number, number] | null;
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private win!: Window2D;
  private kernel!: Param;
  private bias: Param | null = null;
  /** The kernels' operands, refilled per call. */
  private op!: ConvTransposeArgs;

  constructor(args: Conv2DTransposeArgs) {
    super(args, 'Conv2DTranspose', args.activation);
    const who = this.describe();
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new RangeError(`${who}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize, 1, who, 'kernelSize');
    this.strides = pair(args.strides, 1, who, 'strides');
    this.dilationRate = pair(args.dilationRate, 1, who, 'dilationRate');
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new RangeError(`${who}: strides > 1 together with dilationRate > 1 is not supported (nor by Keras), got strides [${this.strides.join(', ')}] and dilationRate [${this.dilationRate.join(', ')}]`);
    }
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${who}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
    this.padding = padding;
    this.outputPadding = outputPaddingPair(args.outputPadding, this.strides, who);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotUniform', `${who}: kernelInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`);
  }

  /** A Conv2DTranspose from its Keras (or TF.js) config; channels_first, groups and constraints are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Conv2DTranspose {
    const outputPadding = r.raw('output_padding');
    const options = {
      ...args, filters: r.positiveInt('filters'), kernelSize: r.pair('kernel_size'), strides: r.pair('strides', 1),
      padding: readChoice(r, 'padding', ['valid', 'same'] as const, 'valid'), dilationRate: r.pair('dilation_rate', 1),
      outputPadding: outputPadding as Conv2DTransposeArgs['outputPadding'], activation: readActivation(r), useBias: r.bool('use_bias', true),
      kernelInitializer: readInitializer(r, 'kernel_initializer'), biasInitializer: readInitializer(r, 'bias_initializer'), ...readPenalties(r),
    };
    readChannelsLast(r);
    r.requireDefault('groups', 1); // Keras 2 writes Conv2D's groups: 1
    return construct(r, () => new Conv2DTranspose(options));
  }

  override getConfig(): JSONObject {
    return {
      ...super.getConfig(), filters: this.filters, kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      output_padding: this.outputPadding ? [...this.outputPadding] : null, data_format: 'channels_last', dilation_rate: [...this.dilationRate],
      ...activationConfig(this.activationName), use_bias: this.useBias,
      ...initializersConfig(this.kernelInitializer, this.biasInitializer), ...penaltiesConfig(this.kernelRegularizer, this.biasRegularizer),
    };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const input = this.singleInput(inputShapes);
    this.win = transposedWindow2D(input, this.filters, this.kernelSize, this.strides, this.dilationRate, this.padding, this.outputPadding, this.describe());
    this.op = convTransposeArgs(this.win, input[2]);
    return [this.win.inH, this.win.inW, this.filters];
  }

  protected override createParams(): void {
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addParam('kernel', [kh, kw, this.filters, this.op.inChannels], this.kernelInitializer, true, this.kernelRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', [this.filters], this.biasInitializer, true, this.biasRegularizer);
  }

  /** The column buffer: one row of kh·kw·filters per input pixel, written by forward and again by backward. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'transposed-convolution columns', bytes: 4 * convTransposeColumnFloats(this.win, capacity) }];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const a = this.op;
    a.batch = n; a.input = call.inputs[0]; a.kernel = this.kernel.ptr; a.bias = this.bias ? this.bias.ptr : 0;
    a.output = call.output; a.columns = call.buffers[0];
    convTransposeForward(a);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const a = this.op;
    a.batch = n; a.input = call.inputs[0]; a.kernel = this.kernel.ptr; a.columns = call.buffers[0];
    a.gradOutput = call.gradOutput; a.gradKernel = this.kernel.grad; a.gradBias = this.bias ? this.bias.grad : 0;
    a.gradInput = call.gradInputs[0];
    convTransposeBackward(a);
  }
}

/** A transposed 2-D convolution layer (tfjs `tf.layers.conv2dTranspose`, Keras `Conv2DTranspose`). */
export function conv2dTranspose(args: Conv2DTransposeArgs): Conv2DTranspose {
  return new Conv2DTranspose(args);
}
