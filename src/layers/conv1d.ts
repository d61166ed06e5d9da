/**
 * Conv1D over [batch, steps, channels], kernel [kernelSize, inChannels / groups, filters] as
 * Keras. A sequence is a height-1 image, and that kernel is the [1, k, inC, filters] Conv2D
 * kernel in the same memory, so it runs on Conv2D's machinery: a direct forward for small
 * patches, im2col + the GEMM otherwise (the GEMM alone for kernelSize 1), col2im in backward,
 * and per-group GEMMs with `groups`. 'causal' pads the window's overhang before the first step.
 */
import type { ActivationName } from '../activations.js';
import { checkPositiveInteger } from '../core/checks.js';
import { col2im, conv2dDirect, convArgs, im2col, type ConvArgs } from '../core/kernels/conv.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import type { Window2D } from '../core/geometry.js';
import { singleSize, window1D, type Padding1D } from '../core/window1d.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { DIRECT_MAX_PATCH } from './conv2d.js';
import { GroupedConvGemms } from './conv2d-groups.js';
import { ConfigReader, activationConfig, construct, initializersConfig, penaltiesConfig, readActivation, readChannelsLast, readInitializer, readPenalties } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall, type Param } from './layer.js';
import { readPadding1D, readSingle } from './sequence-config.js';

/** Arguments of {@link conv1d}, as tfjs-layers. */
export interface Conv1DArgs extends LayerArgs {
  filters: number;
  /** Window length (a number, or a list of one as Keras writes it). */
  kernelSize: number | [number];
  /** Default 1. */
  strides?: number | [number];
  /** Default 'valid'; 'causal' makes output step t see input steps ≤ t only. */
  padding?: Padding1D;
  /** Default 1. */
  dilationRate?: number | [number];
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: string | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: string | Initializer;
  /** Penalty on the kernel. */
  kernelRegularizer?: string | Regularizer;
  /** Penalty on the bias. */
  biasRegularizer?: string | Regularizer;
  /** Channel groups (Keras `groups`), default 1; input channels and filters must be divisible by it. */
  groups?: number;
}

