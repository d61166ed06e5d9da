/**
 * Functional models: a graph from one or more inputs to one or more outputs, ordered once
 * (topologically) so forward runs the list and backward runs it in reverse, summing gradients
 * where branches meet and where a shared layer is applied more than once.
 */
import type { Tensor } from '../core/tensor.js';
import type { Layer } from '../layers/layer.js';
import { SymbolicTensor } from '../layers/input.js';
import { shapeSize } from '../core/tensor.js';
import { outputName, postOrder, type GraphNode } from './graph.js';
import { LayersModel, type ModelGraph } from './model.js';

/** Arguments of {@link model}. */
export interface ModelArgs<O extends SymbolicTensor | SymbolicTensor[] = SymbolicTensor | SymbolicTensor[]> {
  /** The model inputs, from `nn.input`: one, or a list. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The outputs, from layers' `apply`: one, or a list (then `predict` returns a list). */
  outputs: O;
  name?: string;
}

/** `value` as a non-empty list of distinct SymbolicTensors, or an error naming `what`. */
function tensorList(value: SymbolicTensor | SymbolicTensor[], what: string): SymbolicTensor[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error(`model: ${what} must not be empty`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) throw new TypeError(`model: ${what}[${i}] must be a SymbolicTensor, got ${typeof t}`);
    if (list.indexOf(t) !== i) throw new Error(`model: ${what} lists ${t.name} twice`);
  });
  return list;
}

/** A model built from a functional graph (`nn.model`). */
export class Functional<Output extends Tensor | Tensor[] = Tensor | Tensor[]> extends LayersModel<Output> {
  /** Every value the outputs depend on, each after the values it is computed from; the inputs first. */
  private readonly sorted: SymbolicTensor[];
  private readonly modelInputs: SymbolicTensor[];
  private readonly modelOutputs: SymbolicTensor[];
  private readonly outputList: boolean;

  constructor(args: ModelArgs) {
    super(args.name ?? 'model');
    this.modelInputs = tensorList(args.inputs, 'inputs');
    this.modelOutputs = tensorList(args.outputs, 'outputs');
    this.outputList = Array.isArray(args.outputs);
    for (const t of this.modelInputs) if (t.sourceLayer !== null) throw new Error(`model: inputs must come from nn.input; ${t.name} is a layer's output`);
    const names = this.modelOutputs.map((t) => (t.sourceLayer ? outputName(t.sourceLayer.name, t.outputIndex) : t.name));
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) throw new Error(`model: two outputs are named '${name}' (a layer's outputs must be distinct); give the output layers distinct names`);
    });
    const reached = topologicalOrder(this.modelOutputs);
    const needed = reached.filter((t) => t.sourceLayer === null);
    const missing = needed.filter((t) => !this.modelInputs.includes(t));
    if (missing.length > 0) {
      throw new Error(`model: the outputs depend on ${missing.map((t) => t.name).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not among ` +
        `the inputs (${this.modelInputs.map((t) => t.name).join(', ')}); pass every nn.input the outputs use`);
    }
    this.sorted = [...this.modelInputs, ...reached.filter((t) => t.sourceLayer !== null)];
    for (const layer of this.layers) layer.checkNotDisposed('model');
    this.hold(this.layers); // from now on, another model's dispose() leaves these layers' weights alone
  }

  /** The model's inputs (from `nn.input`), as tfjs `model.inputs`. */
  get inputs(): SymbolicTensor[] {
    return [...this.modelInputs];
  }

  /** The model's outputs, as tfjs `model.outputs`. */
  get outputs(): SymbolicTensor[] {
    return [...this.modelOutputs];
  }

  /** Each layer once, in the order of its first application. */
  get layers(): Layer[] {
    return [...new Set(this.sorted.flatMap((t) => (t.sourceLayer ? [t.sourceLayer] : [])))];
  }

  protected buildGraph(): ModelGraph {
    for (const layer of this.layers) layer.checkNotDisposed(`model '${this.name}'`);
    const index = new Map<SymbolicTensor, number>();
    const uses = new Map<Layer, number>();
    const nodes: GraphNode[] = [];
    this.sorted.forEach((t, i) => {
      index.set(t, i);
      const layer = t.sourceLayer;
      // An extra output (a recurrent layer's state) belongs to the application of its input: no use of its own.
      const extra = t.outputIndex > 0;
      const use = !layer ? 0 : extra ? nodes[index.get(t.inputs[0])!].use : uses.get(layer) ?? 0;
      if (layer && !extra) uses.set(layer, use + 1);
      const application = layer ? (t.nodeIndex === 0 ? layer.name : `${layer.name}/${t.nodeIndex}`) : t.name;
      const name = extra ? `${application}[${t.outputIndex}]` : application;
      nodes.push({
        layer, name, use, inputs: t.inputs.map((s) => index.get(s)!), shape: [...t.shape], size: shapeSize(t.shape),
        ...(extra ? { outputIndex: t.outputIndex } : {}),
      });
    });
    // An output's name is its layer's name (the key of per-output arguments and logs); `${name}_${k}` for its output k > 0.
    for (const t of this.modelOutputs) {
      const i = index.get(t)!;
      if (t.sourceLayer) nodes[i] = { ...nodes[i], name: outputName(t.sourceLayer.name, t.outputIndex) };
    }
    return { nodes, inputs: this.modelInputs.map((t) => index.get(t)!), outputs: this.modelOutputs.map((t) => index.get(t)!) };
  }

  protected override outputsAsList(): boolean {
    return this.outputList;
  }

  protected override showsConnections(): boolean {
    return true;
  }
}

/** Depth-first post-order from the outputs: every value after the values it is computed from. */
function topologicalOrder(outputs: readonly SymbolicTensor[]): SymbolicTensor[] {
  const root = new SymbolicTensor([], null, outputs, 'outputs');
  return postOrder(root, (t) => t.inputs, (t) => new Error(`model: the graph has a cycle at ${t.name}`)).slice(0, -1);
}

/** A model from a functional graph (tfjs `tf.model`); `predict` returns a list when `outputs` is one. */
export function model<O extends SymbolicTensor | SymbolicTensor[]>(args: ModelArgs<O>): Functional<O extends SymbolicTensor[] ? Tensor[] : Tensor> {
  return new Functional(args);
}
