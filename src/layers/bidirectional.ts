/**
 * Bidirectional (Keras, TF.js): two copies of a recurrent layer, one reading the steps first to
 * last, one last to first, their outputs merged (concat, sum, mul or ave; the backward layer's
 * sequence turned back into input order first). The given layer is a template, as in TF.js and
 * Keras: its options make 'forward_<name>' and 'backward_<name>', whose weights are this layer's,
 * forward's then backward's, saved as '<this>/forward_<name>/kernel', ... as TF.js saves them.
 */
import { checkChoice, describeValue, isObject } from '../core/checks.js';
import { bidirectionalMerge, bidirectionalMergeBackward, type MergeArgs, type MergeMode } from '../core/kernels/recurrent.js';
import type { JSONObject } from '../io/types.js';
import { GRU } from './gru.js';
import { ConfigReader, construct, readChoice } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, formatShape, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import { LSTM } from './lstm.js';
import { Recurrent } from './recurrent.js';
import { SimpleRNN } from './simple-rnn.js';

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

/** Arguments of {@link bidirectional}, as tfjs-layers. */
export interface BidirectionalArgs<L extends Recurrent = Recurrent> extends LayerArgs {
  /** The recurrent layer to run both ways (a template: its options are used, not its weights). */
  layer: L;
  /** How the two outputs are joined; default 'concat'. */
  mergeMode?: MergeMode;
}

/** The recurrent classes a file's Bidirectional may wrap, by Keras class name. */
const WRAPPABLE: Record<string, { fromConfig(r: ConfigReader, args: LayerArgs): Recurrent }> = { SimpleRNN, LSTM, GRU };

/** The forward and backward layers' calls inside one call of this layer (made at its first forward). */
interface InnerCalls {
  forward: LayerCall;
  backward: LayerCall;
}

