/**
 * A simdnn model as tfjs-layers writes it: Keras JSON topology ('Sequential', or 'Model' with
 * an InputLayer and inbound_nodes), snake_case configs, and the weights named
 * '<layer>/<weight>', trainable ones first, as tfjs orders `model.weights`.
 */
import { getBackend } from '../core/wasm.js';
import type { Layer } from '../layers/layer.js';
import { getRegisteredClass, registeredClassNames } from '../layers/serialization.js';
import type { LayersModel } from '../models/model.js';
import type { JSONObject } from './types.js';
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
  const names = new Set(nodes.slice(1).map((n) => n.layer!.name));
  let inputName = (model as unknown as { inputs?: { name: string }[] }).inputs?.[0]?.name ?? 'input_1';
  while (names.has(inputName)) inputName += '_input';
  const nodeName = (i: number): string => (i === 0 ? inputName : nodes[i].layer!.name);
  const layers: JSONObject[] = [{
    name: inputName, class_name: 'InputLayer',
    config: { batch_input_shape: [null, ...nodes[0].shape], dtype: 'float32', sparse: false, name: inputName }, inbound_nodes: [],
  }];
  for (const node of nodes.slice(1)) {
    const layer = node.layer!;
    layers.push({
      name: layer.name, class_name: layer.className, config: layerConfig(layer),
      inbound_nodes: [node.inputs.map((i) => [nodeName(i), 0, 0, {}])],
    });
  }
  const config: JSONObject = {
    name: model.name, layers, input_layers: [[inputName, 0, 0]], output_layers: [[nodeName(nodes.length - 1), 0, 0]],
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
