/**
 * Conv2D, NHWC, kernel [kh, kw, inC, filters] as Keras. Forward: im2col into a column buffer,
 * one GEMM, bias. Backward: gradKernel = colsᵀ·dY; gradInput = col2im(dY·kernelᵀ), reusing the
 * same column buffer. A 1x1, stride-1, unpadded convolution is a plain GEMM on the input.
 * Small patches (kh·kw·inC ≤ DIRECT_MAX_PATCH, filters % 4 == 0, e.g. a first layer on one
 * channel) skip im2col in forward: a direct kernel accumulates each pixel's filters in registers,
 * bias included; backward then builds the columns itself before the weight gradient.
 * With `groups` > 1 the GEMMs run per (tap, group) over channel slices of the columns (conv2d-groups.ts).
 */
import type { ActivationName } from '../activations.js';
import { col2im, conv2dDirect, convArgs, im2col, type ConvArgs } from '../core/kernels/conv.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { window2D, pair, type Padding, type Window2D } from '../core/geometry.js';
import { ConfigReader, activationConfig, construct, initializersConfig, penaltiesConfig, readActivation, readChannelsLast, readInitializer, readPadding, readPenalties } from './keras-config.js';
import { GroupedConvGemms } from './conv2d-groups.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type Param, type LayerCall, type BufferRequest } from './layer.js';

/** Arguments of {@link conv2d}, as tfjs-layers. */
export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  /** Default 1. */
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
  /**
   * Channel groups (Keras `groups`), default 1: input channels and filters split into this many
   * groups, each group's filters reading only its own channels; both must be divisible by it.
   */
  groups?: number;
}

/**
 * Largest kh·kw·inC for the direct forward. Measured (a kernel sweep, batch 16–64, 3x3 same):
 * direct is 1.5–2.7x im2col + GEMM + bias for patches 9–72 at outC 8–16, ahead but noisy at
 * 144–288 and behind at outC 64. bench/conv: conv1 (K 9) 3.9 → 10 GFLOP/s, conv2 (K 72)
 * 19 → 29; backward then pays the im2col, so a training step is about even.
 */
export const DIRECT_MAX_PATCH = 72;

