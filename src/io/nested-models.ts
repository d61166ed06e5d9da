/**
 * Models nested as layers (Keras 3 writes a Functional or Sequential inside another model as a
 * layer entry with its own layer list): their layers are inlined into one functional graph.
 * The nested model's InputLayers are replaced by what feeds the model, and references to the
 * model's outputs by the nodes that make them. Layer names are kept, so weights ('base/dense/kernel' or, as
 * Keras 3 names them, 'dense/kernel') are found as before. A model with several inputs or
 * outputs, or applied several times, is inlined once per application with its layers shared.
 */
import { inboundRefs, refList } from './connections.js';
import { describeValue, isObject } from './validate.js';

/** A topology's class, name, config and layer list (see deserialize's modelConfig). */
export interface ModelConfig {
  className: string;
  name: string | undefined;
  config: Record<string, unknown>;
  layers: unknown[];
}

/** Keras class names of models, which Keras nests as layers. */
const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

type Entry = Record<string, unknown>;

function isModelEntry(entry: unknown): entry is Entry & { config: Entry } {
  return isObject(entry) && typeof entry.class_name === 'string' && MODEL_CLASSES.includes(entry.class_name) && isObject(entry.config);
}

/** The layer's name, '' when the entry has none (the entry is refused by name when its layers are read). */
function entryName(entry: unknown): string {
  if (!isObject(entry)) return '';
  const config = isObject(entry.config) ? entry.config : {};
  return typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : '';
}

type Ref = unknown[];

/** A [layerName, nodeIndex, ...] reference, as inbound nodes, keras_history and input/output lists hold them. */
function isRef(value: unknown): value is Ref {
  return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number';
}

/** A copy of `value` with every reference in it replaced by `map(ref)`; iterative, as the file decides the depth. */
function mapRefs(value: unknown, map: (ref: Ref) => Ref): unknown {
  const out: Record<string, unknown> = {};
  const pending: [unknown, Record<string | number, unknown>, string | number][] = [[value, out, 'value']];
  while (pending.length > 0) {
    const [v, into, key] = pending.pop()!;
    if (isRef(v)) {
      into[key] = map(v);
    } else if (Array.isArray(v)) {
      const copy: unknown[] = new Array(v.length);
      into[key] = copy;
      v.forEach((item, i) => pending.push([item, copy as unknown as Record<number, unknown>, i]));
    } else if (isObject(v)) {
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(v)) copy[k] = undefined; // keep the key order
      into[key] = copy;
      for (const k of Object.keys(v)) pending.push([v[k], copy, k]);
    } else {
      into[key] = v;
    }
  }
  return out.value;
}

/** A model's layers as a functional graph: entries with inbound nodes, and its input and output references. */
interface Graph { layers: Entry[]; inputs: Ref[]; outputs: Ref[] }

/** A Sequential's layers chained into a graph (an InputLayer is made from the first layer's shape if needed). */
function chain(name: string, layers: unknown[]): Graph {
  if (layers.length === 0) throw new Error(`modelTopology: nested Sequential '${name}' has no layers`);
  const out: Entry[] = [];
  let first = layers[0] as Entry;
  if (!isObject(first) || first.class_name !== 'InputLayer') {
    const config = isObject(first) && isObject(first.config) ? first.config : {};
    const shape = config.batch_input_shape ?? config.batch_shape;
    first = { class_name: 'InputLayer', config: { batch_input_shape: shape, name: `${name}_input` }, inbound_nodes: [] };
    out.push(first);
  }
  for (const entry of layers) {
    if (entry === first) { out.push(entry as Entry); continue; }
    if (!isObject(entry)) throw new Error(`modelTopology: a layer of '${name}' must be { class_name, config }, got ${describeValue(entry)}`);
    out.push({ ...entry, inbound_nodes: [[[entryName(out[out.length - 1]), 0, 0, {}]]] });
  }
  return { layers: out, inputs: [[entryName(out[0]), 0, 0]], outputs: [[entryName(out[out.length - 1]), 0, 0]] };
}

/** A model (top level or nested) as one flat graph, nested models inlined. */
function flatten(className: string, name: string, config: Entry): Graph {
  const layers = Array.isArray(config.layers) ? config.layers : [];
  const bad = layers.find((entry) => !isObject(entry));
  if (bad !== undefined) throw new Error(`modelTopology: a layer of '${name}' must be { class_name, config }, got ${describeValue(bad)}`);
  let graph: Graph = className === 'Sequential'
    ? chain(name, layers)
    : { layers: layers as Entry[], inputs: refList(config.input_layers, `model '${name}' input_layers`) as Ref[], outputs: refList(config.output_layers, `model '${name}' output_layers`) as Ref[] };
  // Each inlining copies the list, so look the next nested model up again.
  for (let at = graph.layers.findIndex(isModelEntry); at >= 0; at = graph.layers.findIndex(isModelEntry)) {
    graph = inline(graph, graph.layers[at] as Entry & { config: Entry });
  }
  return graph;
}

