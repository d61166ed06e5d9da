/**
 * Embedding: each input value, an integer index given as float32, becomes its row of the table
 * `embeddings` [inputDim, outputDim], as Keras. Every batch's indices are checked before the
 * gather (an index that is not an integer in [0, inputDim) is an error naming its position);
 * backward scatter-adds the output gradient into the rows, in input order. Indices have no
 * gradient: a layer before the Embedding receives zeros.
 */
import { checkBoolean, checkOptions, checkPositiveInteger, checkShapeList, describeValue } from '../core/checks.js';
import { embeddingKernelArgs, embeddingFirstInvalid, embeddingGather, embeddingScatterAdd, type EmbeddingKernelArgs } from '../core/kernels/embedding.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { ConfigReader, construct, initializerConfig, readInitializer, readRegularizer, regularizerConfig } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Arguments of {@link embedding}, as tfjs-layers. */
export interface EmbeddingArgs extends LayerArgs {
  /** Number of rows: the indices run over 0 … inputDim − 1 (at most 2^24, so each is exact in float32). */
  inputDim: number;
  /** Width of each row. */
  outputDim: number;
  /** Default 'randomUniform' (±0.05, as Keras). */
  embeddingsInitializer?: string | Initializer;
  /** Penalty on the table. */
  embeddingsRegularizer?: string | Regularizer;
  /**
   * Keras: index 0 is padding, masked in the layers after. simdnn propagates no masks yet, so
   * only false (the default) is accepted: with true, the layers after and the loss would count
   * the padding steps that Keras skips.
   */
  maskZero?: boolean;
  /** Indices per sample (a number, or the shape of a sample's indices); the input shape when none is given. */
  inputLength?: number | number[];
}

/** Largest inputDim: float32 represents every integer up to 2^24, none past it reliably. */
const MAX_INPUT_DIM = 2 ** 24;

/** Why maskZero cannot be honoured, for the factory's and the loader's errors. */
const MASK_ZERO_REFUSED = 'maskZero true is not supported: simdnn does not propagate masks, so the layers after it and the loss ' +
  'would count the padding steps that Keras skips; use maskZero false (index 0 is then an ordinary row)';

/** The per-sample input shape inputLength declares, or null. */
function lengthShape(inputLength: number | number[] | undefined, who: string): number[] | null {
  if (inputLength === undefined || inputLength === null) return null;
  return typeof inputLength === 'number' ? [checkPositiveInteger(inputLength, who, 'inputLength')] : checkShapeList(inputLength, `${who}: inputLength`);
}