/** A 2-D convolution over NHWC input with kernel [kh, kw, inC, filters]. */
export class Conv2D extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Conv2D';
  /** Every option {@link conv2d} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation',
    'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'groups'];
  readonly filters: number;
  readonly groups: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private win!: Window2D;
  private kernel!: Param;
  private bias: Param | null = null;
  /** im2col buffer [batch·outH·outW, kh·kw·inC]; 0 for a pointwise convolution. */
  protected override readonly fusesActivation = true;
  /** The kernels' operands, refilled per call. */
  private conv!: ConvArgs;
  private readonly forwardGemm = gemmArgs();
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly columnGradGemm = gemmArgs({ transposeB: true });
  /** The per-group GEMMs when groups > 1. */
  private grouped: GroupedConvGemms | null = null;

  constructor(args: Conv2DArgs) {
    super(args, 'Conv2D', args.activation);
    const who = this.describe();
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new RangeError(`${who}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    const groups = args.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${who}: groups must be a positive integer, got ${groups}`);
    if (this.filters % groups !== 0) throw new RangeError(`${who}: filters (${this.filters}) must be divisible by groups (${groups})`);
    this.groups = groups;
    this.kernelSize = pair(args.kernelSize, 1, who, 'kernelSize');
    this.strides = pair(args.strides, 1, who, 'strides');
    this.dilationRate = pair(args.dilationRate, 1, who, 'dilationRate');
    this.padding = args.padding ?? 'valid';
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotUniform', `${who}: kernelInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`);
  }

  /** A Conv2D from its Keras config; channels_first and LoRA are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Conv2D {
    const options = {
      ...args, filters: r.positiveInt('filters'), kernelSize: r.pair('kernel_size'), strides: r.pair('strides', 1), padding: readPadding(r),
      dilationRate: r.pair('dilation_rate', 1), activation: readActivation(r), useBias: r.bool('use_bias', true),
      kernelInitializer: readInitializer(r, 'kernel_initializer'), biasInitializer: readInitializer(r, 'bias_initializer'), ...readPenalties(r),
      groups: r.positiveInt('groups', 1),
    };
    readChannelsLast(r);
    r.requireDefault('lora_rank');
    r.requireDefault('lora_alpha');
    return construct(r, () => new Conv2D(options));
  }

  override getConfig(): JSONObject {
    return {
      ...super.getConfig(), filters: this.filters, kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding, data_format: 'channels_last',
      dilation_rate: [...this.dilationRate], ...activationConfig(this.activationName), use_bias: this.useBias,
      ...initializersConfig(this.kernelInitializer, this.biasInitializer), ...penaltiesConfig(this.kernelRegularizer, this.biasRegularizer),
      // Keras's key; written only when used, so files of ungrouped convolutions stay as tfjs writes them.
      ...(this.groups > 1 ? { groups: this.groups } : {}),
    };
  }

  /** True when the convolution reads each input pixel once in place (no im2col needed). */
  private get pointwise(): boolean {
    const w = this.win;
    return w.kh === 1 && w.kw === 1 && w.strideH === 1 && w.strideW === 1 && w.padTop === 0 && w.padLeft === 0;
  }

  /** True when forward runs the direct kernel (small patch, filters a multiple of 4). */
  get direct(): boolean {
    return this.groups === 1 && !this.pointwise && this.patch <= DIRECT_MAX_PATCH && this.filters % 4 === 0;
  }

  private get patch(): number {
    return this.win.kh * this.win.kw * this.win.channels;
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.win = window2D(this.singleInput(inputShapes), this.kernelSize, this.strides, this.dilationRate, this.padding, this.describe());
    if (this.win.channels % this.groups !== 0) {
      throw new RangeError(`${this.describe()}: input channels (${this.win.channels}) must be divisible by groups (${this.groups})`);
    }
    this.conv = convArgs(this.win);
    this.grouped = this.groups > 1 ? new GroupedConvGemms(this.win, this.groups, this.filters) : null;
    return [this.win.outH, this.win.outW, this.filters];
  }

  protected override createParams(): void {
    this.kernel = this.addParam('kernel', [this.kernelSize[0], this.kernelSize[1], this.win.channels / this.groups, this.filters], this.kernelInitializer, true, this.kernelRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', [this.filters], this.biasInitializer, true, this.biasRegularizer);
  }

  /** The im2col column buffer (a 1x1 stride-1 convolution reads its input directly and needs none). */
  override bufferRequests(capacity: number): BufferRequest[] {
    return this.pointwise ? [] : [{ label: 'im2col columns', bytes: 4 * capacity * this.win.outH * this.win.outW * this.patch }];
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
    const { inputs, output } = call;
    // Both paths add the bias and apply the activation in their write-back.
    if (this.direct) {
      const c = this.conv;
      c.batch = n; c.input = inputs[0]; c.kernel = this.kernel.ptr; c.bias = this.bias ? this.bias.ptr : 0;
      c.output = output; c.filters = this.filters; c.activation = this.fusedActivation(call);
      conv2dDirect(c);
      return;
    }
    if (this.grouped) {
      this.grouped.forward(n * this.win.outH * this.win.outW, this.columns(n, inputs[0], call.buffers[0]), this.kernel.ptr, output,
        this.bias ? this.bias.ptr : 0, this.fusedActivation(call));
      return;
    }
    const g = this.forwardGemm;
    g.m = n * this.win.outH * this.win.outW; g.n = this.filters; g.k = this.patch;
    g.a = this.columns(n, inputs[0], call.buffers[0]); g.b = this.kernel.ptr; g.c = output;
    g.bias = this.bias ? this.bias.ptr : 0;
    g.activation = this.fusedActivation(call);
    gemm(g);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { inputs, gradOutput, gradInputs } = call;
    const colBuffer = this.pointwise ? 0 : call.buffers[0];
    const rows = n * this.win.outH * this.win.outW;
    if (this.grouped) {
      this.backwardGrouped(n, call, this.grouped, colBuffer, rows);
      return;
    }
    // gradKernel = columnsᵀ · gradOutput. The im2col forward left its columns in the buffer;
    // the direct forward did not fill it.
    const gk = this.kernelGradGemm;
    gk.m = this.patch; gk.n = this.filters; gk.k = rows;
    gk.a = this.direct ? this.columns(n, inputs[0], colBuffer) : this.pointwise ? inputs[0] : colBuffer;
    gk.b = gradOutput; gk.c = this.kernel.grad;
    gemm(gk);
    if (this.bias) this.backend.kernels.sumRows(gradOutput, this.bias.grad, rows, this.filters, 0);
    if (gradInputs[0] === 0) return;
    // gradColumns = gradOutput · kernelᵀ: straight into gradInput when pointwise; otherwise into
    // the column buffer (its columns are no longer needed), then scattered back by col2im.
    const gc = this.columnGradGemm;
    gc.m = rows; gc.n = this.patch; gc.k = this.filters;
    gc.a = gradOutput; gc.b = this.kernel.ptr; gc.c = this.pointwise ? gradInputs[0] : colBuffer;
    gemm(gc);
    if (this.pointwise) return;
    const c = this.conv;
    c.batch = n; c.columns = colBuffer; c.gradInput = gradInputs[0];
    col2im(c);
  }

  /** backwardLinear for groups > 1: the same steps, each GEMM split per (tap, group). */
  private backwardGrouped(n: number, call: LayerCall, grouped: GroupedConvGemms, colBuffer: number, rows: number): void {
    const { inputs, gradOutput, gradInputs } = call;
    grouped.kernelGrad(rows, this.pointwise ? inputs[0] : colBuffer, gradOutput, this.kernel.grad);
    if (this.bias) this.backend.kernels.sumRows(gradOutput, this.bias.grad, rows, this.filters, 0);
    if (gradInputs[0] === 0) return;
    grouped.columnGrad(rows, gradOutput, this.kernel.ptr, this.pointwise ? gradInputs[0] : colBuffer);
    if (this.pointwise) return;
    const c = this.conv;
    c.batch = n; c.columns = colBuffer; c.gradInput = gradInputs[0];
    col2im(c);
  }
}

/** A 2-D convolution layer (tfjs `tf.layers.conv2d`). */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
