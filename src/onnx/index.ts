/**
 * simdnn/onnx: models to and from ONNX, in an entry of its own so the core stays small.
 * `saveOnnx` writes a trained model as an ONNX inference graph (opset 13+), for ONNX Runtime
 * and anything else that reads ONNX; `decodeOnnx` reads an ONNX file's ModelProto, bounded and
 * checked, without building a model.
 */
import type { LayersModel } from '../models/model.js';
import { modelToArtifacts } from '../io/save.js';
import { layersToOnnx, type ToOnnxOptions } from './from-layers.js';

export { decodeModel as decodeOnnx } from './decode.js';
export { loadOnnx, type LoadOnnxOptions } from './load.js';
export { OnnxUnsupportedError, type Refusal } from './import/lower.js';
export { SUPPORTED_OPS } from './import/converters.js';
export type { ToOnnxOptions } from './from-layers.js';

/**
 * The model as ONNX bytes: the graph takes and returns the model's own layout (channels-last
 * images become NCHW inside, with convolution kernels converted once), batch dimension symbolic.
 * Sequential models of Dense, Conv2D, MaxPooling2D, Flatten, Reshape, Activation and Dropout;
 * anything else is refused naming the layer.
 */
export function saveOnnx(model: LayersModel, options: ToOnnxOptions = {}): Uint8Array {
  return layersToOnnx(modelToArtifacts(model), options);
}
