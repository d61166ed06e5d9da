/** `nn.loadModel(source)`: artifacts from a URL, a handler or memory, turned into a model. */
import type { LayersModel } from '../models/model.js';
import './browser.js';
import { modelFromArtifacts } from './deserialize.js';
import { handlerForURL } from './handlers.js';
import type { LoadSource } from './types.js';
import { describeValue, isObject } from './validate.js';

/**
 * Loads a model saved in the TensorFlow.js Layers format (by simdnn, TensorFlow.js, or Keras
 * through the tfjs converter). `source` is a URL ('https://…/model.json', 'indexeddb://name',
 * 'file://path/model.json' in Node after importing 'simdnn/node'), in-memory artifacts
 * `{ modelTopology, weightSpecs, weightData }`, or a handler with `load()` such as
 * {@link fromModelJSON}'s. A training config saved with the model compiles it, and saved
 * optimizer state is restored. Fails with an error naming the problem — malformed JSON,
 * unsupported layers or options, weights that do not match — and then holds no wasm memory.
 */
export async function loadModel(source: LoadSource): Promise<LayersModel> {
  const handler = typeof source === 'string' ? handlerForURL(source, 'load') : source;
  if (isObject(handler) && typeof (handler as { load?: unknown }).load === 'function') {
    return modelFromArtifacts(await (handler as { load: () => Promise<unknown> }).load());
  }
  if (isObject(handler) && 'modelTopology' in handler) return modelFromArtifacts(handler);
  throw new TypeError(`loadModel: expected a URL string, model artifacts { modelTopology, weightSpecs, weightData } or a handler with load(), got ${describeValue(source)}`);
}
