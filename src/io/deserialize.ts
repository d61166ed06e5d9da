/**
 * Artifacts → a simdnn model. Everything that can be checked without wasm memory is checked
 * first (topology, layer options, weight bytes, training config); then layers are created and
 * built one by one, each checked against the manifest before it allocates. Any failure disposes
 * what was built, so a failed load leaves the arena as it found it.
 */
import { withoutInitialization, type Layer } from '../layers/layer.js';
import { applyLayerOutputs, input, type SymbolicTensor } from '../layers/input.js';
import { getBackend } from '../core/wasm.js';
import type { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { Functional } from '../models/functional.js';
import { readConnections, type FileNode } from './connections.js';
import { parseLayers, type ParsedLayer } from './layer-configs.js';
import { inlineNestedModels } from './nested-models.js';
import { parseTrainingConfig, restoreTraining } from './optimizer-state.js';
import { describeValue, isObject } from './validate.js';
import { decodeWeights, type NamedWeight } from './weights.js';
import { checkFiniteWeights, checkLayerWeight } from './weight-values.js';

/** Weights by name, with lookups tolerant of Keras's ':0' suffix and name scopes. */
class WeightTable {
  private readonly byName = new Map<string, NamedWeight>();
  readonly used = new Set<NamedWeight>();

  constructor(readonly weights: readonly NamedWeight[]) {
    for (const w of weights) {
      const key = w.name.replace(/:0$/, '');
      if (this.byName.has(key)) throw new Error(`weight manifest: weight '${w.name}' appears twice`);
      this.byName.set(key, w);
    }
  }

  find(name: string): NamedWeight | undefined {
    return this.byName.get(name) ?? [...this.byName].find(([k]) => k.endsWith(`/${name}`))?.[1];
  }

  /** The weight '<layer>/<name>' of the expected shape, or an error naming both shapes. */
  take(layer: ParsedLayer | Layer, name: string, shape: readonly number[]): NamedWeight {
    const full = `${layer.name}/${name}`;
    const w = this.find(full);
    if (!w) throw new Error(`weight manifest: no weight '${full}' (layer '${layer.name}' (${layer.className}) needs one of shape [${shape.join(', ')}])`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`weight manifest: weight '${w.name}' has shape [${w.shape.join(', ')}] but layer '${layer.name}' (${layer.className}) expects [${shape.join(', ')}]`);
    }
    this.used.add(w);
    return w;
  }
}

/** The layer list and connections of a Keras topology (both Keras and tfjs spellings). */
function modelConfig(topology: unknown): { className: string; name: string | undefined; config: Record<string, unknown>; layers: unknown[] } {
  if (!isObject(topology)) throw new Error(`modelTopology: expected an object, got ${describeValue(topology)}`);
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  const className = top.class_name;
  if (className !== 'Sequential' && className !== 'Model' && className !== 'Functional') {
    throw new Error(`modelTopology: class_name ${describeValue(className)} is not supported; expected 'Sequential', 'Model' or 'Functional'`);
  }
  // Old Keras wrote a Sequential's config as the bare list of layers.
  const config = Array.isArray(top.config) ? { layers: top.config } : top.config;
  if (!isObject(config) || !Array.isArray(config.layers) || config.layers.length === 0) {
    throw new Error(`modelTopology: ${className} config must have a non-empty 'layers' list, got ${describeValue(config)}`);
  }
  return { className, name: typeof config.name === 'string' ? config.name : undefined, config, layers: config.layers };
}

/** Builds `layer` for `shapes`, after checking the weights it will allocate against the manifest. */
function checkWeights(parsed: ParsedLayer, shapes: number[][], table: WeightTable): void {
  for (const [name, shape] of parsed.weightShapes(shapes)) checkLayerWeight(parsed, name, table.take(parsed, name, shape));
}

function buildSequential(layers: ParsedLayer[], name: string | undefined, table: WeightTable, created: Layer[]): LayersModel {
  const stack = layers[0].className === 'InputLayer' ? layers.slice(1) : layers;
  const first = layers[0].inputShape;
  if (!first) throw new Error(`modelTopology: the first layer of a Sequential, '${layers[0].name}', needs batch_input_shape`);
  if (stack.length === 0) throw new Error('modelTopology: the Sequential has no layers after its InputLayer');
  const extra = stack.find((l) => l.className === 'InputLayer');
  if (extra) throw new Error(`modelTopology: InputLayer '${extra.name}' in the middle of a Sequential is not supported`);
  let shape = first;
  stack.forEach((parsed) => {
    checkWeights(parsed, [shape], table);
    const layer = parsed.create();
    created.push(layer);
    layer.build([shape]);
    shape = layer.outputShape;
  });
  return new Sequential({ name, layers: created });
}

