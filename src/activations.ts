/**
 * Activation functions by name, each a forward kernel and a backward kernel computed from the output
 * (hardSwish's, swish's, mish's and gelu's from the input). Row-wise ones (softmax) apply over the last axis.
 */
import { fusedActivation, type FusedActivation } from './core/kernels/fused-activation.js';
import type { Kernels } from './core/wasm.js';

/**
 * Activation names accepted by layers (Keras / tfjs spelling). 'hardSigmoid' is TF.js's (and
 * Keras 2's) clip(0.2·x + 0.5, 0, 1); 'hardSigmoidKeras3' is Keras 3's relu6(x + 3)/6, saved as
 * Keras 3's 'hard_sigmoid'; 'leakyRelu' has slope 0.3 (TF.js's and Keras's LeakyReLU layer default),
 * 'leakyReluKeras3' slope 0.2, what Keras 3's activation string 'leaky_relu' computes (saved so); 'hardSwish' is Keras 3's x·relu6(x + 3)/6. 'swish' is x·sigmoid(x),
 * also named 'silu' (Keras 3's name; a layer reports and saves it as 'swish', which TF.js reads);
 * 'gelu' is the exact x·Φ(x) (Keras's default approximate=false), 'geluApproximate' its tanh
 * approximation (Keras's approximate=true, saved as TF.js's 'gelu_new'); 'softsign' is x/(1 + |x|),
 * 'mish' x·tanh(softplus(x)), 'exponential' e^x.
 */
export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax'
  | 'leakyRelu' | 'leakyReluKeras3' | 'elu' | 'selu' | 'softplus'
  | 'relu6' | 'hardSigmoid' | 'hardSigmoidKeras3' | 'hardSwish'
  | 'softsign' | 'exponential' | 'swish' | 'silu' | 'mish' | 'gelu' | 'geluApproximate';

/** How an activation runs: over `rows × cols` values, in place allowed. */
export interface Activation {
  readonly name: ActivationName;
  /** How GEMM and direct convolution apply it in their write-back; null when not element-wise (softmax). */
  readonly fused: FusedActivation | null;
  /**
   * Backward needs the input, not the output (hardSwish: its output does not determine its input),
   * so a layer keeps the pre-activation values and passes them as `y` to {@link backward}.
   */
  readonly backwardFromInput: boolean;
  forward(k: Kernels, x: number, y: number, rows: number, cols: number): void;
  backward(k: Kernels, y: number, dy: number, dx: number, rows: number, cols: number): void;
}

const LEAKY_RELU_ALPHA = 0.3; // Keras default
const LEAKY_RELU_KERAS3_SLOPE = 0.2; // keras.activations.leaky_relu's negative_slope
const ELU_ALPHA = 1.0;
/** TF.js and Keras 2 hardSigmoid: clip(0.2·x + 0.5, 0, 1). */
const HARD_SIGMOID_SLOPE = 0.2;
/** Keras 3 hard_sigmoid: relu6(x + 3)/6 = clip(x/6 + 0.5, 0, 1). */
const HARD_SIGMOID_KERAS3_SLOPE = 1 / 6;

type ActivationTable = Record<ActivationName, Omit<Activation, 'backwardFromInput'> & { backwardFromInput?: boolean }>;

/** swish, also reachable as 'silu'; the backward reads the input (y does not determine x below its minimum). */
const SWISH: ActivationTable['swish'] = {
  name: 'swish',
  fused: null,
  backwardFromInput: true,
  forward: (k, x, y, rows, cols) => k.swishForward(x, y, rows * cols),
  backward: (k, x, dy, dx, rows, cols) => k.swishBackward(x, dy, dx, rows * cols),
};

