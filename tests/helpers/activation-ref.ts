// float64 references of the activations GEMM and direct convolution fuse into their write-back.
import { fusedActivation, type FusedActivation } from '../../src/core/kernels/fused-activation.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** A fusable activation: its name, the kernels' code and alpha, and a float64 formula. */
export interface FusedCase {
  name: string;
  fused: FusedActivation;
  f: (x: number) => number;
}

const elu = (x: number, alpha: number) => (x > 0 ? x : alpha * Math.expm1(x));

/** Every fusable activation; leakyRelu and elu with a non-default alpha so the parameter is exercised. */
export const FUSED_CASES: FusedCase[] = [
  { name: 'linear', fused: fusedActivation('linear'), f: (x) => x },
  { name: 'relu', fused: fusedActivation('relu'), f: (x) => Math.max(x, 0) },
  { name: 'leakyRelu(0.15)', fused: fusedActivation('leakyRelu', 0.15), f: (x) => (x > 0 ? x : 0.15 * x) },
  { name: 'elu(0.7)', fused: fusedActivation('elu', 0.7), f: (x) => elu(x, 0.7) },
  { name: 'selu', fused: fusedActivation('selu'), f: (x) => SELU_SCALE * elu(x, SELU_ALPHA) },
  { name: 'sigmoid', fused: fusedActivation('sigmoid'), f: (x) => 1 / (1 + Math.exp(-x)) },
  { name: 'tanh', fused: fusedActivation('tanh'), f: Math.tanh },
  { name: 'softplus', fused: fusedActivation('softplus'), f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) },
  { name: 'relu6', fused: fusedActivation('relu6'), f: (x) => Math.min(Math.max(x, 0), 6) },
  { name: 'hardSigmoid(0.2)', fused: fusedActivation('hardSigmoid', 0.2), f: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1) },
  { name: 'hardSigmoid(1/6)', fused: fusedActivation('hardSigmoid', 1 / 6), f: (x) => Math.min(Math.max(x / 6 + 0.5, 0), 1) },
];
