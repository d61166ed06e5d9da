/**
 * The TensorFlow.js Layers save format as data: model artifacts (what handlers pass around),
 * model.json with its weights manifest, and the handler contract. The shapes match tfjs's
 * `tf.io` types, so artifacts move between simdnn and TensorFlow.js unchanged.
 */

/** A JSON value as found in model.json. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/** A JSON object. */
export type JSONObject = { [key: string]: JSONValue };

/** Affine or float16 quantisation of a stored weight (tfjs converter option). */
export interface WeightQuantization {
  /** Storage type of each value. */
  dtype: 'uint8' | 'uint16' | 'float16';
  /** value = stored · scale + min, for uint8/uint16. */
  scale?: number;
  /** Offset of the affine map (see `scale`). */
  min?: number;
}

/** One weight in a manifest: its name, shape and storage. */
export interface WeightSpec {
  /** tfjs weight name, e.g. 'dense/kernel' or, for optimizer state, 'dense/kernel/m' and 'iter'. */
  name: string;
  /** Dimensions, outermost first; [] for a scalar. */
  shape: number[];
  /** 'float32' for layer weights; 'int32' for the optimizer's iteration count. */
  dtype: string;
  /** 'optimizer' for optimizer state, absent for layer weights. */
  group?: string;
  /** How the values are stored when the tfjs converter quantised them; absent for plain float32. */
  quantization?: WeightQuantization;
}

/** One group of the weights manifest: shard files, concatenated in order, hold `weights` in order. */
export interface WeightsManifestGroup {
  /** Shard file names, relative to model.json. */
  paths: string[];
  /** The weights stored in the shards, in order. */
  weights: WeightSpec[];
}

/** Loss, metrics and optimizer a model was compiled with (tfjs `trainingConfig`). */
export interface TrainingConfig {
  /** Keras spelling, e.g. 'categorical_crossentropy'. */
  loss: string | JSONValue;
  /** Metric names, e.g. ['accuracy'] (tfjs writes {} for none); per output name for several outputs. */
  metrics?: JSONValue;
  /** Per output name: the factor of its loss in the total (Keras `loss_weights`). */
  loss_weights?: JSONValue;
  /** tfjs optimizer config, e.g. { class_name: 'Adam', config: { learningRate: 0.001, ... } }. */
  optimizer_config: { class_name: string; config: JSONObject };
}

/** A model in memory: topology, weight specs and the weight bytes (tfjs `ModelArtifacts`). */
export interface ModelArtifacts {
  /** Keras JSON: { class_name: 'Sequential' | 'Model' | 'Functional', config }, or { model_config } as Keras writes. */
  modelTopology: JSONObject;
  /** Specs of the values in `weightData`, in order. */
  weightSpecs: WeightSpec[];
  /** The values of every spec, concatenated (tfjs also allows a list of buffers). */
  weightData: ArrayBuffer | ArrayBuffer[];
  /** 'layers-model'. */
  format?: string;
  /** The library that wrote the model, e.g. 'simdnn 0.1.0' or 'TensorFlow.js tfjs-layers v4.22.0'. */
  generatedBy?: string;
  /** The converter that made it, or null. */
  convertedBy?: string | null;
  /** Present when saved with the optimizer. */
  trainingConfig?: TrainingConfig;
}

/** The contents of model.json (tfjs `ModelJSON`). */
export interface ModelJSON {
  /** Keras JSON, as in {@link ModelArtifacts}. */
  modelTopology: JSONObject;
  /** Where the weights are and what they are. */
  weightsManifest: WeightsManifestGroup[];
  /** 'layers-model'. */
  format?: string;
  /** The library that wrote the model. */
  generatedBy?: string;
  /** The converter that made it, or null. */
  convertedBy?: string | null;
  /** Present when saved with the optimizer. */
  trainingConfig?: TrainingConfig;
}

/** Sizes of what was saved (tfjs `ModelArtifactsInfo`). */
export interface ModelArtifactsInfo {
  /** When the save happened. */
  dateSaved: Date;
  /** Always 'JSON' for Layers models. */
  modelTopologyType: 'JSON';
  /** UTF-8 bytes of the topology JSON. */
  modelTopologyBytes: number;
  /** UTF-8 bytes of the weight specs JSON. */
  weightSpecsBytes: number;
  /** Bytes of weight data. */
  weightDataBytes: number;
}

/** What a save resolves to (tfjs `SaveResult`). */
export interface SaveResult {
  /** Sizes of what was saved. */
  modelArtifactsInfo: ModelArtifactsInfo;
  /** Handler-specific results, e.g. the in-memory handler's artifacts. */
  responses?: unknown[];
}

/** Where a model is saved to or loaded from (structurally a tfjs `IOHandler`). */
export interface IOHandler {
  /** Stores the artifacts. */
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  /** Reads the artifacts back. */
  load?(): Promise<ModelArtifacts>;
}

/** Options of `model.save`. */
export interface SaveOptions {
  /** Also save the optimizer's state (iteration count, moments) so training can resume; default false. */
  includeOptimizer?: boolean;
}

/** Options of model.json writers: where the weights go. */
export interface ShardOptions {
  /** Path of the single weights file; default 'weights.bin'. */
  weightsPath?: string;
  /** Split the weights into shards of at most this many bytes named 'group1-shard{i}of{n}.bin' (as the tfjs converter). */
  shardBytes?: number;
}

/** A save target: a URL string with a registered scheme, or a handler. */
export type SaveTarget = string | IOHandler;

/** A load source: a URL string with a registered scheme, in-memory artifacts, or a handler. */
export type LoadSource = string | ModelArtifacts | IOHandler;