/** A lookup table of `inputDim` rows of `outputDim` floats, indexed by the input's values. */
export class Embedding extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Embedding';
  /** Every option {@link embedding} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer',
    'maskZero', 'inputLength'];
  readonly inputDim: number;
  readonly outputDim: number;
  /** Always false: see {@link EmbeddingArgs.maskZero}. */
  readonly maskZero = false;
  readonly inputLength: number[] | null;
  private readonly embeddingsInitializer: Initializer;
  private readonly embeddingsRegularizer: Regularizer | null;
  private embeddings!: Param;
  /** The kernels' operands, refilled per call. */
  private op!: EmbeddingKernelArgs;

  constructor(args: EmbeddingArgs) {
    // As tfjs: inputLength stands for the input shape when none is given (checked below, once the layer has its name).
    checkOptions(args, 'Embedding', Embedding.optionKeys);
    const length = typeof args.inputLength === 'number' ? [args.inputLength] : args.inputLength;
    const declared = args.inputShape === undefined && args.batchInputShape === undefined && Array.isArray(length) &&
      length.length > 0 && length.every((d) => Number.isInteger(d) && d >= 1) ? { inputShape: length } : {};
    super({ ...args, ...declared }, 'Embedding');
    const who = this.describe();
    this.inputLength = lengthShape(args.inputLength, who);
    this.inputDim = checkPositiveInteger(args.inputDim, who, 'inputDim');
    if (this.inputDim > MAX_INPUT_DIM) throw new RangeError(`${who}: inputDim must be at most 2^24 = ${MAX_INPUT_DIM} (float32 indices are exact up to there), got ${this.inputDim}`);
    this.outputDim = checkPositiveInteger(args.outputDim, who, 'outputDim');
    if (args.maskZero !== undefined && checkBoolean(args.maskZero, who, 'maskZero')) throw new Error(`${who}: ${MASK_ZERO_REFUSED}`);
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer, 'randomUniform', `${who}: embeddingsInitializer`);
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer, `${who}: embeddingsRegularizer`);
  }

  /** An Embedding from its Keras config; mask_zero true, constraints and LoRA are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Embedding {
    if (r.raw('mask_zero') === true) throw new Error(`${r.who}: mask_zero: ${MASK_ZERO_REFUSED}`);
    r.requireDefault('mask_zero', false);
    const length = r.raw('input_length');
    const options: EmbeddingArgs = {
      ...args, inputDim: r.positiveInt('input_dim'), outputDim: r.positiveInt('output_dim'),
      embeddingsInitializer: readInitializer(r, 'embeddings_initializer'), embeddingsRegularizer: readRegularizer(r, 'embeddings_regularizer'),
      ...(length === undefined || length === null ? {} : { inputLength: length as number | number[] }),
    };
    r.requireDefault('embeddings_constraint');
    r.requireDefault('activity_regularizer');
    r.requireDefault('lora_rank');
    r.requireDefault('lora_alpha');
    r.requireDefault('quantization_config');
    r.requireDefault('sparse', false); // Keras 3.6+: sparse gradients
    return construct(r, () => new Embedding(options));
  }

  override getConfig(): JSONObject {
    const init = initializerConfig(this.embeddingsInitializer);
    return {
      ...super.getConfig(), input_dim: this.inputDim, output_dim: this.outputDim, ...(init ? { embeddings_initializer: init } : {}),
      embeddings_regularizer: regularizerConfig(this.embeddingsRegularizer), activity_regularizer: null, embeddings_constraint: null,
      mask_zero: false, input_length: this.inputLength === null ? null : this.inputLength.length === 1 ? this.inputLength[0] : [...this.inputLength],
    };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    const length = this.inputLength;
    if (length && (length.length !== shape.length || length.some((d, i) => d !== shape[i]))) {
      throw new RangeError(`${this.describe()}: inputLength ${formatShape(length)} does not match the input's per-sample shape ${formatShape(shape)}`);
    }
    this.op = embeddingKernelArgs(this.inputDim, this.outputDim);
    return [...shape, this.outputDim];
  }

  protected override createParams(): void {
    this.embeddings = this.addParam('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, true, this.embeddingsRegularizer);
  }

  /** Indices per sample. */
  private get indicesPerSample(): number {
    return this.outputSize / this.outputDim;
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const e = this.op;
    e.count = n * this.indicesPerSample; e.indices = call.inputs[0]; e.table = this.embeddings.ptr; e.output = call.output;
    const bad = embeddingFirstInvalid(e);
    if (bad >= 0) this.refuseIndex(bad, e.indices);
    embeddingGather(e);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const e = this.op;
    e.count = n * this.indicesPerSample; e.indices = call.inputs[0]; e.gradOutput = call.gradOutput; e.gradTable = this.embeddings.grad;
    embeddingScatterAdd(e);
    // Indices are not differentiable (Keras casts them to integers): a layer before gets zeros.
    const gradInput = call.gradInputs[0];
    if (gradInput !== 0) this.backend.arena.f32.fill(0, gradInput >>> 2, (gradInput >>> 2) + e.count);
  }

  /** Throws naming the invalid value and its position [sample, ...] in the batch. */
  private refuseIndex(flat: number, indices: number): never {
    const value = this.backend.arena.f32[(indices >>> 2) + flat];
    const position: number[] = [];
    let rest = flat;
    for (let axis = this.inputShapes[0].length - 1; axis >= 0; axis--) {
      position.unshift(rest % this.inputShapes[0][axis]);
      rest = Math.floor(rest / this.inputShapes[0][axis]);
    }
    position.unshift(rest);
    throw new RangeError(`${this.describe()}: input value ${describeValue(value)} at [${position.join(', ')}] of the batch is not an integer index in [0, ${this.inputDim}) ` +
      `(inputDim ${this.inputDim}); indices are given as float32 values 0, 1, ..., inputDim − 1`);
  }
}

/** A lookup table of learned rows indexed by integer inputs (tfjs `tf.layers.embedding`). */
export function embedding(args: EmbeddingArgs): Embedding {
  return new Embedding(args);
}