/** A recurrent layer run over the sequence both ways, outputs merged. */
export class Bidirectional<S extends boolean = boolean> extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Bidirectional';
  /** Every option {@link bidirectional} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'layer', 'mergeMode'];
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: S;
  /** The layer reading first to last ('forward_<name>'). */
  readonly forwardLayer: Recurrent<S>;
  /** The layer reading last to first ('backward_<name>'). */
  readonly backwardLayer: Recurrent<S>;
  private readonly template: Recurrent<S>;
  private readonly innerCalls = new WeakMap<LayerCall, InnerCalls>();
  private merge!: MergeArgs;

  constructor(args: BidirectionalArgs<Recurrent<S>>) {
    super(args, 'Bidirectional');
    const layer = args.layer as unknown;
    if (!(layer instanceof Recurrent)) {
      throw new TypeError(`${this.describe()}: layer must be a simpleRNN, lstm or gru layer, got ${layer instanceof Layer ? layer.describe() : describeValue(layer)}`);
    }
    if (args.mergeMode === null) {
      throw new Error(`${this.describe()}: mergeMode null (the two outputs kept apart) is not supported; supported: ${MERGE_MODES.join(', ')}`);
    }
    this.mergeMode = checkChoice(args.mergeMode ?? 'concat', this.describe(), 'mergeMode', MERGE_MODES);
    this.template = layer as Recurrent<S>;
    this.returnSequences = this.template.returnSequences;
    this.returnState = this.template.returnState;
    this.forwardLayer = this.template.withDirection(`forward_${this.template.name}`, this.template.goBackwards, 0);
    this.backwardLayer = this.template.withDirection(`backward_${this.template.name}`, !this.template.goBackwards, 1);
  }

  /**
   * A Bidirectional from its Keras config: `layer` (TF.js writes only it), and Keras's
   * `backward_layer` when it is the forward layer reading the other way.
   */
  static fromConfig(r: ConfigReader, args: LayerArgs): Bidirectional {
    const mergeMode = readChoice(r, 'merge_mode', MERGE_MODES, 'concat');
    const layer = wrappedLayer(r, 'layer');
    const backward = r.has('backward_layer') ? wrappedLayer(r, 'backward_layer') : (r.raw('backward_layer'), null);
    if (backward) {
      // Names differ, and so may the dropout seeds (each layer draws its own masks).
      const without = (l: Layer): JSONObject => ({ ...l.getConfig(), name: null, seed: null });
      const mirrored = layer.withDirection(backward.name, !layer.goBackwards, 1);
      if (JSON.stringify(without(backward)) !== JSON.stringify(without(mirrored))) {
        throw new Error(`${r.who}: a backward_layer other than the forward layer reading the steps the other way is not supported`);
      }
    }
    return construct(r, () => new Bidirectional({ ...args, layer, mergeMode }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), merge_mode: this.mergeMode, layer: { class_name: this.template.className, config: this.template.getConfig() } };
  }

  override get outputShapes(): number[][] {
    if (!this.returnState) return [this.outputShape];
    return [this.outputShape, ...this.forwardLayer.outputShapes.slice(1), ...this.backwardLayer.outputShapes.slice(1)];
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    this.forwardLayer.build(inputShapes);
    this.backwardLayer.build(inputShapes);
    const inner = this.forwardLayer.outputShape;
    const units = inner[inner.length - 1];
    this.merge = {
      mode: this.mergeMode, rows: 0, steps: this.returnSequences ? inner[0] : 1, units, reverse: this.returnSequences,
      a: 0, b: 0, out: 0, gradOut: 0, gradA: 0, gradB: 0,
    };
    return [...inner.slice(0, -1), this.mergeMode === 'concat' ? 2 * units : units];
  }

  /** The two layers' weights, forward's then backward's, named '<forward_name>/kernel', ... */
  protected override createParams(): void {
    for (const inner of [this.forwardLayer, this.backwardLayer]) {
      for (const p of inner.params) this.params.push({ ...p, name: `${inner.name}/${p.name}`, trainable: p.trainable && this.trainable });
    }
  }

  override weightShapes(inputShapes: number[][]): [string, number[]][] {
    if (this.isBuilt) return super.weightShapes(inputShapes);
    return [this.forwardLayer, this.backwardLayer].flatMap((inner) =>
      inner.weightShapes(inputShapes).map(([name, shape]): [string, number[]] => [`${inner.name}/${name}`, shape]));
  }

  /** Each layer's buffers, then both outputs, their gradients, and the backward layer's input gradient. */
  override bufferRequests(capacity: number): BufferRequest[] {
    const output = 4 * capacity * this.forwardLayer.outputSize;
    return [
      ...this.forwardLayer.planBuffers(capacity), ...this.backwardLayer.planBuffers(capacity),
      { label: 'forward output', bytes: output }, { label: 'backward output', bytes: output },
      { label: 'forward output gradient', bytes: output }, { label: 'backward output gradient', bytes: output },
      { label: 'backward input gradient', bytes: 4 * capacity * this.inputShapes[0].reduce((a, b) => a * b, 1) },
    ];
  }

  override initBuffers(buffers: readonly number[], use: number): void {
    const split = this.forwardLayer.planBuffers(0).length;
    const end = split + this.backwardLayer.planBuffers(0).length;
    this.forwardLayer.initBuffers(buffers.slice(0, split), use);
    this.backwardLayer.initBuffers(buffers.slice(split, end), use);
  }

  /** The two layers' calls within `call`, made once per call. */
  private inner(call: LayerCall): InnerCalls {
    const made = this.innerCalls.get(call);
    if (made) return made;
    const split = this.forwardLayer.planBuffers(0).length;
    const end = split + this.backwardLayer.planBuffers(0).length;
    const [yF, yB, dyF, dyB, dxB] = call.buffers.slice(end);
    const states = this.forwardLayer.outputShapes.length - 1;
    // No gradient reaches the merged output: none reaches either layer's output.
    const flows = call.gradOutput !== 0;
    const forward: LayerCall = {
      inputs: call.inputs, output: yF, gradOutput: flows ? dyF : 0, gradInputs: call.gradInputs, buffers: call.buffers.slice(0, split),
      activationInLoss: false, outputs: [yF, ...call.outputs.slice(1, 1 + states)], gradOutputs: [flows ? dyF : 0, ...call.gradOutputs.slice(1, 1 + states)],
    };
    const backward: LayerCall = {
      inputs: call.inputs, output: yB, gradOutput: flows ? dyB : 0, gradInputs: [call.gradInputs[0] ? dxB : 0], buffers: call.buffers.slice(split, end),
      activationInLoss: false, outputs: [yB, ...call.outputs.slice(1 + states)], gradOutputs: [flows ? dyB : 0, ...call.gradOutputs.slice(1 + states)],
    };
    const calls = { forward, backward };
    this.innerCalls.set(call, calls);
    return calls;
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    const { forward, backward } = this.inner(call);
    this.forwardLayer.forward(n, forward, training);
    this.backwardLayer.forward(n, backward, training);
    const m = this.merge;
    m.rows = n; m.a = forward.output; m.b = backward.output; m.out = call.output;
    bidirectionalMerge(m);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { forward, backward } = this.inner(call);
    if (call.gradOutput !== 0) {
      const m = this.merge;
      m.rows = n; m.a = forward.output; m.b = backward.output; m.gradOut = call.gradOutput; m.gradA = forward.gradOutput; m.gradB = backward.gradOutput;
      bidirectionalMergeBackward(m);
    }
    this.backwardLayer.backward(n, backward);
    this.forwardLayer.backward(n, forward);
    const dx = call.gradInputs[0];
    if (dx !== 0) this.backend.kernels.addArrays(dx, backward.gradInputs[0], dx, n * this.inputShapes[0].reduce((a, b) => a * b, 1));
  }

  override releaseWeights(): void {
    super.releaseWeights();
    this.forwardLayer.releaseWeights();
    this.backwardLayer.releaseWeights();
  }

  override dispose(): void {
    super.dispose();
    this.forwardLayer.dispose();
    this.backwardLayer.dispose();
  }

  override toString(): string {
    return `${this.describe()} ${formatShape(this.outputShape)}`;
  }
}

