/**
 * TimeDistributed: applies a wrapped layer to every step of [batch, steps, ...] input. The
 * steps are folded into the batch: [n, steps, ...] is [n·steps, ...] in the same memory, so
 * the wrapped layer runs once on n·steps samples, on buffers planned for capacity·steps. The
 * wrapper owns the wrapped layer: its weights are the wrapper's (saved as
 * '<wrapper>/<weight>', as tfjs does), disposing the wrapper disposes it, and a layer already
 * wrapped or applied in a graph is refused (its weights would be counted, stepped and freed twice).
 */
import { checkOptions, describeValue, isObject } from '../core/checks.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import { getRegisteredClass, registerClass, registeredClassNames } from './serialization.js';

/** Each wrapped layer's built wrapper: a layer serves one wrapper only. */
const wrappers = new WeakMap<Layer, TimeDistributed>();

/** Arguments of {@link timeDistributed}, as tfjs-layers. */
export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to each step: one input, not yet built or built for one step's shape. */
  layer: Layer;
}

/** Applies `layer` to each step of the input. */
export class TimeDistributed extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'TimeDistributed';
  /** Every option {@link timeDistributed} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'layer'];
  /** The wrapped layer. */
  readonly layer: Layer;
  /** The wrapped layer's operands per call of this layer, made on first use (a call's buffers are fixed by its plan). */
  private readonly innerCalls = new WeakMap<LayerCall, LayerCall>();

  constructor(args: TimeDistributedArgs) {
    checkOptions(args, 'TimeDistributed', TimeDistributed.optionKeys);
    if (!(args.layer instanceof Layer)) throw new TypeError(`TimeDistributed: layer must be a Layer (e.g. nn.layers.dense({ units: 8 })), got ${describeValue(args.layer)}`);
    super(args, 'TimeDistributed');
    this.layer = args.layer;
    this.layer.checkNotDisposed(this.describe());
    if (this.layer.applications > 0) {
      throw new Error(`${this.describe()}: ${this.layer.describe()} was already applied in a graph; wrap a new layer (the wrapper owns the layer it wraps)`);
    }
  }

  /** A TimeDistributed from its Keras config: the wrapped layer's { class_name, config } through the class registry. */
  static fromConfig(r: ConfigReader, args: LayerArgs): TimeDistributed {
    const inner = readWrappedLayer(r);
    return construct(r, () => new TimeDistributed({ ...args, layer: inner }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), layer: { class_name: this.layer.className, config: this.layer.getConfig() } };
  }

  /** One step's shape: the input without its steps axis. */
  private stepShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length < 2) throw new RangeError(`${this.describe()}: expects input of rank 3 or more [batch, steps, ...], got [batch, ${shape.join(', ')}]`);
    return shape.slice(1);
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const step = this.stepShape(inputShapes);
    const taken = wrappers.get(this.layer);
    if (taken && taken !== this && !taken.isDisposed) {
      throw new Error(`${this.describe()}: ${this.layer.describe()} is already wrapped by ${taken.describe()}; wrap a layer once, and apply the wrapper twice to share its weights`);
    }
    this.layer.build([step]);
    wrappers.set(this.layer, this);
    return [inputShapes[0][0], ...this.layer.outputShape];
  }

  /** The wrapped layer's weights, built for one step, are this layer's (the same Param objects). */
  protected override createParams(): void {
    this.params.push(...this.layer.params);
  }

  /** The wrapped layer's weight shapes for one step, computed without building either layer. */
  override weightShapes(inputShapes: number[][]): [string, number[]][] {
    if (this.isBuilt) return super.weightShapes(inputShapes);
    return this.layer.weightShapes([this.stepShape(inputShapes)]);
  }

  private get steps(): number {
    return this.inputShapes[0][0];
  }

  /** What the wrapped layer needs for capacity·steps samples. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return this.layer.planBuffers(capacity * this.steps);
  }

  override initBuffers(buffers: readonly number[], use: number): void {
    this.layer.initBuffers(buffers, use);
  }

  /** Same pointers, the wrapped layer's buffers; the loss never takes the wrapped layer's activation. */
  private innerCall(call: LayerCall): LayerCall {
    let inner = this.innerCalls.get(call);
    if (!inner) {
      inner = { ...call, activationInLoss: false };
      this.innerCalls.set(call, inner);
    }
    return inner;
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    this.layer.forward(n * this.steps, this.innerCall(call), training);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    this.layer.backward(n * this.steps, this.innerCall(call));
  }

  /** Keras: a frozen wrapper freezes the wrapped layer; a trainable one leaves the wrapped layer's own flag in charge. */
  override applyTrainable(): void {
    this.frozen = !this.trainable;
    const own = this.layer.trainable;
    this.layer.trainable = own && this.trainable;
    try {
      this.layer.applyTrainable();
    } finally {
      this.layer.trainable = own;
    }
  }

  override countTrainableParams(): number {
    return this.trainable ? this.layer.countTrainableParams() : 0;
  }

  override releaseWeights(): void {
    this.layer.releaseWeights();
    super.releaseWeights();
  }

  override dispose(): void {
    this.layer.dispose();
    super.dispose();
  }
}

/** The wrapped layer of a wrapper's config: { class_name, config } (Keras 3 adds module and registered_name). */
function readWrappedLayer(r: ConfigReader): Layer {
  const entry = r.raw('layer');
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`${r.who}: config 'layer' must be { class_name, config }, got ${describeValue(entry)}`);
  }
  const config = entry.config;
  const name = typeof config.name === 'string' && config.name !== '' ? config.name : undefined;
  if (name === undefined) throw new Error(`${r.who}: the wrapped layer (${entry.class_name}) has no name, got ${describeValue(config.name)}`);
  const inner = new ConfigReader(`${r.who}: wrapped layer '${name}' (${entry.class_name})`, config);
  const cls = getRegisteredClass(entry.class_name);
  if (!cls) {
    throw new Error(`${inner.who}: layer class '${entry.class_name}' is not supported; supported: ${registeredClassNames().join(', ')} (register your own with nn.serialization.registerClass)`);
  }
  const extra = Object.keys(entry).find((k) => !['class_name', 'config', 'module', 'registered_name', 'build_config'].includes(k));
  if (extra !== undefined) throw new Error(`${r.who}: key '${extra}' of the wrapped layer is not supported`);
  inner.ignore('name');
  const trainable = inner.bool('trainable', true);
  const dtype = inner.raw('dtype');
  const dtypeName = isObject(dtype) && isObject(dtype.config) ? dtype.config.name : dtype;
  if (dtypeName !== undefined && dtypeName !== null && dtypeName !== 'float32') throw new Error(`${inner.who}: dtype ${describeValue(dtype)} is not supported; simdnn computes in float32`);
  const layer = cls.fromConfig(inner, { name, trainable });
  inner.finish();
  return layer;
}

/** Applies a layer to every step of a sequence (tfjs `tf.layers.timeDistributed`). */
export function timeDistributed(args: TimeDistributedArgs): TimeDistributed {
  return new TimeDistributed(args);
}

// Registered here rather than in serialization.ts's list: this module reads that registry, and
// an import cycle between the two would let the list meet TimeDistributed before it is defined.
registerClass(TimeDistributed);
