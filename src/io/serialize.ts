/**
 * A simdnn model as tfjs-layers writes it: Keras JSON topology ('Sequential', or 'Model' with
 * an InputLayer per input, one entry per layer with one inbound node per application of it, and
 * [layer, node, tensor] references to inputs and outputs), snake_case configs, and the weights named
 * '<layer>/<weight>', trainable ones first, as tfjs orders `model.weights`.
 */
import { getBackend } from '../core/wasm.js';
import type { Layer } from '../layers/layer.js';
import { isExtraOutput, type GraphNode } from '../models/graph.js';
import { getRegisteredClass, registeredClassNames } from '../layers/serialization.js';
import type { LayersModel } from '../models/model.js';
import type { JSONObject, JSONValue } from './types.js';
import type { NamedWeight } from './weights.js';

/** Written as `generatedBy` and `keras_version`. */
export const GENERATED_BY = 'simdnn 0.1.0';

/**
 * A layer's Keras config from its own `getConfig()`, `batch_input_shape`/`dtype` added for the
 * first layer of a Sequential. Its class must be registered under its className, so that
 * loading finds it again.
 */
function layerConfig(layer: Layer, inputShape?: readonly number[]): JSONObject {
  const cls = getRegisteredClass(layer.className);
  if (!cls || !(layer instanceof (cls as unknown as abstract new (...a: never[]) => Layer))) {
    throw new Error(`save: layer '${layer.name}' of class ${layer.className} cannot be saved: its class is not registered under that name; supported: ${registeredClassNames().join(', ')}, or your own class after nn.serialization.registerClass(cls)`);
  }
  const config: JSONObject = { ...layer.getConfig() };
  if (inputShape) {
    config.batch_input_shape = [null, ...inputShape];
    config.dtype ??= 'float32'; // a layer may write Keras 3's dtype object (activationConfig)
  }
  return config;
}

/** True for a Sequential model (it has `add`); checked by shape so io does not import the model classes. */
export function isSequential(model: LayersModel): boolean {
  return typeof (model as unknown as { add?: unknown }).add === 'function';
}

/**
 * The index of each layer node in the file: the order in which TF.js's loader (and Keras's) will
 * apply the layer. They go through the layer list pass after pass, applying each layer's pending
 * nodes whose inputs exist, in the listed order (TF.js moves on past one that waits; Keras stops
 * there), so numbering the nodes in the order of this walk makes every [layer, node] reference name
 * the node the loader made. (Counting applications in graph order can fail: L(x) is ready before
 * L(M(N(M(x)))), though it comes later.) Ends: the graph is acyclic, so each pass applies at least
 * the earliest pending node.
 */
function fileNodeIndices(nodes: readonly GraphNode[], layerOrder: readonly Layer[]): number[] {
  const index = nodes.map((node): number => (node.layer ? -1 : 0));
  const pending = new Map<Layer, number[]>(layerOrder.map((layer) => [layer, []]));
  // An extra output (a recurrent layer's state) is no application: it takes its application's index.
  const extras = new Map<number, number[]>();
  nodes.forEach((node, i) => {
    if (isExtraOutput(node)) extras.set(node.inputs[0], [...(extras.get(node.inputs[0]) ?? []), i]);
    else if (node.layer) pending.get(node.layer)!.push(i);
  });
  const made = new Map<Layer, number>();
  let left = nodes.filter((node) => node.layer && !isExtraOutput(node)).length;
  while (left > 0) {
    for (const layer of layerOrder) {
      const waiting: number[] = [];
      for (const i of pending.get(layer)!) {
        if (nodes[i].inputs.some((j) => index[j] < 0)) { waiting.push(i); continue; }
        index[i] = made.get(layer) ?? 0;
        for (const e of extras.get(i) ?? []) index[e] = index[i];
        made.set(layer, index[i] + 1);
        left--;
      }
      pending.set(layer, waiting);
    }
  }
  return index;
}

/** The Keras JSON topology of `model`, as tfjs-layers writes it. */
export function modelTopology(model: LayersModel): JSONObject {
  const nodes = model.graph();
  const wrap = (config: JSONObject, className: string): JSONObject => ({
    class_name: className, config, keras_version: GENERATED_BY, backend: 'simdnn',
  });
  if (isSequential(model)) {
    const layers = nodes.slice(1).map((n, i) => ({ class_name: n.layer!.className, config: layerConfig(n.layer!, i === 0 ? nodes[0].shape : undefined) }));
    return wrap({ name: model.name, layers }, 'Sequential');
  }
  // One InputLayer per input, named as the input unless a layer (or another input) has that name.
  const taken = new Set(model.layers.map((l) => l.name));
  const inputNames = new Map<number, string>();
  for (const i of model.inputNodes) {
    let name = nodes[i].name;
    while (taken.has(name)) name += '_input';
    taken.add(name);
    inputNames.set(i, name);
  }
  const order = model.layers;
  const fileIndex = fileNodeIndices(nodes, order);
  const ref = (i: number): JSONValue[] => (nodes[i].layer ? [nodes[i].layer!.name, fileIndex[i], nodes[i].outputIndex ?? 0] : [inputNames.get(i)!, 0, 0]);
  const inbound = new Map<Layer, JSONValue[]>(order.map((layer) => [layer, []]));
  nodes.forEach((node, i) => {
    if (node.layer && !isExtraOutput(node)) inbound.get(node.layer)![fileIndex[i]] = node.inputs.map((j) => [...ref(j), {}]);
  });
  const layers: JSONObject[] = model.inputNodes.map((i) => {
    const name = inputNames.get(i)!;
    return { name, class_name: 'InputLayer', config: { batch_input_shape: [null, ...nodes[i].shape], dtype: 'float32', sparse: false, name }, inbound_nodes: [] };
  });
  for (const layer of order) {
    layers.push({ name: layer.name, class_name: layer.className, config: layerConfig(layer), inbound_nodes: inbound.get(layer)! });
  }
  const config: JSONObject = {
    name: model.name, layers, input_layers: model.inputNodes.map(ref), output_layers: model.outputNodes.map(ref),
  };
  return wrap(config, 'Model');
}

/** The model's weights, '<layer>/<weight>', trainable first then the others (BN moving statistics). */
export function modelWeights(model: LayersModel): NamedWeight[] {
  const { arena } = getBackend();
  const all = model.layers.flatMap((layer) => layer.params.map((p) => ({ layer, p })));
  const trainable = all.filter(({ layer, p }) => p.trainable && layer.trainable);
  const frozen = all.filter(({ layer, p }) => !(p.trainable && layer.trainable));
  return [...trainable, ...frozen].map(({ layer, p }) => ({
    name: `${layer.name}/${p.name}`, shape: [...p.shape], dtype: 'float32',
    values: arena.f32.slice(p.ptr >>> 2, (p.ptr >>> 2) + p.size),
  }));
}
