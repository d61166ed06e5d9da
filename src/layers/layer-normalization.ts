/**
 * LayerNormalization as Keras: each sample is normalised over its trailing axes (the last one by
 * default), with no statistics kept between batches, then scaled by gamma and shifted by beta,
 * both shaped like the normalised axes. The kernels see [rows, cols]: cols values normalised
 * together, rows = samples times the positions before the normalised axes.
 */
import { getInitializer, type Initializer } from '../initializers.js';
import { layerNormArgs, layerNormBackward, layerNormForward, type LayerNormArgs } from '../core/kernels/layer-norm.js';
import { shapeSize } from '../core/tensor.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { ConfigReader, construct, initializerConfig, readInitializer, readRegularizer, regularizerConfig } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type BufferRequest, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Arguments of {@link layerNormalization}, as Keras and tfjs-layers. */
export interface LayerNormalizationArgs extends LayerArgs {
  /**
   * The axis or axes normalised over, counting the batch as axis 0 (negative from the end);
   * default -1. They must be the trailing axes, e.g. [2, 3] or [-2, -1] for [batch, h, w, c].
   */
  axis?: number | number[];
  /** Default 1e-3. */
  epsilon?: number;
  /** Learn an offset beta; default true. */
  center?: boolean;
  /** Learn a scale gamma; default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: string | Initializer;
  /** Default 'ones'. */
  gammaInitializer?: string | Initializer;
  /** Penalty on beta. */
  betaRegularizer?: string | Regularizer;
  /** Penalty on gamma. */
  gammaRegularizer?: string | Regularizer;
}

