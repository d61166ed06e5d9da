/**
 * The connections of a functional topology, read and checked before anything is built: every
 * application (inbound node) of every layer, each [layer, nodeIndex, tensorIndex] reference
 * resolved to the node it names, the model's inputs and outputs, and an order in which each node
 * comes after the nodes it reads (a node may read another layer's later node, so the order is
 * over nodes, not layers). Walks are iterative: the file decides the depth.
 */
import { postOrder } from '../models/graph.js';
import type { ParsedLayer } from './layer-configs.js';
import { describeValue, isObject } from './validate.js';

/** One application of a layer in the file: its layer, its node index, and the nodes it reads. */
export interface FileNode {
  readonly parsed: ParsedLayer;
  /** Which of the layer's inbound nodes this is (0 for an InputLayer). */
  readonly index: number;
  inputs: FileNode[];
  /** Per input, which output of that node it reads (the reference's tensor index). */
  tensors: number[];
}

/** A functional topology's graph of nodes. */
export interface Connections {
  /** The InputLayers of `input_layers`, in order. */
  inputs: FileNode[];
  /** The nodes of `output_layers`, in order. */
  outputs: FileNode[];
  /** Per output, which output of its node it is (the reference's tensor index). */
  outputTensors: number[];
  /** Every node the outputs depend on, each after the nodes it reads. */
  order: FileNode[];
}

/** [name, nodeIndex, tensorIndex] references of one inbound node (Keras 2 / tfjs list, or Keras 3 args). */
export function inboundRefs(node: unknown, who: string): unknown[] {
  if (Array.isArray(node)) return node;
  if (isObject(node) && Array.isArray(node.args)) {
    const refs: unknown[] = [];
    const pending: unknown[] = [node.args]; // a stack, not recursion: the nesting is the file's
    while (pending.length > 0) {
      const v = pending.pop();
      if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) pending.push(v[i]);
      else if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config)) refs.push(v.config.keras_history);
    }
    return refs;
  }
  throw new Error(`${who}: inbound node ${describeValue(node)} is not understood`);
}

/** A model's `input_layers`/`output_layers`: a list of references (Keras 3 writes one reference unwrapped). */
export function refList(list: unknown, what: string): unknown[] {
  const refs = Array.isArray(list) && typeof list[0] === 'string' ? [list] : list;
  if (!Array.isArray(refs) || refs.length === 0) throw new Error(`modelTopology: ${what} must be a non-empty list of [layerName, nodeIndex, tensorIndex], got ${describeValue(list)}`);
  return refs;
}

/** Each layer's nodes by layer name (inputs not yet resolved), and each node's inbound node as the file has it. */
function readNodes(entries: unknown[], parsedLayers: ParsedLayer[]): { byName: Map<string, FileNode[]>; raw: Map<FileNode, unknown> } {
  const byName = new Map<string, FileNode[]>();
  const raw = new Map<FileNode, unknown>();
  parsedLayers.forEach((parsed, i) => {
    if (byName.has(parsed.name)) throw new Error(`modelTopology: two layers are named '${parsed.name}'`);
    if (parsed.className === 'InputLayer') {
      byName.set(parsed.name, [{ parsed, index: 0, inputs: [], tensors: [] }]);
      return;
    }
    const inbound = (entries[i] as Record<string, unknown>).inbound_nodes;
    if (!Array.isArray(inbound) || inbound.length === 0) {
      throw new Error(`layer '${parsed.name}' (${parsed.className}): inbound_nodes must list at least one application of the layer, got ${describeValue(inbound)}`);
    }
    byName.set(parsed.name, inbound.map((node, index) => {
      const fileNode: FileNode = { parsed, index, inputs: [], tensors: [] };
      raw.set(fileNode, node);
      return fileNode;
    }));
  });
  return { byName, raw };
}

/**
 * The node and output a [name, nodeIndex, tensorIndex] reference names, or an error naming `who` and
 * the reference. Whether the layer has that output is checked when it is built (its outputs depend on its config).
 */
function resolve(nodes: Map<string, FileNode[]>, ref: unknown, who: string): { node: FileNode; tensor: number } {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new Error(`${who}: expected a [layerName, nodeIndex, tensorIndex] reference, got ${describeValue(ref)}`);
  const [name, node = 0, tensor = 0] = ref as [string, unknown, unknown];
  const target = nodes.get(name);
  if (!target) throw new Error(`modelTopology: ${who} refers to layer '${name}', which is not in the layer list`);
  if (!Number.isSafeInteger(node) || (node as number) < 0 || !Number.isSafeInteger(tensor) || (tensor as number) < 0) {
    throw new Error(`${who}: reference ${describeValue(ref)} must have integer node and tensor indices`);
  }
  if ((node as number) >= target.length) {
    throw new Error(`${who}: reference ${describeValue(ref)} asks for node ${String(node)} of layer '${name}', which has ${target.length} node${target.length > 1 ? 's' : ''} (0${target.length > 1 ? `..${target.length - 1}` : ''})`);
  }
  if (tensor !== 0 && target[node as number].parsed.className === 'InputLayer') {
    throw new Error(`${who}: reference ${describeValue(ref)} asks for output ${String(tensor)} of InputLayer '${name}', which has one output (0)`);
  }
  return { node: target[node as number], tensor: tensor as number };
}

/** Reads and checks the graph of a functional topology (its layer entries, parsed, and its config). */
export function readConnections(entries: unknown[], parsedLayers: ParsedLayer[], config: Record<string, unknown>): Connections {
  const { byName: nodes, raw } = readNodes(entries, parsedLayers);
  for (const [node, inbound] of raw) {
    const { parsed } = node;
    const who = `layer '${parsed.name}' (${parsed.className})${nodes.get(parsed.name)!.length > 1 ? ` inbound node ${node.index}` : ''}`;
    const refs = inboundRefs(inbound, who);
    if (refs.length === 0) throw new Error(`${who}: its inbound node has no inputs`);
    const resolved = refs.map((ref) => resolve(nodes, ref, who));
    node.inputs = resolved.map((r) => r.node);
    node.tensors = resolved.map((r) => r.tensor);
  }
  const ends = (key: 'input_layers' | 'output_layers'): { node: FileNode; tensor: number }[] => {
    const list = refList(config[key], key).map((ref) => resolve(nodes, ref, key));
    list.forEach(({ node, tensor }, i) => {
      if (list.findIndex((r) => r.node === node && r.tensor === tensor) !== i) {
        throw new Error(`modelTopology: ${key} lists ['${node.parsed.name}', ${node.index}, ${tensor}] twice`);
      }
    });
    return list;
  };
  const inputs = ends('input_layers').map((r) => r.node);
  const notInput = inputs.find((node) => node.parsed.className !== 'InputLayer');
  if (notInput) throw new Error(`modelTopology: input_layers lists '${notInput.parsed.name}', a ${notInput.parsed.className} layer; each model input must be an InputLayer`);
  const outputRefs = ends('output_layers');
  const outputs = outputRefs.map((r) => r.node);
  const root: FileNode = { parsed: inputs[0].parsed, index: -1, inputs: outputs, tensors: [] }; // not a node: where the walk starts
  const order = postOrder(root, (node) => node.inputs, (node) => new Error(`modelTopology: the graph has a cycle through layer '${node.parsed.name}'`));
  return { inputs, outputs, outputTensors: outputRefs.map((r) => r.tensor), order: order.slice(0, -1) };
}
