/**
 * Dense: output = activation(input · kernel + bias), kernel [inUnits, units] as Keras.
 * Forward and backward side by side: one GEMM forward, two backward (weights, input).
 */
import type { ActivationName } from '../activations.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { ConfigReader, activationConfig, construct, initializersConfig, penaltiesConfig, readActivation, readInitializer, readPenalties } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type LayerArgs, type Param, type LayerCall } from './layer.js';

/** Arguments of {@link dense}, as tfjs-layers. */
export interface DenseArgs extends LayerArgs {
  /** Output width. */
  units: number;
  /** Activation after the affine map; default 'linear'. */
  activation?: ActivationName;
  /** Whether to add a bias; default true. */
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

/** A densely connected layer: activation(input · kernel + bias). */
export class Dense extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Dense';
  /** Every option {@link dense} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'];
  readonly units: number;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private kernel!: Param;
  private bias: Param | null = null;
  protected override readonly fusesActivation = true;
  /** The GEMMs' operands, refilled per call: forward, weight gradient, input gradient. */
  private readonly forwardGemm = gemmArgs();
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly inputGradGemm = gemmArgs({ transposeB: true });

  constructor(args: DenseArgs) {
    super(args, 'Dense', args.activation);
    if (!Number.isInteger(args.units) || args.units < 1) {
      throw new RangeError(`${this.describe()}: units must be a positive integer, got ${args.units}`);
    }
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotUniform', `${this.describe()}: kernelInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${this.describe()}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${this.describe()}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${this.describe()}: biasRegularizer`);
  }

  /** A Dense from its Keras config; LoRA and quantisation are refused unless off. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Dense {
    const units = r.positiveInt('units');
    const options = { ...args, units, activation: readActivation(r), useBias: r.bool('use_bias', true), kernelInitializer: readInitializer(r, 'kernel_initializer'), biasInitializer: readInitializer(r, 'bias_initializer'), ...readPenalties(r) };
    r.requireDefault('lora_rank');
    r.requireDefault('lora_alpha');
    r.requireDefault('quantization_config');
    return construct(r, () => new Dense(options));
  }

  override getConfig(): JSONObject {
    return {
      ...super.getConfig(), units: this.units, ...activationConfig(this.activationName), use_bias: this.useBias,
      ...initializersConfig(this.kernelInitializer, this.biasInitializer), ...penaltiesConfig(this.kernelRegularizer, this.biasRegularizer),
    };
  }

  /** Width of each input row. */
  get inputUnits(): number {
    return this.inputShapes[0][this.inputShapes[0].length - 1];
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    // As Keras, a rank > 1 input is transformed along its last axis.
    return [...this.singleInput(inputShapes).slice(0, -1), this.units];
  }

  protected override createParams(): void {
    this.kernel = this.addParam('kernel', [this.inputUnits, this.units], this.kernelInitializer, true, this.kernelRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', [this.units], this.biasInitializer, true, this.biasRegularizer);
  }

  /** GEMM rows for n samples: one per sample, or per position for rank > 1 inputs. */
  private rows(n: number): number {
    return (n * this.outputSize) / this.units;
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    // output = activation(input · kernel + bias), bias and activation in the GEMM's write-back
    const g = this.forwardGemm;
    g.m = this.rows(n); g.n = this.units; g.k = this.inputUnits;
    g.a = inputs[0]; g.b = this.kernel.ptr; g.c = output;
    g.bias = this.bias ? this.bias.ptr : 0;
    g.activation = this.fusedActivation(call);
    gemm(g);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { inputs, gradOutput, gradInputs } = call;
    const inUnits = this.inputUnits;
    n = this.rows(n);
    // gradKernel = inputᵀ · gradOutput
    const gk = this.kernelGradGemm;
    gk.m = inUnits; gk.n = this.units; gk.k = n;
    gk.a = inputs[0]; gk.b = gradOutput; gk.c = this.kernel.grad;
    gemm(gk);
    if (this.bias) this.backend.kernels.sumRows(gradOutput, this.bias.grad, n, this.units, 0);
    // gradInput = gradOutput · kernelᵀ, skipped for the first layer
    if (gradInputs[0] !== 0) {
      const gi = this.inputGradGemm;
      gi.m = n; gi.n = inUnits; gi.k = this.units;
      gi.a = gradOutput; gi.b = this.kernel.ptr; gi.c = gradInputs[0];
      gemm(gi);
    }
  }

  override toString(): string {
    return `${this.describe()} ${formatShape(this.outputShape)}`;
  }
}

/** A densely connected layer (tfjs `tf.layers.dense`). */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
