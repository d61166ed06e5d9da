/**
 * The layer contract: shapes are inferred once, parameters live in wasm memory from build on,
 * and forward/backward are kernel calls on buffers the model planned. Activations are applied
 * here, once for every layer that has one, so each layer writes only its linear part.
 */
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { checkOptions, checkShapeList } from '../core/checks.js';
import { FUSED_LINEAR, type FusedActivation } from '../core/kernels/fused-activation.js';
import { getRandom } from '../core/random.js';
import { getBackend, type Backend, type Kernels } from '../core/wasm.js';
import { Tensor, shapeSize } from '../core/tensor.js';
import type { Initializer } from '../initializers.js';
import type { Regularizer } from '../regularizers.js';
import type { JSONObject } from '../io/types.js';
import { applyLayer, appliedOutputs, type SymbolicTensor } from './input.js';

/** A trainable (or frozen) weight of a layer, with its gradient, both in wasm memory. */
export interface Param {
  /** Keras weight name, e.g. 'kernel', 'bias'. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** Byte offset of the values. */
  readonly ptr: number;
  /** Byte offset of the gradient (written, not accumulated, by each backward). */
  readonly grad: number;
  /**
   * Updated by the optimizer: a weight (not a statistic) of a layer that was trainable at the
   * model's last `compile` (Keras: a change of `layer.trainable` takes effect at the next compile).
   */
  trainable: boolean;
  /** Kept by the layer itself (BatchNormalization's moving statistics), never by the optimizer. */
  readonly statistic?: boolean;
  /** Penalty on this weight, added to the loss and its gradient. */
  readonly regularizer: Regularizer | null;
}

/**
 * The buffers of one application of a layer in a memory plan (one graph node): the plan makes it
 * once and hands it to every forward and backward of that node, so a layer object holds no
 * per-batch memory and can serve several nodes and models at once.
 */
export interface LayerCall {
  /** The input values, one pointer per input. */
  readonly inputs: readonly number[];
  /** Where forward writes the output. */
  readonly output: number;
  /** Gradient with respect to the output (overwritten by backward: it becomes the gradient before the activation). */
  readonly gradOutput: number;
  /** Where backward writes each input's gradient; 0 where none is needed. */
  readonly gradInputs: readonly number[];
  /** The buffers the layer asked for with {@link Layer.planBuffers}, in that order. */
  readonly buffers: readonly number[];
  /**
   * The loss takes this node's activation (softmax/sigmoid + cross-entropy): forward writes logits
   * and backward receives the gradient with respect to them.
   */
  readonly activationInLoss: boolean;
  /**
   * Every output's buffer, `output` first: a layer with several outputs (a recurrent layer with
   * `returnState`) writes them all in one forward.
   */
  readonly outputs: readonly number[];
  /**
   * The gradient with respect to each output, `gradOutput` first; 0 where no gradient flows
   * (an output nothing trains through), which backward reads as zeros.
   */
  readonly gradOutputs: readonly number[];
}


/** A per-batch buffer a layer needs beyond its inputs and output (im2col columns, a dropout mask, ...). */
export interface BufferRequest {
  /** What it holds, for memory reports and out-of-memory errors. */
  readonly label: string;
  readonly bytes: number;
}

/** Option keys every layer accepts (each class adds its own in `static optionKeys`). */
export const LAYER_OPTION_KEYS: readonly string[] = ['name', 'inputShape', 'batchInputShape', 'trainable'];

/** Options every layer accepts. */
export interface LayerArgs {
  /** Layer name; defaults to the class name in snake case with a counter, as Keras. */
  name?: string;
  /** Shape of one sample (without the batch dimension); only needed on a model's first layer. */
  inputShape?: number[];
  /** Batch-inclusive alternative to inputShape; the first entry (batch) is ignored. */
  batchInputShape?: (number | null)[];
  /** Whether the optimizer updates this layer's weights; default true. */
  trainable?: boolean;
}

const nameCounters = new Map<string, number>();

/**
 * The safety net for weights (docs/architecture.md): a layer collected without being disposed
 * returns its weights and their gradients. They belong to the layer, not to a model, since one
 * layer may serve several models and outlive them all.
 */
