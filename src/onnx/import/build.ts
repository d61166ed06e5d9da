/**
 * Lowered layer list → a functional simdnn model: inputs made, each layer applied in order
 * (built without drawing initial weights), the import's weights written. A failure midway
 * frees what was built, so a refused or broken file leaves no wasm memory behind.
 */
import { Tensor } from '../../core/tensor.js';
import { input, type SymbolicTensor } from '../../layers/input.js';
import { withoutInitialization } from '../../layers/layer.js';
import { model as functionalModel, type Functional } from '../../models/functional.js';
import type { Lowered } from './lower.js';

export function buildModel(lowered: Lowered, name: string): Functional {
  const symbols: SymbolicTensor[] = lowered.inputs.map((i) => input({ shape: i.shape, name: i.name }));
  try {
    withoutInitialization(() => {
      for (const spec of lowered.specs) {
        const out = spec.layer.apply(spec.inputs.map((id) => symbols[id]));
        if (out.shape.length !== spec.outputShape.length || out.shape.some((d, i) => d !== spec.outputShape[i])) {
          throw new Error(`loadOnnx: internal error: ${spec.layer.describe()} gives [${out.shape.join(', ')}], the import expected [${spec.outputShape.join(', ')}]`);
        }
        symbols.push(out);
      }
    });
    const outputs = lowered.outputs.map((id) => symbols[id]);
    const inputs = symbols.slice(0, lowered.inputs.length);
    const built = functionalModel({ name, inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs });
    for (const spec of lowered.specs) {
      if (spec.weights) spec.layer.setWeights(spec.weights.map((w) => new Tensor(w.data, w.shape)));
    }
    return built as Functional;
  } catch (e) {
    for (const spec of lowered.specs) spec.layer.dispose();
    throw e;
  }
}
