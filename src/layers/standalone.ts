/**
 * Running one layer outside a model (kernel tests, gradient checks, micro-benchmarks): a
 * {@link LayerCall} over the caller's buffers plus the per-batch buffers the layer asks for.
 */
import { getBackend } from '../core/wasm.js';
import type { Layer, LayerCall } from './layer.js';

/** A call whose layer buffers are freed by `release()`. */
export interface StandaloneCall extends LayerCall {
  /** Returns the layer's buffers (not the caller's) to the arena. */
  release(): void;
}

/**
 * Operands of a built `layer` for up to `capacity` samples; pointers of 0 mean "not needed". A layer
 * with several outputs takes them all in `outputs` (and their gradients in `gradOutputs`), `output` first.
 */
export function standaloneCall(layer: Layer, capacity: number, operands: { inputs: readonly number[]; output: number;
  gradOutput?: number; gradInputs?: readonly number[]; activationInLoss?: boolean;
  outputs?: readonly number[]; gradOutputs?: readonly number[] }): StandaloneCall {
  if (!layer.isBuilt) throw new Error(`standaloneCall: ${layer.describe()} must be built first`);
  const outputs = operands.outputs ?? [operands.output];
  const gradOutputs = operands.gradOutputs ?? [operands.gradOutput ?? 0];
  if (outputs.length !== layer.outputShapes.length || gradOutputs.length !== outputs.length || outputs[0] !== operands.output) {
    throw new Error(`standaloneCall: ${layer.describe()} has ${layer.outputShapes.length} outputs; give them all in outputs (output first) and gradOutputs`);
  }
  const { arena } = getBackend();
  const buffers = layer.planBuffers(capacity).map((r) => arena.alloc(r.bytes, 'scratch', `${layer.describe()} ${r.label}`));
  layer.initBuffers(buffers, 0);
  return {
    inputs: operands.inputs, output: operands.output, gradOutput: operands.gradOutput ?? 0,
    gradInputs: operands.gradInputs ?? operands.inputs.map(() => 0), buffers, activationInLoss: operands.activationInLoss ?? false,
    outputs, gradOutputs,
    release: () => { for (const ptr of buffers) arena.release(ptr); },
  };
}
