/**
 * Models nested as layers (Keras 3 writes a Functional or Sequential inside another model as a
 * layer entry with its own layer list): their layers are inlined into one functional graph.
 * The nested model's InputLayer is replaced by what feeds the model, and references to the
 * model by its output layer. Layer names are kept, so weights ('base/dense/kernel' or, as
 * Keras 3 names them, 'dense/kernel') are found as before. Only single-input, single-output
 * models used once are inlined; anything else is refused naming the model.
 */
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

function entryName(entry: Entry): string {
  const config = entry.config as Entry;
  return typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : '';
}

/** A copy of `value` with the layer name of every [name, node, tensor] reference mapped by `rename`. */
function renameRefs(value: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(value)) {
    if (typeof value[0] === 'string' && typeof value[1] === 'number') return [rename(value[0]), ...value.slice(1)];
    return value.map((v) => renameRefs(v, rename));
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameRefs(v, rename)]));
  return value;
}

/** The one layer name of a model's input_layers/output_layers ([name, 0, 0] or [[name, 0, 0]]). */
function single(list: unknown, what: string, who: string): string {
  const refs = Array.isArray(list) && typeof list[0] === 'string' ? [list] : list;
  if (!Array.isArray(refs) || refs.length !== 1 || !Array.isArray(refs[0]) || typeof refs[0][0] !== 'string') {
    throw new Error(`modelTopology: ${who} must have exactly one ${what} to be nested; got ${describeValue(list)}`);
  }
  return refs[0][0];
}

/** A model's layers as a functional graph: entries with Keras 2 style inbound nodes, its input and output names. */
interface Graph { layers: Entry[]; input: string; output: string }

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
  return { layers: out, input: entryName(out[0]), output: entryName(out[out.length - 1]) };
}

/** A model (top level or nested) as one flat graph, nested models inlined. */
function flatten(className: string, name: string, config: Entry): Graph {
  const layers = Array.isArray(config.layers) ? config.layers : [];
  let graph: Graph = className === 'Sequential'
    ? chain(name, layers)
    : { layers: layers as Entry[], input: single(config.input_layers, 'input', `model '${name}'`), output: single(config.output_layers, 'output', `model '${name}'`) };
  // Each inlining copies the list, so look the next nested model up again.
  for (let at = graph.layers.findIndex(isModelEntry); at >= 0; at = graph.layers.findIndex(isModelEntry)) {
    graph = inline(graph, graph.layers[at] as Entry & { config: Entry });
  }
  return graph;
}

/** `graph` with the nested model `entry` replaced by its layers. */
function inline(graph: Graph, entry: Entry & { config: Entry }): Graph {
  const name = entryName(entry);
  const nodes = entry.inbound_nodes;
  const refs: string[] = [];
  if (Array.isArray(nodes) && nodes.length === 1) renameRefs(nodes[0], (n) => { refs.push(n); return n; });
  if (refs.length !== 1) {
    throw new Error(`modelTopology: nested model '${name}' must be applied once to one input (shared or multi-input nested models are not supported); got inbound nodes ${describeValue(nodes)}`);
  }
  const inner = flatten(entry.class_name as string, name, entry.config);
  const trainable = entry.config.trainable !== false;
  const fromInner = (n: string): string => (n === inner.input ? refs[0] : n);
  const innerLayers = inner.layers.filter((l) => entryName(l) !== inner.input).map((l) => {
    const copy = { ...l, inbound_nodes: renameRefs(l.inbound_nodes, fromInner) } as Entry;
    // A frozen nested model freezes its layers, as in Keras.
    if (!trainable) copy.config = { ...(l.config as Entry), trainable: false };
    return copy;
  });
  const toOutput = (n: string): string => (n === name ? fromInner(inner.output) : n);
  const layers: Entry[] = [];
  for (const l of graph.layers) {
    if (l === entry) layers.push(...innerLayers);
    else layers.push({ ...l, inbound_nodes: renameRefs(l.inbound_nodes, toOutput) });
  }
  return { layers, input: graph.input, output: toOutput(graph.output) };
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
    config: { ...mc.config, layers: graph.layers, input_layers: [[graph.input, 0, 0]], output_layers: [[graph.output, 0, 0]] },
  };
}
