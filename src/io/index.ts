/** Save/load in the TensorFlow.js Layers format (`nn.io`). */
export { modelToArtifacts, saveModel } from './save.js';
export { loadModel } from './load.js';
export { modelFromArtifacts } from './deserialize.js';
export {
  registerIOHandler, withSaveHandler, fromMemory, fromModelJSON, http,
  type HandlerFactory, type WeightFiles, type HTTPOptions,
} from './handlers.js';
export { browserIndexedDB, browserDownloads, type IndexedDBOptions } from './browser.js';
export { toModelJSON, parseModelJSON, artifactsFromModelJSON, decodeWeights, encodeWeights, type NamedWeight } from './weights.js';
export type {
  ModelArtifacts, ModelJSON, ModelArtifactsInfo, WeightSpec, WeightsManifestGroup, WeightQuantization, TrainingConfig,
  IOHandler, SaveResult, SaveOptions, ShardOptions, SaveTarget, LoadSource, JSONValue, JSONObject,
} from './types.js';
