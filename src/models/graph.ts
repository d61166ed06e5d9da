/**
 * The model's computation as an ordered list of nodes: the model's inputs come first, every other
 * node applies one layer to earlier nodes. A layer applied several times (shared weights) has one
 * node per application. Sequential models are a chain; functional models are sorted topologically
 * once, so forward runs the list in order and backward in reverse.
 */
import type { Layer } from '../layers/layer.js';
import { shapeSize } from '../core/tensor.js';

/** One node of a model's ordered graph. */
export interface GraphNode {
  /** null for a model input. */
  readonly layer: Layer | null;
  /** The input's name, or the layer's name (with `/k` for its application k > 0). */
  readonly name: string;
  /** How many earlier nodes of this graph apply the same layer (0 for its first application). */
  readonly use: number;
  /** Indices of the nodes feeding this one (empty for the input). */
  readonly inputs: readonly number[];
  /** Per-sample output shape. */
  readonly shape: readonly number[];
  /** Values per sample. */
  readonly size: number;
  /**
   * Which output of its layer's application this node is: absent or 0 for the main one. A node
   * k > 0 (a recurrent layer's state) is written by the node of that application, its one input.
   */
  readonly outputIndex?: number;
}

/** Whether `node` is an extra output (k > 0) of the application at `node.inputs[0]`, written by that node's call. */
export function isExtraOutput(node: GraphNode): boolean {
  return (node.outputIndex ?? 0) > 0;
}

/** The name of output k of a layer's application: the layer's name for the main output, `${name}_${k}` for the others. */
export function outputName(layerName: string, outputIndex: number): string {
  return outputIndex > 0 ? `${layerName}_${outputIndex}` : layerName;
}

/** Builds the chain of a sequential model, building each layer on its predecessor's shape. */
export function chainGraph(inputShape: readonly number[], layers: readonly Layer[]): GraphNode[] {
  const nodes: GraphNode[] = [{ layer: null, name: 'input', use: 0, inputs: [], shape: [...inputShape], size: shapeSize(inputShape) }];
  for (const layer of layers) {
    const prev = nodes[nodes.length - 1];
    layer.build([[...prev.shape]]);
    if (layer.outputShapes.length > 1) {
      throw new Error(`Sequential: ${layer.describe()} has ${layer.outputShapes.length} outputs (returnState); a layer of a Sequential must have one: ` +
        'use the functional API (nn.model) to take its states');
    }
    nodes.push({ layer, name: layer.name, use: 0, inputs: [nodes.length - 1], shape: [...layer.outputShape], size: layer.outputSize });
  }
  return nodes;
}

/** For each node, the nodes that consume its output. */
export function consumersOf(nodes: readonly GraphNode[]): number[][] {
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((node, j) => node.inputs.forEach((i) => consumers[i].push(j)));
  return consumers;
}

/**
 * Every node reachable from `root`, each after the nodes it reads (depth-first post-order, inputs
 * in order). Iterative, so a chain of any length fits the call stack; `onCycle` makes the error
 * thrown when a node is reached again while its own inputs are being visited.
 */
export function postOrder<T>(root: T, inputsOf: (node: T) => readonly T[], onCycle: (node: T) => Error): T[] {
  const order: T[] = [];
  const done = new Set<T>();
  const open = new Set<T>();
  const stack: { node: T; inputs: readonly T[]; next: number }[] = [];
  const enter = (node: T): void => {
    open.add(node);
    stack.push({ node, inputs: inputsOf(node), next: 0 });
  };
  enter(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.inputs.length) {
      const input = top.inputs[top.next++];
      if (done.has(input)) continue;
      if (open.has(input)) throw onCycle(input);
      enter(input);
    } else {
      stack.pop();
      open.delete(top.node);
      done.add(top.node);
      order.push(top.node);
    }
  }
  return order;
}