const unreleasedWeights = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Set<number>>((ledger) => { if (ledger.size > 0) getBackend().arena.releaseAll(ledger); })
  : null;

/** False while a loader builds layers whose weights it is about to overwrite. */
let initializeParams = true;

/** While {@link Layer.weightShapes} runs: where addParam records (name, shape) instead of allocating. */
let recordedParams: [string, number[]][] | null = null;

/**
 * Runs `build` with parameter initialisation skipped (weights start at zero): for loaders that
 * set every weight afterwards, so loading neither spends time drawing nor advances the generator.
 */
export function withoutInitialization<T>(build: () => T): T {
  const previous = initializeParams;
  initializeParams = false;
  try {
    return build();
  } finally {
    initializeParams = previous;
  }
}

function uniqueName(base: string): string {
  const count = nameCounters.get(base) ?? 0;
  nameCounters.set(base, count + 1);
  return count === 0 ? base : `${base}_${count}`;
}

function snakeCase(className: string): string {
  // Keras's rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d.
  return className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Base of every layer: shapes, parameters in wasm memory, forward and backward as kernel calls. */
export abstract class Layer {
  /** The Keras class name, e.g. 'Dense'. */
  readonly className: string;
  readonly name: string;
  /**
   * Whether training updates this layer's weights (Keras `layer.trainable`). It can be changed at
   * any time, also on a built, compiled or loaded model; training follows it from the next
   * `compile`, `summary()` at once. A frozen BatchNormalization runs in inference mode.
   */
  trainable: boolean;
  /** `!trainable` as of the last compile (or construction): what training sees. */
  protected frozen: boolean;
  /** Per-sample input shape given by the user, if any. */
  readonly declaredInputShape: number[] | null;
  /** Per-sample input shapes, set by build. */
  inputShapes: number[][] = [];
  /** Per-sample output shape, set by build. */
  outputShape: number[] = [];
  readonly params: Param[] = [];
  /** The activation applied after the linear part ('linear' when none). */
  protected activation: Activation;
  /** True for layers whose forwardLinear applies {@link fusedActivation} in its write-back (GEMM, direct conv). */
  protected readonly fusesActivation: boolean = false;
  /** How many times `apply` placed the layer in a functional graph (Keras: its inbound nodes). */
  applications = 0;
  private built = false;
  private disposed = false;
  /** The wasm blocks of this layer's weights and gradients (freed by dispose() or the safety net). */
  private readonly weightLedger = new Set<number>();

  protected constructor(args: LayerArgs, className: string, activation?: ActivationName | string) {
    // A class that declares its own `static optionKeys` refuses any other key, naming the nearest.
    const keys = Object.prototype.hasOwnProperty.call(new.target, 'optionKeys') ? (new.target as unknown as { optionKeys: readonly string[] }).optionKeys : null;
    if (keys) checkOptions(args, className, keys);
    this.className = className;
    this.name = args.name ?? uniqueName(snakeCase(className));
    this.trainable = args.trainable ?? true;
    this.frozen = !this.trainable;
    const shape = args.inputShape ?? (args.batchInputShape ? (args.batchInputShape.slice(1) as number[]) : null);
    if (shape) checkShapeList(shape, `${className} '${this.name}': inputShape`);
    this.declaredInputShape = shape ? [...shape] : null;
    this.activation = getActivation(activation, `${className} '${this.name}'`);
    unreleasedWeights?.register(this, this.weightLedger);
  }

  /** Name of the activation applied after the linear part. */
  get activationName(): ActivationName {
    return this.activation.name;
  }

  /** True once shapes are known and parameters allocated. */
  get isBuilt(): boolean {
    return this.built;
  }

  /** Values in one sample of the output. */
  get outputSize(): number {
    return shapeSize(this.outputShape);
  }

  /**
   * Per-sample shape of every output, the main one first: one for most layers; a recurrent layer
   * with `returnState` adds its final states. Set by build.
   */
  get outputShapes(): number[][] {
    return [this.outputShape];
  }

  /** Infers the output shape and allocates and initialises the parameters; idempotent for equal shapes. */
  build(inputShapes: number[][]): void {
    this.checkNotDisposed('build');
    if (this.built) {
      const same = inputShapes.length === this.inputShapes.length &&
        inputShapes.every((s, i) => s.length === this.inputShapes[i].length && s.every((d, j) => d === this.inputShapes[i][j]));
      if (!same) {
        throw new Error(`${this.describe()}: already built for input ${formatShapes(this.inputShapes)}, cannot reuse it for ${formatShapes(inputShapes)}`);
      }
      return;
    }
    this.outputShape = this.computeOutputShape(inputShapes);
    this.inputShapes = inputShapes.map((s) => [...s]);
    this.createParams();
    this.built = true;
  }

  /**
   * Functional API: applies the layer to symbolic inputs from `nn.input` or other layers'
   * `apply`, building it for their shapes, and returns the symbolic output (a list of them for a
   * layer with several outputs: a recurrent layer with `returnState` gives [output, ...states]).
   */
  apply(this: { readonly returnState: true }, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[];
  apply(this: { readonly returnState: false }, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  apply(this: { readonly returnState: boolean }, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    return applyLayer(this, inputs);
  }

  /**
   * The symbolic output of the layer's one application (TF.js and Keras `layer.output`): with a
   * model's `inputs` it cuts a functional model at this layer or continues it with new layers,
   * `nn.model({ inputs: m.inputs, outputs: head.apply(m.getLayer('features').output) })`.
   * Throws when the layer was never applied (a Sequential's layers are built, not applied) or
   * applied several times (shared weights: the output is ambiguous).
   */
  get output(): SymbolicTensor {
    const outputs = appliedOutputs(this);
    if (outputs.length !== 1) {
      throw new Error(`${this.describe()}.output: the layer was applied ${outputs.length} times ` +
        `(${outputs.length === 0 ? 'a Sequential model\'s layers are built, not applied: use the functional API or model.apply' : 'shared weights: the output is ambiguous'})`);
    }
    return outputs[0];
  }

  /** 'Dense 'dense_1'': how errors name this layer. */
  describe(): string {
    return `${this.className} '${this.name}'`;
  }

  /** Copies of this layer's weights, kernel before bias (Keras order). */
  getWeights(): Tensor[] {
    return readParams(this.params);
  }

  /** Replaces this layer's weights; same order, count and shapes as {@link getWeights}. */
  setWeights(weights: Tensor[]): void {
    writeParams(this.params, weights, `${this.describe()}.setWeights`);
  }

  /** Number of values in all parameters. */
  countParams(): number {
    return this.params.reduce((sum, p) => sum + p.size, 0);
  }

  /**
   * The layer's Keras config (snake_case, as Keras and tfjs write it): name and trainable here,
   * each class adds its options. A registered class rebuilds the layer from it with its static
   * `fromConfig(config, args)` (see `nn.serialization.registerClass`).
   */
  getConfig(): JSONObject {
    return { name: this.name, trainable: this.trainable };
  }

  /**
   * The weights (name, shape) that {@link build} would create for these input shapes, computed
   * without allocating or drawing anything, so a loader can check a file before building.
   * Throws, naming the layer, for inputs it cannot take.
   */
  weightShapes(inputShapes: number[][]): [string, number[]][] {
    if (this.built) return this.params.map((p) => [p.name, [...p.shape]]);
    const shapes: [string, number[]][] = [];
    recordedParams = shapes;
    try {
      this.outputShape = this.computeOutputShape(inputShapes);
      this.inputShapes = inputShapes.map((s) => [...s]);
      this.createParams();
    } finally {
      recordedParams = null;
      this.inputShapes = [];
      this.outputShape = [];
    }
    return shapes;
  }

  /** Number of values in the weights `trainable` lets training update now (summary's 'Trainable params'). */
  countTrainableParams(): number {
    return this.trainable ? this.params.reduce((sum, p) => sum + (p.statistic ? 0 : p.size), 0) : 0;
  }

  /** Makes training follow `trainable` (called by compile): which weights the optimizer updates, and `frozen`. */
  applyTrainable(): void {
    this.frozen = !this.trainable;
    for (const p of this.params) p.trainable = !p.statistic && this.trainable;
  }

  /**
   * The per-batch buffers (beyond inputs and output) one application of the layer needs for
   * `capacity` samples; a memory plan allocates them and passes them in {@link LayerCall.buffers}.
   */
  bufferRequests(_capacity: number): BufferRequest[] {
    return [];
  }

  /**
   * What a memory plan allocates for one application: {@link bufferRequests}, then, when the
   * activation's backward needs its input (hardSwish), the pre-activation values.
   */
  planBuffers(capacity: number): BufferRequest[] {
    const own = this.bufferRequests(capacity);
    if (!this.activation.backwardFromInput) return own;
    return [...own, { label: 'pre-activation', bytes: capacity * this.outputSize * 4 }];
  }

  /**
   * Fills freshly planned buffers that carry state across batches (random generator states);
   * `use` counts earlier applications of this layer in the same plan, so each draws its own stream.
   */
  initBuffers(_buffers: readonly number[], _use: number): void {}

  /**
   * Returns the parameters to the arena. A model's `dispose()` calls it once no other live model
   * holds the layer; calling it yourself frees the weights of every model using the layer.
   */
  dispose(): void {
    this.releaseWeights();
    this.disposed = true;
  }

  /** True once {@link dispose} ran: the layer cannot be built, applied or run again (as TF.js). */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the weights and forgets the build, so the layer can be built again (a build that ran out of memory). */
  releaseWeights(): void {
    const { arena } = getBackend();
    if (this.weightLedger.size > 0) arena.releaseAll(this.weightLedger); // every weight and gradient
    this.params.length = 0;
    this.built = false;
  }

  /** Throws naming `who` when the layer was disposed: its weights are gone, and other memory may now sit there. */
  checkNotDisposed(who: string): void {
    if (this.disposed) {
      throw new Error(`${who}: ${this.describe()} was disposed (its weights were freed with the last model holding it); ` +
        'make a new layer, or keep a model holding this one alive');
    }
  }

  /** Runs the layer on `n` samples: output = activation(linear(inputs)). */
  forward(n: number, call: LayerCall, training: boolean): void {
    this.forwardLinear(n, call, training);
    const fused = this.fusesActivation && this.activation.fused !== null;
    if (this.activation.name !== 'linear' && !call.activationInLoss && !fused) {
      const cols = this.outputShape[this.outputShape.length - 1];
      if (training && this.activation.backwardFromInput) copyFloats(call.output, preActivation(call), n * this.outputSize);
      this.activation.forward(getBackend().kernels, call.output, call.output, (n * this.outputSize) / cols, cols);
    }
  }

  /**
   * Back-propagates `call.gradOutput` (overwritten: it becomes the gradient before the activation)
   * into the parameter gradients (written, not added) and, where a pointer is non-zero, into
   * `call.gradInputs`. It follows a training forward of the same call.
   */
  backward(n: number, call: LayerCall): void {
    if (this.activation.name !== 'linear' && !call.activationInLoss) {
      const cols = this.outputShape[this.outputShape.length - 1];
      const from = this.activation.backwardFromInput ? preActivation(call) : call.output;
      this.activation.backward(getBackend().kernels, from, call.gradOutput, call.gradOutput, (n * this.outputSize) / cols, cols);
    }
    this.backwardLinear(n, call);
  }

  /** What forwardLinear fuses into its write-back: the activation, unless the loss takes it or it is not element-wise. */
  protected fusedActivation(call: LayerCall): FusedActivation {
    return call.activationInLoss || this.activation.fused === null ? FUSED_LINEAR : this.activation.fused;
  }

  /** Applies this layer's activation to `rows × cols` values (x may equal y). */
  applyActivation(k: Kernels, x: number, y: number, rows: number, cols: number): void {
    this.activation.forward(k, x, y, rows, cols);
  }

  /** Per-sample output shape for the given per-sample input shapes; throws on incompatible inputs. */
  protected abstract computeOutputShape(inputShapes: number[][]): number[];

  /** The layer before its activation. */
  protected abstract forwardLinear(n: number, call: LayerCall, training: boolean): void;

  /** Gradients of the linear part, given the gradient with respect to its output. */
  protected abstract backwardLinear(n: number, call: LayerCall): void;

  /** Allocates the parameters; layers without weights keep the default. */
  protected createParams(): void {}

  /** Allocates a parameter and its gradient, filled by `initializer`; `trainable` false marks a statistic. */
  protected addParam(name: string, shape: number[], initializer: Initializer, trainable = true, regularizer: Regularizer | null = null): Param {
    const size = shapeSize(shape);
    if (recordedParams) {
      recordedParams.push([name, [...shape]]);
      return { name, shape: Object.freeze([...shape]), size, ptr: 0, grad: 0, trainable, regularizer };
    }
    const { arena } = getBackend();
    // Recorded in the layer's own ledger, even while a model builds it: the weights are the layer's.
    const ptr = arena.withOwner(this.weightLedger, () => arena.allocF32(size, 'params', `${this.describe()} weight '${name}'`));
    let grad: number;
    try {
      grad = arena.withOwner(this.weightLedger, () => arena.allocF32(size, 'grads', `${this.describe()} gradient of '${name}'`));
    } catch (e) {
      arena.release(ptr); // a weight built by apply() belongs to no model yet: nothing else would free it
      throw e;
    }
    if (initializeParams) {
      const values = new Float32Array(size);
      initializer.fill(values, shape, getRandom());
      arena.f32.set(values, ptr >>> 2);
    } else {
      arena.f32.fill(0, ptr >>> 2, (ptr >>> 2) + size);
    }
    arena.f32.fill(0, grad >>> 2, (grad >>> 2) + size);
    const param: Param = { name, shape: Object.freeze([...shape]), size, ptr, grad, trainable: trainable && !this.frozen, statistic: !trainable, regularizer };
    this.params.push(param);
    return param;
  }

  /** The single input shape of a one-input layer, or an error naming the layer. */
  protected singleInput(inputShapes: number[][]): number[] {
    if (inputShapes.length !== 1) throw new Error(`${this.describe()}: expects 1 input, got ${inputShapes.length}`);
    return inputShapes[0];
  }

  /** Kernels and arena, for subclasses. */
  protected get backend(): Backend {
    return getBackend();
  }
}

/** The pre-activation buffer {@link Layer.planBuffers} appends last. */
function preActivation(call: LayerCall): number {
  return call.buffers[call.buffers.length - 1];
}

/** Copies of the values of `params`, as tensors of their shapes. */
export function readParams(params: readonly Param[]): Tensor[] {
  const { arena } = getBackend();
  return params.map((p) => new Tensor(arena.f32.slice(p.ptr >>> 2, (p.ptr >>> 2) + p.size), p.shape));
}

/** Writes `weights` into `params` after checking count and shapes; `who` names the caller in errors. */
export function writeParams(params: readonly Param[], weights: Tensor[], who: string): void {
  if (!Array.isArray(weights) || weights.length !== params.length) {
    throw new Error(`${who}: expected ${params.length} tensors, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  weights.forEach((w, i) => {
    const p = params[i];
    if (!(w instanceof Tensor)) throw new TypeError(`${who}: weight ${i} must be a Tensor`);
    if (w.shape.length !== p.shape.length || w.shape.some((d, j) => d !== p.shape[j])) {
      throw new Error(`${who}: weight ${i} (${p.name}) expects shape [${p.shape.join(', ')}], got [${w.shape.join(', ')}]`);
    }
  });
  const { arena } = getBackend();
  weights.forEach((w, i) => arena.f32.set(w.data, params[i].ptr >>> 2));
}

/**
 * The seed of a layer's `use`-th random stream in one plan: the layer's own seed for the first,
 * a golden-ratio step apart for each further application, so shared layers draw distinct values.
 */
export function streamSeed(seed: number, use: number): number {
  return (seed + Math.imul(use, 0x9e3779b9)) >>> 0;
}

/** Copies `count` floats inside wasm memory (a memmove, no allocation). */
export function copyFloats(from: number, to: number, count: number): void {
  if (from !== to) getBackend().arena.u8.copyWithin(to, from, from + count * 4);
}

/** '[2, 3]' for a shape, 'null' for unknown dimensions. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

function formatShapes(shapes: number[][]): string {
  return shapes.map(formatShape).join(', ');
}