/** Per-sample normalisation over the trailing axes, with a learnt scale and offset. */
export class LayerNormalization extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'LayerNormalization';
  /** Every option {@link layerNormalization} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'axis', 'epsilon', 'center', 'scale', 'betaInitializer',
    'gammaInitializer', 'betaRegularizer', 'gammaRegularizer'];
  /** The normalised axes as given (checked against the input at build). */
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly betaInitializer: Initializer;
  private readonly gammaInitializer: Initializer;
  private readonly betaRegularizer: Regularizer | null;
  private readonly gammaRegularizer: Regularizer | null;
  private gamma: Param | null = null;
  private beta: Param | null = null;
  /** Values normalised together, and groups of them per sample; set by build. */
  private cols = 0;
  private rowsPerSample = 0;
  /** The shape of gamma and beta: the normalised axes' sizes, in the order given. */
  private paramShape: number[] = [];
  /** The kernels' operands, refilled per call. */
  private readonly op: LayerNormArgs = layerNormArgs();

  constructor(args: LayerNormalizationArgs = {}) {
    super(args, 'LayerNormalization');
    const who = this.describe();
    const axis = args.axis ?? -1;
    const ok = Number.isInteger(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every((a) => Number.isInteger(a)));
    if (!ok) throw new RangeError(`${who}: axis must be an integer or a non-empty list of integers, got ${JSON.stringify(axis)}`);
    this.axis = Array.isArray(axis) ? Object.freeze([...axis]) : axis;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(typeof this.epsilon === 'number' && this.epsilon > 0 && Number.isFinite(this.epsilon))) {
      throw new RangeError(`${who}: epsilon must be a positive number, got ${this.epsilon}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer, 'zeros', `${who}: betaInitializer`);
    this.gammaInitializer = getInitializer(args.gammaInitializer, 'ones', `${who}: gammaInitializer`);
    this.betaRegularizer = getRegularizer(args.betaRegularizer, `${who}: betaRegularizer`);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, `${who}: gammaRegularizer`);
  }

  /** A LayerNormalization from its Keras (2 or 3) or TF.js config; constraints and rms_scaling are refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): LayerNormalization {
    const options = {
      ...args, axis: (r.raw('axis') ?? -1) as number | number[], epsilon: r.number('epsilon', 1e-3), center: r.bool('center', true),
      scale: r.bool('scale', true), betaInitializer: readInitializer(r, 'beta_initializer'), gammaInitializer: readInitializer(r, 'gamma_initializer'),
      betaRegularizer: readRegularizer(r, 'beta_regularizer'), gammaRegularizer: readRegularizer(r, 'gamma_regularizer'),
    };
    r.requireDefault('beta_constraint');
    r.requireDefault('gamma_constraint');
    r.requireDefault('activity_regularizer');
    r.requireDefault('rms_scaling', false); // Keras 3's RMS variant
    return construct(r, () => new LayerNormalization(options));
  }

  override getConfig(): JSONObject {
    const beta = initializerConfig(this.betaInitializer), gamma = initializerConfig(this.gammaInitializer);
    return {
      ...super.getConfig(), axis: typeof this.axis === 'number' ? this.axis : [...this.axis], epsilon: this.epsilon, center: this.center, scale: this.scale,
      ...(beta ? { beta_initializer: beta } : {}), ...(gamma ? { gamma_initializer: gamma } : {}),
      beta_regularizer: regularizerConfig(this.betaRegularizer), gamma_regularizer: regularizerConfig(this.gammaRegularizer),
      beta_constraint: null, gamma_constraint: null,
    };
  }

  /**
   * Resolves the axes for a per-sample shape: batch-inclusive indices (negative from the end),
   * none the batch, none twice, together the trailing ones. Returns how many trailing axes.
   */
  private trailingAxes(shape: readonly number[]): number {
    const rank = shape.length + 1;
    const given = typeof this.axis === 'number' ? [this.axis] : this.axis;
    const input = formatShape([null, ...shape]);
    const resolved = given.map((a) => (a < 0 ? a + rank : a));
    resolved.forEach((a, i) => {
      if (a < 0 || a >= rank) throw new RangeError(`${this.describe()}: axis ${given[i]} is out of range for input ${input} (axes 1 to ${rank - 1}, or -1 to ${1 - rank})`);
      if (a === 0) throw new RangeError(`${this.describe()}: axis ${given[i]} is the batch axis of input ${input}; layer normalisation is per sample`);
    });
    if (new Set(resolved).size !== resolved.length) throw new RangeError(`${this.describe()}: axis ${JSON.stringify(this.axis)} names an axis twice`);
    const first = rank - resolved.length;
    if (resolved.some((a) => a < first)) {
      throw new RangeError(`${this.describe()}: axis ${JSON.stringify(this.axis)} is not supported for input ${input}; only trailing axes are ` +
        `(the last ${resolved.length}: ${JSON.stringify(Array.from({ length: resolved.length }, (_, i) => first + i))})`);
    }
    return resolved.length;
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    const count = this.trailingAxes(shape);
    const rank = shape.length + 1;
    const given = typeof this.axis === 'number' ? [this.axis] : this.axis;
    // Keras: gamma and beta take the normalised axes' sizes in the order given, applied as a reshape.
    this.paramShape = given.map((a) => shape[(a < 0 ? a + rank : a) - 1]);
    this.cols = shapeSize(shape.slice(shape.length - count));
    this.rowsPerSample = shapeSize(shape.slice(0, shape.length - count));
    return [...shape];
  }

  protected override createParams(): void {
    if (this.scale) this.gamma = this.addParam('gamma', this.paramShape, this.gammaInitializer, true, this.gammaRegularizer);
    if (this.center) this.beta = this.addParam('beta', this.paramShape, this.betaInitializer, true, this.betaRegularizer);
  }

  /** Each row's mean and 1/√(variance + ε), kept from forward for backward. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'row statistics', bytes: 4 * 2 * capacity * this.rowsPerSample }];
  }

  /** The kernels' operands for n samples. */
  private operands(n: number, call: LayerCall): LayerNormArgs {
    const a = this.op;
    a.rows = n * this.rowsPerSample; a.cols = this.cols; a.epsilon = this.epsilon;
    a.gamma = this.gamma?.ptr ?? 0; a.beta = this.beta?.ptr ?? 0;
    a.mean = call.buffers[0]; a.invStd = call.buffers[0] + 4 * a.rows;
    a.input = call.inputs[0];
    return a;
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const a = this.operands(n, call);
    a.output = call.output;
    layerNormForward(a);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const a = this.operands(n, call);
    a.gradOutput = call.gradOutput; a.gradInput = call.gradInputs[0];
    a.gradGamma = this.gamma?.grad ?? 0; a.gradBeta = this.beta?.grad ?? 0;
    layerNormBackward(a);
  }
}

/** Normalises each sample over its trailing axes (tfjs `tf.layers.layerNormalization`). */
export function layerNormalization(args: LayerNormalizationArgs = {}): LayerNormalization {
  return new LayerNormalization(args);
}
