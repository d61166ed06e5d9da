/**
 * The functional API's symbolic values: `input({shape})` starts a graph, `layer.apply(x)` extends it.
 * A SymbolicTensor knows its per-sample shape and which layer (applied to which inputs) made it.
 */
import { checkShapeList } from '../core/checks.js';
import { formatShape, type Layer } from './layer.js';

/** A value in a functional graph: its per-sample shape and the layer application that produces it. */
export class SymbolicTensor {
  constructor(
    /** Per-sample shape (no batch dimension). */
    readonly shape: readonly number[],
    /** The layer that produced it; null for a model input. */
    readonly sourceLayer: Layer | null,
    /** The values the layer was applied to. */
    readonly inputs: readonly SymbolicTensor[],
    readonly name: string,
    /** Which application of `sourceLayer` made it (0 for the first; Keras: the inbound node index). */
    readonly nodeIndex = 0,
    /**
     * Which output of that application it is (Keras: the tensor index). An output k > 0 (a recurrent
     * layer's state) has its application's output 0 as its one input: the same call writes both.
     */
    readonly outputIndex = 0,
  ) {}

  toString(): string {
    return `SymbolicTensor ${this.name} (None, ${this.shape.join(', ')})`;
  }
}

/** Arguments of {@link input}. */
export interface InputArgs {
  /** Per-sample shape, e.g. [28, 28, 1]. */
  shape: number[];
  name?: string;
}

let inputCount = 0;

/** A model input (tfjs `tf.input`). */
export function input(args: InputArgs): SymbolicTensor {
  checkShapeList(args?.shape, 'input: shape');
  const name = args.name ?? (inputCount++ === 0 ? 'input' : `input_${inputCount - 1}`);
  return new SymbolicTensor([...args.shape], null, [], name);
}

/** Applies `layer` to symbolic inputs: its symbolic output, or the list of them for a layer with several. */
export function applyLayer(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
  const outputs = applyLayerOutputs(layer, inputs);
  return outputs.length === 1 ? outputs[0] : outputs;
}

/** The main symbolic output of each application of a layer, by node index (for `layer.output`). */
const applications = new WeakMap<Layer, SymbolicTensor[]>();

/** The main symbolic outputs of `layer`'s applications so far, the first application first. */
export function appliedOutputs(layer: Layer): readonly SymbolicTensor[] {
  return applications.get(layer) ?? [];
}

/** Applies `layer` to symbolic inputs: builds it for their shapes and returns every symbolic output, the main one first. */
export function applyLayerOutputs(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0 || list.some((t) => !(t instanceof SymbolicTensor))) {
    throw new TypeError(`${layer.describe()}.apply: expects a SymbolicTensor (from nn.input or another layer's apply) or a list of them`);
  }
  // A layer applied again shares its weights; build refuses inputs of other shapes and a disposed layer.
  layer.checkNotDisposed(`${layer.describe()}.apply`);
  layer.build(list.map((t) => [...t.shape]));
  const nodeIndex = layer.applications++;
  const name = nodeIndex === 0 ? layer.name : `${layer.name}/${nodeIndex}`;
  const main = new SymbolicTensor([...layer.outputShape], layer, list, `${name} ${formatShape(layer.outputShape)}`, nodeIndex);
  applications.set(layer, [...(applications.get(layer) ?? []), main]);
  return [main, ...layer.outputShapes.slice(1).map((shape, i) =>
    new SymbolicTensor([...shape], layer, [main], `${name}[${i + 1}] ${formatShape(shape)}`, nodeIndex, i + 1))];
}