/**
 * Builds a functional topology: every node the outputs need, in an order where its inputs exist;
 * a layer with several inbound nodes is created once and applied once per node (shared weights).
 * A list of outputs gives a model whose predict returns a list; one output, one Tensor.
 */
function buildFunctional(entries: unknown[], parsedLayers: ParsedLayer[], mc: ReturnType<typeof modelConfig>, table: WeightTable, created: Layer[]): LayersModel {
  const { inputs, outputs, outputTensors, order } = readConnections(entries, parsedLayers, mc.config);
  // Each node's outputs: one for most layers; a recurrent layer with return_state adds its states.
  const values = new Map<FileNode, SymbolicTensor[]>();
  const valueOf = (node: FileNode, tensor: number, who: string): SymbolicTensor => {
    const list = values.get(node)!;
    if (tensor >= list.length) {
      throw new Error(`${who}: reference ['${node.parsed.name}', ${node.index}, ${tensor}] asks for output ${tensor} of layer '${node.parsed.name}', ` +
        `which has ${list.length} output${list.length > 1 ? `s (0..${list.length - 1})` : ' (0)'}`);
    }
    return list[tensor];
  };
  const layers = new Map<ParsedLayer, Layer>();
  for (const node of [...inputs, ...order]) {
    if (values.has(node)) continue;
    const { parsed } = node;
    if (parsed.className === 'InputLayer') {
      values.set(node, [input({ shape: parsed.inputShape!, name: parsed.name })]);
      continue;
    }
    const who = `layer '${parsed.name}' (${parsed.className})`;
    const args = node.inputs.map((n, i) => valueOf(n, node.tensors[i], who));
    let layer = layers.get(parsed);
    if (!layer) {
      checkWeights(parsed, args.map((t) => [...t.shape]), table);
      layer = parsed.create();
      created.push(layer);
      layers.set(parsed, layer);
    }
    values.set(node, applyLayerOutputs(layer, args.length === 1 ? args[0] : args));
  }
  const modelInputs = inputs.map((n) => values.get(n)![0]);
  const modelOutputs = outputs.map((n, i) => valueOf(n, outputTensors[i], 'output_layers'));
  return new Functional({
    inputs: modelInputs.length === 1 ? modelInputs[0] : modelInputs,
    outputs: modelOutputs.length === 1 ? modelOutputs[0] : modelOutputs,
    name: mc.name,
  });
}

/** Writes every layer weight from the table into the model; throws on any weight left over. */
function assignWeights(model: LayersModel, table: WeightTable): void {
  model.graph();
  for (const layer of model.layers) {
    for (const p of layer.params) {
      const w = table.take(layer, p.name, p.shape);
      getBackend().arena.f32.set(w.values, p.ptr >>> 2);
    }
  }
  const unused = table.weights.find((w) => w.group !== 'optimizer' && !table.used.has(w));
  if (unused) throw new Error(`weight manifest: weight '${unused.name}' matches no weight of the model's layers`);
}

/** A model from in-memory artifacts ({ modelTopology, weightSpecs, weightData, trainingConfig? }). */
export function modelFromArtifacts(artifacts: unknown): LayersModel {
  if (!isObject(artifacts)) throw new Error(`loadModel: expected model artifacts { modelTopology, weightSpecs, weightData }, got ${describeValue(artifacts)}`);
  if (artifacts.format !== undefined && artifacts.format !== null && artifacts.format !== 'layers-model') {
    throw new Error(`loadModel: format is ${describeValue(artifacts.format)}, expected 'layers-model' (a TensorFlow.js Layers model)`);
  }
  if (!isObject(artifacts.modelTopology)) throw new Error(`loadModel: missing modelTopology (expected an object, got ${describeValue(artifacts.modelTopology)})`);
  if (artifacts.weightSpecs === undefined || artifacts.weightData === undefined) throw new Error('loadModel: missing weightSpecs or weightData');
  const mc = inlineNestedModels(modelConfig(artifacts.modelTopology));
  const parsed = parseLayers(mc.layers, mc.className === 'Sequential');
  const weights = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
  checkFiniteWeights(weights);
  const table = new WeightTable(weights);
  const training = parseTrainingConfig(artifacts.trainingConfig);
  const created: Layer[] = [];
  let model: LayersModel | null = null;
  try {
    // Every weight is assigned from the file below: skip drawing initial values.
    model = withoutInitialization(() => mc.className === 'Sequential'
      ? buildSequential(parsed, mc.name, table, created)
      : buildFunctional(mc.layers, parsed, mc, table, created));
    assignWeights(model, table);
    if (training) restoreTraining(model, training, weights.filter((w) => w.group === 'optimizer'));
    return model;
  } catch (e) {
    if (model) model.dispose();
    for (const layer of created) layer.dispose();
    throw e;
  }
}
