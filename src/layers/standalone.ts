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

/** Operands of a built `layer` for up to `capacity` samples; pointers of 0 mean "not needed". */
export function standaloneCall(layer: Layer, capacity: number, operands: { inputs: readonly number[]; output: number;
  gradOutput?: number; gradInputs?: readonly number[]; activationInLoss?: boolean }): StandaloneCall {
  if (!layer.isBuilt) throw new Error(`standaloneCall: ${layer.describe()} must be built first`);
  const { arena } = getBackend();
  const buffers = layer.planBuffers(capacity).map((r) => arena.alloc(r.bytes, 'scratch', `${layer.describe()} ${r.label}`));
  layer.initBuffers(buffers, 0);
  return {
    inputs: operands.inputs, output: operands.output, gradOutput: operands.gradOutput ?? 0,
    gradInputs: operands.gradInputs ?? operands.inputs.map(() => 0), buffers, activationInLoss: operands.activationInLoss ?? false,
    release: () => { for (const ptr of buffers) arena.release(ptr); },
  };
}