/** A 1-D convolution over [batch, steps, channels] with kernel [kernelSize, inChannels / groups, filters]. */
export class Conv1D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Conv1D';
  /** Every option {@link conv1d} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation',
    'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'groups'];
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly dilationRate: number;
  readonly padding: Padding1D;
  readonly useBias: boolean;
  readonly groups: number;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private win!: Window2D;
  private kernel!: Param;
  private bias: Param | null = null;
  protected override readonly fusesActivation = true;
  /** The kernels' operands, refilled per call. */
  private conv!: ConvArgs;
  private readonly forwardGemm = gemmArgs();
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly columnGradGemm = gemmArgs({ transposeB: true });
  private grouped: GroupedConvGemms | null = null;

  constructor(args: Conv1DArgs) {
    super(args, 'Conv1D', args.activation);
    const who = this.describe();
    this.filters = checkPositiveInteger(args.filters, who, 'filters');
    this.groups = checkPositiveInteger(args.groups ?? 1, who, 'groups');
    if (this.filters % this.groups !== 0) throw new RangeError(`${who}: filters (${this.filters}) must be divisible by groups (${this.groups})`);
    this.kernelSize = singleSize(args.kernelSize, NaN, who, 'kernelSize');
    this.strides = singleSize(args.strides, 1, who, 'strides');
    this.dilationRate = singleSize(args.dilationRate, 1, who, 'dilationRate');
    this.padding = args.padding ?? 'valid';
    if (!['valid', 'same', 'causal'].includes(this.padding)) throw new RangeError(`${who}: padding must be 'valid', 'same' or 'causal', got ${JSON.stringify(args.padding)}`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotUniform', `${who}: kernelInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`);
  }

  /** A Conv1D from its Keras config; channels_first and LoRA are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Conv1D {
    const options: Conv1DArgs = {
      ...args, filters: r.positiveInt('filters'), kernelSize: readSingle(r, 'kernel_size'), strides: readSingle(r, 'strides', 1),
      padding: readPadding1D(r, ['valid', 'same', 'causal']), dilationRate: readSingle(r, 'dilation_rate', 1), activation: readActivation(r),
      useBias: r.bool('use_bias', true), kernelInitializer: readInitializer(r, 'kernel_initializer'), biasInitializer: readInitializer(r, 'bias_initializer'),
      ...readPenalties(r), groups: r.positiveInt('groups', 1),
    };
    readChannelsLast(r);
    r.requireDefault('lora_rank');
    r.requireDefault('lora_alpha');
    return construct(r, () => new Conv1D(options));
  }

  override getConfig(): JSONObject {
    return {
      ...super.getConfig(), filters: this.filters, kernel_size: [this.kernelSize], strides: [this.strides], padding: this.padding, data_format: 'channels_last',
      dilation_rate: [this.dilationRate], ...activationConfig(this.activationName), use_bias: this.useBias,
      ...initializersConfig(this.kernelInitializer, this.biasInitializer), ...penaltiesConfig(this.kernelRegularizer, this.biasRegularizer),
      ...(this.groups > 1 ? { groups: this.groups } : {}), // Keras's key, written only when used (tfjs has none)
    };
  }

  /** True when each output step reads one input step in place (kernelSize 1, stride 1): the GEMM alone. */
  private get pointwise(): boolean {
    return this.win.kw === 1 && this.win.strideW === 1 && this.win.padLeft === 0;
  }

  /** True when forward runs the direct kernel (Conv2D's rule: small patch, filters a multiple of 4). */
  get direct(): boolean {
    return this.groups === 1 && !this.pointwise && this.patch <= DIRECT_MAX_PATCH && this.filters % 4 === 0;
  }

  /** Floats in one im2col row: kernelSize · inChannels. */
  private get patch(): number {
    return this.win.kw * this.win.channels;
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window1D(this.singleInput(inputShapes), this.kernelSize, this.strides, this.dilationRate, this.padding, this.describe());
    if (this.win.channels % this.groups !== 0) {
      throw new RangeError(`${this.describe()}: input channels (${this.win.channels}) must be divisible by groups (${this.groups})`);
    }
    this.conv = convArgs(this.win);
    this.grouped = this.groups > 1 ? new GroupedConvGemms(this.win, this.groups, this.filters) : null;
    return [this.win.outW, this.filters];
  }

  protected override createParams(): void {
    this.kernel = this.addParam('kernel', [this.kernelSize, this.win.channels / this.groups, this.filters], this.kernelInitializer, true, this.kernelRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', [this.filters], this.biasInitializer, true, this.biasRegularizer);
  }

  /** The im2col column buffer (none when pointwise). */
  override bufferRequests(capacity: number): BufferRequest[] {
    return this.pointwise ? [] : [{ label: 'im2col columns', bytes: 4 * capacity * this.win.outW * this.patch }];
  }

  /** The GEMM's left operand for n samples: the input itself when pointwise, else its patch columns. */
  private columns(n: number, x: number, colBuffer: number): number {
    if (this.pointwise) return x;
    const c = this.conv;
    c.batch = n; c.input = x; c.columns = colBuffer;
    im2col(c);
    return colBuffer;
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const bias = this.bias ? this.bias.ptr : 0;
    // Every path adds the bias and applies the activation in its write-back.
    if (this.direct) {
      const c = this.conv;
      c.batch = n; c.input = call.inputs[0]; c.kernel = this.kernel.ptr; c.bias = bias;
      c.output = call.output; c.filters = this.filters; c.activation = this.fusedActivation(call);
      conv2dDirect(c);
      return;
    }
    const rows = n * this.win.outW, columns = this.columns(n, call.inputs[0], call.buffers[0]);
    if (this.grouped) {
      this.grouped.forward(rows, columns, this.kernel.ptr, call.output, bias, this.fusedActivation(call));
      return;
    }
    const g = this.forwardGemm;
    g.m = rows; g.n = this.filters; g.k = this.patch; g.a = columns; g.b = this.kernel.ptr; g.c = call.output;
    g.bias = bias; g.activation = this.fusedActivation(call);
    gemm(g);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { inputs, gradOutput, gradInputs } = call;
    const colBuffer = this.pointwise ? 0 : call.buffers[0];
    const rows = n * this.win.outW;
    // The im2col forward left its columns in the buffer; the direct forward did not fill it.
    const columns = this.direct ? this.columns(n, inputs[0], colBuffer) : this.pointwise ? inputs[0] : colBuffer;
    if (this.grouped) {
      this.grouped.kernelGrad(rows, columns, gradOutput, this.kernel.grad);
    } else {
      const gk = this.kernelGradGemm; // gradKernel = columnsᵀ · gradOutput
      gk.m = this.patch; gk.n = this.filters; gk.k = rows; gk.a = columns; gk.b = gradOutput; gk.c = this.kernel.grad;
      gemm(gk);
    }
    if (this.bias) this.backend.kernels.sumRows(gradOutput, this.bias.grad, rows, this.filters, 0);
    if (gradInputs[0] === 0) return;
    // gradColumns = gradOutput · kernelᵀ, straight into gradInput when pointwise, else into the
    // column buffer (its columns are spent), then scattered back to the steps by col2im.
    const target = this.pointwise ? gradInputs[0] : colBuffer;
    if (this.grouped) {
      this.grouped.columnGrad(rows, gradOutput, this.kernel.ptr, target);
    } else {
      const gc = this.columnGradGemm;
      gc.m = rows; gc.n = this.patch; gc.k = this.filters; gc.a = gradOutput; gc.b = this.kernel.ptr; gc.c = target;
      gemm(gc);
    }
    if (this.pointwise) return;
    const c = this.conv;
    c.batch = n; c.columns = colBuffer; c.gradInput = gradInputs[0];
    col2im(c);
  }
}

/** A 1-D convolution layer (tfjs `tf.layers.conv1d`). */
export function conv1d(args: Conv1DArgs): Conv1D {
  return new Conv1D(args);
}
