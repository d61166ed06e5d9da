/**
 * Functional models: a graph from one input to one output, ordered once (topologically) so
 * forward runs the list and backward runs it in reverse, summing gradients where branches meet.
 */
import type { Layer } from '../layers/layer.js';
import { SymbolicTensor } from '../layers/input.js';
import { shapeSize } from '../core/tensor.js';
import { postOrder, type GraphNode } from './graph.js';
import { LayersModel } from './model.js';

/** Arguments of {@link model}. */
export interface ModelArgs {
  /** The model input, from `nn.input`. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The output, from a layer's `apply`. */
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

function single(value: SymbolicTensor | SymbolicTensor[], what: string): SymbolicTensor {
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== 1) throw new Error(`model: exactly one ${what} is supported, got ${list.length}`);
  if (!(list[0] instanceof SymbolicTensor)) throw new TypeError(`model: ${what} must be a SymbolicTensor, got ${typeof list[0]}`);
  return list[0];
}

/** A model built from a functional graph (`nn.model`). */
export class Functional extends LayersModel {
  private readonly sorted: SymbolicTensor[];
  private readonly modelInput: SymbolicTensor;

  constructor(args: ModelArgs) {
    super(args.name ?? 'model');
    this.modelInput = single(args.inputs, 'input');
    const output = single(args.outputs, 'output');
    if (this.modelInput.sourceLayer !== null) throw new Error('model: inputs must come from nn.input');
    this.sorted = topologicalOrder(output);
    const inputs = this.sorted.filter((t) => t.sourceLayer === null);
    if (!inputs.includes(this.modelInput)) throw new Error(`model: the output does not depend on the given input ${this.modelInput.name}`);
    if (inputs.length > 1) throw new Error(`model: the output depends on ${inputs.length} inputs (${inputs.map((t) => t.name).join(', ')}); pass them all as inputs — only one is supported`);
  }

  /** The model's inputs (from `nn.input`), as tfjs `model.inputs`. */
  get inputs(): SymbolicTensor[] {
    return [this.modelInput];
  }

  get layers(): Layer[] {
    return this.sorted.flatMap((t) => (t.sourceLayer ? [t.sourceLayer] : []));
  }

  protected buildGraph(): GraphNode[] {
    const index = new Map<SymbolicTensor, number>();
    return this.sorted.map((t, i) => {
      index.set(t, i);
      return { layer: t.sourceLayer, inputs: t.inputs.map((s) => index.get(s)!), shape: [...t.shape], size: shapeSize(t.shape) };
    });
  }

  protected override showsConnections(): boolean {
    return true;
  }
}

/** Depth-first post-order from the output: every value after the values it is computed from. */
function topologicalOrder(output: SymbolicTensor): SymbolicTensor[] {
  return postOrder(output, (t) => t.inputs, (t) => new Error(`model: the graph has a cycle at ${t.name}`));
}

/** A model from a functional graph (tfjs `tf.model`). */
export function model(args: ModelArgs): Functional {
  return new Functional(args);
}
