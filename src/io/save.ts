/**
 * `model.save(target)`: the model as tfjs artifacts (Keras JSON topology, float32 weights,
 * optionally the training config and optimizer state), handed to a handler. This module imports
 * no model class at run time, so `models/model.ts` can delegate to it without an import cycle.
 */
import type { LayersModel } from '../models/model.js';
import './browser.js';
import { handlerForURL } from './handlers.js';
import { optimizerWeights, trainingConfigOf } from './optimizer-state.js';
import { GENERATED_BY, modelTopology, modelWeights } from './serialize.js';
import type { ModelArtifacts, SaveOptions, SaveResult, SaveTarget } from './types.js';
import { describeValue, isObject } from './validate.js';
import { encodeWeights } from './weights.js';
import { withAverageWeights } from '../models/weight-average.js';

/** The model as in-memory artifacts, ready for `tf.io.fromMemory` or {@link loadModel}. */
export function modelToArtifacts(model: LayersModel, options: SaveOptions = {}): ModelArtifacts {
  if (!isObject(options)) throw new TypeError(`save: options must be an object like { includeOptimizer: true }, got ${describeValue(options)}`);
  const modelTopologyJSON = modelTopology(model);
  // With useEma, the moving average is saved as the weights (after fit they are equal).
  const weights = withAverageWeights(model.isCompiled ? model.optimizer : undefined, model.params(), () => modelWeights(model));
  const artifacts: Partial<ModelArtifacts> = {
    modelTopology: modelTopologyJSON, format: 'layers-model', generatedBy: GENERATED_BY, convertedBy: null,
  };
  if (options.includeOptimizer) {
    artifacts.trainingConfig = trainingConfigOf(model);
    weights.push(...optimizerWeights(model));
  }
  const { specs, data } = encodeWeights(weights);
  return { ...artifacts, weightSpecs: specs, weightData: data } as ModelArtifacts;
}

/**
 * Saves `model` in the TensorFlow.js Layers format to `target`: 'indexeddb://name',
 * 'downloads://name', 'file://dir' (Node, after importing 'simdnn/node'), or any handler with
 * `save(artifacts)` such as {@link withSaveHandler}'s.
 */
export async function saveModel(model: LayersModel, target: SaveTarget, options: SaveOptions = {}): Promise<SaveResult> {
  const handler = typeof target === 'string' ? handlerForURL(target, 'save') : target;
  if (!isObject(handler) || typeof handler.save !== 'function') {
    throw new TypeError(`save: target must be a URL string ('indexeddb://name', 'file://dir', ...) or a handler with save(), got ${describeValue(target)}`);
  }
  return handler.save(modelToArtifacts(model, options));
}