/** Whether `k` is a node index below `count`. */
function isIndexBelow(k: unknown, count: number): boolean {
  return Number.isSafeInteger(k) && (k as number) >= 0 && (k as number) < count;
}

/**
 * `graph` with the nested model `entry` replaced by its layers, once per application of the
 * model: its layers are shared, each getting one inbound node per application (application a
 * of the model gives an inner layer with n nodes inside the model its nodes a·n … a·n + n − 1).
 */
function inline(graph: Graph, entry: Entry & { config: Entry }): Graph {
  const name = entryName(entry);
  const who = `nested model '${name}'`;
  const applications = entry.inbound_nodes;
  if (!Array.isArray(applications) || applications.length === 0) {
    throw new Error(`modelTopology: ${who} must be applied at least once; got inbound nodes ${describeValue(applications)}`);
  }
  const inner = flatten(entry.class_name as string, name, entry.config);
  const inputNames = inner.inputs.map((ref) => {
    if (!isRef(ref) || ref[1] !== 0 || (ref[2] ?? 0) !== 0) throw new Error(`modelTopology: ${who} has input ${describeValue(ref)}; expected [inputLayerName, 0, 0]`);
    return ref[0] as string;
  });
  const nodeCounts = new Map(inner.layers.map((l) => [entryName(l), Array.isArray(l.inbound_nodes) ? l.inbound_nodes.length : 0]));
  const feeds = applications.map((node, a) => {
    const refs = inboundRefs(node, `modelTopology: ${who}, application ${a}`);
    if (refs.length !== inputNames.length) {
      throw new Error(`modelTopology: ${who} has ${inputNames.length} input${inputNames.length > 1 ? 's' : ''} (${inputNames.join(', ')}) but its application ${a} gives ${refs.length}: ${describeValue(node)}`);
    }
    return refs as Ref[];
  });
  // A reference inside the model, in its application a, as a reference of the outer graph.
  const fromInner = (a: number, ref: Ref): Ref => {
    const [layer, k, t] = ref as [string, number, unknown];
    const input = inputNames.indexOf(layer);
    if (input >= 0) {
      if (k !== 0 || (t ?? 0) !== 0) throw new Error(`modelTopology: ${who}: reference ${describeValue(ref)} to its input '${layer}' must be [name, 0, 0]`);
      return [...feeds[a][input].slice(0, 3), ...ref.slice(3)];
    }
    const count = nodeCounts.get(layer);
    if (count === undefined) return ref; // not in the model: named as missing when the graph is read
    if (!isIndexBelow(k, count)) throw new Error(`modelTopology: ${who}: reference ${describeValue(ref)} asks for node ${String(k)} of layer '${layer}', which has ${count} inside the model`);
    return [layer, a * count + k, ...ref.slice(2)];
  };
  const trainable = entry.config.trainable !== false;
  const innerLayers = inner.layers.filter((l) => !inputNames.includes(entryName(l))).map((l) => {
    const nodes = applications.flatMap((_, a) => mapRefs(Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [], (ref) => fromInner(a, ref)) as unknown[]);
    const copy = { ...l, inbound_nodes: nodes } as Entry;
    // A frozen nested model freezes its layers, as in Keras.
    if (!trainable) copy.config = { ...(l.config as Entry), trainable: false };
    return copy;
  });
  // A reference to the model's output t in its application a: that output's node in application a.
  const toOutput = (ref: Ref): Ref => {
    if (ref[0] !== name) return ref;
    const [, a, t = 0] = ref;
    if (!isIndexBelow(a, applications.length) || !isIndexBelow(t, inner.outputs.length)) {
      throw new Error(`modelTopology: reference ${describeValue(ref)} asks for output ${String(t)} of application ${String(a)} of ${who}, which has ${inner.outputs.length} output${inner.outputs.length > 1 ? 's' : ''} and ${applications.length} application${applications.length > 1 ? 's' : ''}`);
    }
    return [...fromInner(a as number, inner.outputs[t as number]).slice(0, 3), ...ref.slice(3)];
  };
  const layers: Entry[] = [];
  for (const l of graph.layers) {
    if (l === entry) layers.push(...innerLayers);
    else layers.push({ ...l, inbound_nodes: mapRefs(l.inbound_nodes, toOutput) });
  }
  return { layers, inputs: graph.inputs, outputs: graph.outputs.map(toOutput) };
}

/**
 * The topology with nested models inlined (a Sequential holding one becomes a functional
 * graph); unchanged when no layer is a model.
 */
export function inlineNestedModels(mc: ModelConfig): ModelConfig {
  if (!mc.layers.some(isModelEntry)) return mc;
  const graph = flatten(mc.className, mc.name ?? 'model', { ...mc.config, layers: mc.layers });
  return {
    className: 'Functional', name: mc.name, layers: graph.layers,
    config: { ...mc.config, layers: graph.layers, input_layers: graph.inputs, output_layers: graph.outputs },
  };
}