/** The recurrent layer a Bidirectional config holds under `key` ({ class_name, config }, Keras 3 adding module and registered_name). */
function wrappedLayer(r: ConfigReader, key: string): Recurrent {
  const entry = r.raw(key);
  const who = `${r.who} ${key}`;
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`${who}: expected { class_name, config } of a SimpleRNN, LSTM or GRU, got ${describeValue(entry)}`);
  }
  const cls = Object.prototype.hasOwnProperty.call(WRAPPABLE, entry.class_name) ? WRAPPABLE[entry.class_name] : undefined;
  if (!cls) throw new Error(`${who}: class '${entry.class_name}' cannot be wrapped; supported: ${Object.keys(WRAPPABLE).join(', ')}`);
  const inner = new ConfigReader(`${who} (${entry.class_name})`, entry.config);
  const name = inner.string('name');
  const trainable = inner.bool('trainable', true);
  // The wrapped layer's own input shape and dtype are the wrapper's (a recurrent cell computes in float32).
  inner.ignore('batch_input_shape', 'batch_shape', 'input_shape', 'dtype');
  const layer = cls.fromConfig(inner, { name, trainable });
  inner.finish();
  return layer;
}

/** The `S` of the Bidirectional wrapping `L`: whether its `apply` returns [output, ...states]. */
type WrappedState<L> = L extends Recurrent<infer S> ? S : boolean;

/** A recurrent layer run both ways (tfjs `tf.layers.bidirectional`); input [batch, steps, features]. */
export function bidirectional<L extends Recurrent>(args: BidirectionalArgs<L>): Bidirectional<WrappedState<L>> {
  return new Bidirectional(args as unknown as BidirectionalArgs<Recurrent<WrappedState<L>>>);
}
