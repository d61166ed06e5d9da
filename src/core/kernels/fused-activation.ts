/**
 * The element-wise activations GEMM and direct convolution apply in their write-back, as the
 * kernels' codes (mirrors the ACT_ constants of assembly/activation-lanes.ts).
 */

/** An activation code with its parameter (leakyRelu slope, elu scale, hardSigmoid slope; 0 when unused). */
export interface FusedActivation {
  readonly code: number;
  readonly alpha: number;
}

/** No activation: the write-back stores C (plus bias). */
export const FUSED_LINEAR: FusedActivation = Object.freeze({ code: 0, alpha: 0 });

/** Code of each fusable activation, by its Keras name. */
export const FUSED_ACTIVATION_CODES = Object.freeze({
  linear: 0, relu: 1, leakyRelu: 2, elu: 3, selu: 4, sigmoid: 5, tanh: 6, softplus: 7, relu6: 8, hardSigmoid: 9,
});

/** The fused form of `name` with parameter `alpha`. */
export function fusedActivation(name: keyof typeof FUSED_ACTIVATION_CODES, alpha = 0): FusedActivation {
  return Object.freeze({ code: FUSED_ACTIVATION_CODES[name], alpha });
}