const ACTIVATIONS: ActivationTable = {
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
  logSoftmax: {
    name: 'logSoftmax',
    fused: null,
    forward: (k, x, y, rows, cols) => k.logSoftmaxForward(x, y, rows, cols),
    backward: (k, y, dy, dx, rows, cols) => k.logSoftmaxBackward(y, dy, dx, rows, cols),
  },
  leakyRelu: {
    name: 'leakyRelu',
    fused: fusedActivation('leakyRelu', LEAKY_RELU_ALPHA),
    forward: (k, x, y, rows, cols) => k.leakyReluForward(x, y, rows * cols, LEAKY_RELU_ALPHA),
    backward: (k, y, dy, dx, rows, cols) => k.leakyReluBackward(y, dy, dx, rows * cols, LEAKY_RELU_ALPHA),
  },
  leakyReluKeras3: {
    name: 'leakyReluKeras3',
    fused: fusedActivation('leakyRelu', LEAKY_RELU_KERAS3_SLOPE),
    forward: (k, x, y, rows, cols) => k.leakyReluForward(x, y, rows * cols, LEAKY_RELU_KERAS3_SLOPE),
    backward: (k, y, dy, dx, rows, cols) => k.leakyReluBackward(y, dy, dx, rows * cols, LEAKY_RELU_KERAS3_SLOPE),
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
  relu6: {
    name: 'relu6',
    fused: fusedActivation('relu6'),
    forward: (k, x, y, rows, cols) => k.relu6Forward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.relu6Backward(y, dy, dx, rows * cols),
  },
  hardSigmoid: {
    name: 'hardSigmoid',
    fused: fusedActivation('hardSigmoid', HARD_SIGMOID_SLOPE),
    forward: (k, x, y, rows, cols) => k.hardSigmoidForward(x, y, rows * cols, HARD_SIGMOID_SLOPE),
    backward: (k, y, dy, dx, rows, cols) => k.hardSigmoidBackward(y, dy, dx, rows * cols, HARD_SIGMOID_SLOPE),
  },
  hardSigmoidKeras3: {
    name: 'hardSigmoidKeras3',
    fused: fusedActivation('hardSigmoid', HARD_SIGMOID_KERAS3_SLOPE),
    forward: (k, x, y, rows, cols) => k.hardSigmoidForward(x, y, rows * cols, HARD_SIGMOID_KERAS3_SLOPE),
    backward: (k, y, dy, dx, rows, cols) => k.hardSigmoidBackward(y, dy, dx, rows * cols, HARD_SIGMOID_KERAS3_SLOPE),
  },
  hardSwish: {
    name: 'hardSwish',
    // Not fused: training must keep the pre-activation, which a fused write-back overwrites.
    fused: null,
    backwardFromInput: true,
    forward: (k, x, y, rows, cols) => k.hardSwishForward(x, y, rows * cols),
    backward: (k, x, dy, dx, rows, cols) => k.hardSwishBackward(x, dy, dx, rows * cols),
  },
  softsign: {
    name: 'softsign',
    fused: null,
    forward: (k, x, y, rows, cols) => k.softsignForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.softsignBackward(y, dy, dx, rows * cols),
  },
  exponential: {
    name: 'exponential',
    fused: null,
    forward: (k, x, y, rows, cols) => k.exponentialForward(x, y, rows * cols),
    backward: (k, y, dy, dx, rows, cols) => k.exponentialBackward(y, dy, dx, rows * cols),
  },
  swish: SWISH,
  silu: SWISH,
  mish: {
    name: 'mish',
    fused: null,
    backwardFromInput: true,
    forward: (k, x, y, rows, cols) => k.mishForward(x, y, rows * cols),
    backward: (k, x, dy, dx, rows, cols) => k.mishBackward(x, dy, dx, rows * cols),
  },
  gelu: {
    name: 'gelu',
    fused: null,
    backwardFromInput: true,
    forward: (k, x, y, rows, cols) => k.geluForward(x, y, rows * cols),
    backward: (k, x, dy, dx, rows, cols) => k.geluBackward(x, dy, dx, rows * cols),
  },
  geluApproximate: {
    name: 'geluApproximate',
    fused: null,
    backwardFromInput: true,
    forward: (k, x, y, rows, cols) => k.geluApproximateForward(x, y, rows * cols),
    backward: (k, x, dy, dx, rows, cols) => k.geluApproximateBackward(x, dy, dx, rows * cols),
  },
};

const TABLE: Record<ActivationName, Activation> = Object.fromEntries(
  Object.entries(ACTIVATIONS).map(([name, a]) => [name, { ...a, backwardFromInput: a.backwardFromInput ?? false }]),
) as Record<ActivationName, Activation>;

/** The activation names `getActivation` and the layers' `activation` option accept. */
export const ACTIVATION_NAMES: readonly ActivationName[] = Object.freeze(Object.keys(TABLE) as ActivationName[]);

/** Looks an activation up by name; `who` names the layer for the error. */
export function getActivation(name: string | undefined, who: string): Activation {
  const key = (name ?? 'linear') as ActivationName;
  const found = Object.prototype.hasOwnProperty.call(TABLE, key) ? TABLE[key] : undefined;
  if (!found) {
    throw new Error(`${who}: unknown activation '${name}'; expected one of ${Object.keys(TABLE).join(', ')}`);
  }
  return found;
}
