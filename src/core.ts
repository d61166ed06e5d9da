/**
 * simdnn/core: the whole library except the built-in MNIST digits (21 MB of JSON in the
 * `mnist` package), for edge functions and fast cold starts. `simdnn` adds `data.mnist`.
 * Public API: re-exports only.
 */
export { ready, backend, shutdown, type ReadyOptions, type BackendInfo, type SimdVariant } from './core/wasm.js';
export { Tensor, tensor, type TensorLike, type NestedArray } from './core/tensor.js';
export { setSeed } from './core/random.js';
export { memory, type MemoryInfo } from './models/memory.js';
export type { MemoryKind } from './core/memory.js';
export * as ops from './core/ops.js';
export * as layers from './layers/index.js';
export { Layer, type LayerArgs, type Param, type LayerCall, type BufferRequest } from './layers/layer.js';
export { standaloneCall, type StandaloneCall } from './layers/standalone.js';
export { LayersModel, type CompileArgs, type FitArgs, type BatchArgs, type EvaluateArgs, type LossSpec } from './models/model.js';
export type { ModelData, ModelLabels } from './models/data.js';
export type { TrainOnBatchArgs } from './models/batch-verbs.js';
export type { Dataset, DatasetBatch, TfjsDatasetLike } from './models/dataset.js';
export type { FitDatasetArgs, EvaluateDatasetArgs, ValidationData } from './models/fit-dataset.js';
export { AUTO_YIELD_MS, type YieldEvery } from './models/yield.js';
export type { ClassWeight, SampleWeightLike } from './models/sample-weights.js';
export { Sequential, sequential, type SequentialArgs } from './models/sequential.js';
export { Functional, model, type ModelArgs } from './models/functional.js';
export { SymbolicTensor, input, type InputArgs } from './layers/input.js';
export * as optimizers from './optimizers/index.js';
export { Optimizer } from './optimizers/index.js';
export { History, type Callback, type Logs } from './callbacks/callback.js';
export * as callbacks from './callbacks/index.js';
export * as schedules from './schedules.js';
export type { LearningRateSchedule } from './schedules.js';
export * as data from './data/portable.js';
export * as io from './io/index.js';
export * as serialization from './layers/serialization.js';
export { loadModel } from './io/load.js';
export * as regularizers from './regularizers.js';
export * as initializers from './initializers.js';
export type { ActivationName } from './activations.js';
export type { LossName } from './losses.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
