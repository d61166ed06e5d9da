/**
 * Activation functions by name, each a forward kernel and a backward kernel computed from the output.
 * Row-wise ones (softmax) apply over the last axis.
 */
import { fusedActivation, type FusedActivation } from './core/kernels/fused-activation.js';
import type { Kernels } from './core/wasm.js';

/** Activation names accepted by layers (Keras / tfjs spelling). */
export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax'
  | 'leakyRelu' | 'elu' | 'selu' | 'softplus';

/** How an activation runs: over `rows × cols` values, in place allowed. */
export interface Activation {
  readonly name: ActivationName;
  /** How GEMM and direct convolution apply it in their write-back; null when not element-wise (softmax). */
  readonly fused: FusedActivation | null;
  forward(k: Kernels, x: number, y: number, rows: number, cols: number): void;
  backward(k: Kernels, y: number, dy: number, dx: number, rows: number, cols: number): void;
}

const LEAKY_RELU_ALPHA = 0.3; // Keras default
const ELU_ALPHA = 1.0;

const ACTIVATIONS: Record<ActivationName, Activation> = {
  linear: {
    name: 'linear',
    fused: fusedActivation('linear'),
    forward: (k, x, y, rows, cols) => { if (x !== y) k.scaleArray(x, y, rows * cols, 1); },
    backward: (k, _y, dy, dx, rows, cols) => { if (dy !== dx) k.scaleArray(dy, dx, rows * cols, 1); },
  },
  relu: {
    name: 'relu',
    fused: fusedActivation('relu'),
    forward: (k, x, y, rows, cols) => k.reluForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.reluBackward(y, dy, dx, rows * cols),
  },
  sigmoid: {
    name: 'sigmoid',
    fused: fusedActivation('sigmoid'),
    forward: (k, x, y, rows, cols) => k.sigmoidForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.sigmoidBackward(y, dy, dx, rows * cols),
  },
  tanh: {
    name: 'tanh',
    fused: fusedActivation('tanh'),
    forward: (k, x, y, rows, cols) => k.tanhForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.tanhBackward(y, dy, dx, rows * cols),
  },
  softmax: {
    name: 'softmax',
    fused: null,
    forward: (k, x, y, rows, cols) => k.softmaxForward(x, y, rows, cols),
    backward: (k, y, dy, dx, rows, cols) => k.softmaxBackward(y, dy, dx, rows, cols),
  },
  leakyRelu: {
    name: 'leakyRelu',
    fused: fusedActivation('leakyRelu', LEAKY_RELU_ALPHA),
    forward: (k, x, y, rows, cols) => k.leakyReluForward(x, y, rows * cols, LEAKY_RELU_ALPHA),
    backward: (k, y, dy, dx, rows, cols) => k.leakyReluBackward(y, dy, dx, rows * cols, LEAKY_RELU_ALPHA),
  },
  elu: {
    name: 'elu',
    fused: fusedActivation('elu', ELU_ALPHA),
    forward: (k, x, y, rows, cols) => k.eluForward(x, y, rows * cols, ELU_ALPHA),
    backward: (k, y, dy, dx, rows, cols) => k.eluBackward(y, dy, dx, rows * cols, ELU_ALPHA),
  },
  selu: {
    name: 'selu',
    fused: fusedActivation('selu'),
    forward: (k, x, y, rows, cols) => k.seluForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.seluBackward(y, dy, dx, rows * cols),
  },
  softplus: {
    name: 'softplus',
    fused: fusedActivation('softplus'),
    forward: (k, x, y, rows, cols) => k.softplusForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.softplusBackward(y, dy, dx, rows * cols),
  },
};

/** Looks an activation up by name; `who` names the layer for the error. */
export function getActivation(name: string | undefined, who: string): Activation {
  const key = (name ?? 'linear') as ActivationName;
  const found = Object.prototype.hasOwnProperty.call(ACTIVATIONS, key) ? ACTIVATIONS[key] : undefined;
  if (!found) {
    throw new Error(`${who}: unknown activation '${name}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return found;
}
