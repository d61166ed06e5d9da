/**
 * Optimizer steps with named operands: one call updates one parameter in place from its gradient,
 * clipping the gradient and decaying the weights in the same pass. The rule (SGD, Adam, ...)
 * and its hyper-parameters are one struct; the parameter's buffers and this step's scalars another.
 */
import { getBackend } from '../wasm.js';

/**
 * One parameter's buffers and this step's shared scalars. An optimizer keeps one (from
 * {@link updateArgs}) and refills it per parameter, so a step allocates nothing.
 */
export interface UpdateArgs {
  /** The weights, updated in place. */
  param: number;
  grad: number;
  /** Values in param, grad and each slot. */
  size: number;
  /** The rule's slot buffers, in the order its optimizer documents. */
  slots: readonly number[];
  learningRate: number;
  /** Steps taken, this one included (t ≥ 1), for bias corrections. */
  step: number;
  /** Factor on the gradient from clipNorm / globalClipNorm (1 when not clipped). */
  gradScale: number;
  /** Element-wise gradient bound (+∞ when not clipped). */
  gradClip: number;
  /** Decoupled weight decay: w ← keep·w before the update. */
  keep: number;
}

/** An update struct with no buffers, rate 0, no clipping and no decay. */
export function updateArgs(): UpdateArgs {
  return { param: 0, grad: 0, size: 0, slots: [], learningRate: 0, step: 0, gradScale: 1, gradClip: Infinity, keep: 1 };
}

/** An update rule and its hyper-parameters. Slots are read as each optimizer documents them. */
export type UpdateRule =
  | { readonly kind: 'sgd' }
  /** Slot: velocity. */
  | { readonly kind: 'sgdMomentum'; readonly momentum: number; readonly nesterov: boolean; readonly gradientFactor: number }
  /** Slots: m, v (and v̂max when amsgrad). */
  | { readonly kind: 'adam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly amsgrad: boolean }
  /** Slots: m, u. */
  | { readonly kind: 'adamax'; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  /** Slots: m, v; uProduct is Π μ_1..μ_t, advanced by the optimizer each step. */
  | { readonly kind: 'nadam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; uProduct: number }
  /** Slots: v, then mom (momentum > 0), then the mean gradient (centered). */
  | { readonly kind: 'rmsprop'; readonly rho: number; readonly momentum: number; readonly epsilon: number; readonly centered: boolean }
  /** Slot: accumulator. */
  | { readonly kind: 'adagrad'; readonly epsilon: number }
  /** Slots: accumulated gradient, accumulated update. */
  | { readonly kind: 'adadelta'; readonly rho: number; readonly epsilon: number }
  /** Slots: previous gradient, step sizes. */
  | { readonly kind: 'rprop'; readonly etaMinus: number; readonly etaPlus: number; readonly stepMin: number; readonly stepMax: number };

/** Applies `rule` to one parameter. */
export function applyUpdate(rule: UpdateRule, u: UpdateArgs): void {
  const k = getBackend().kernels;
  const s = u.slots;
  switch (rule.kind) {
    case 'sgd':
      k.sgdUpdate(u.param, u.grad, u.size, u.learningRate, u.gradScale, u.gradClip, u.keep);
      return;
    case 'sgdMomentum':
      // Dampening scales the gradient entering the velocity: the same as a learning rate lr·(1 − dampening) there.
      k.sgdMomentumUpdate(u.param, u.grad, s[0], u.size, u.learningRate * rule.gradientFactor, rule.momentum, +rule.nesterov, u.gradScale, u.gradClip, u.keep);
      return;
    case 'adam':
      k.adamUpdate(u.param, u.grad, s[0], s[1], rule.amsgrad ? s[2] : 0, u.size, u.learningRate, rule.beta1, rule.beta2,
        rule.epsilon, u.step, u.gradScale, u.gradClip, u.keep);
      return;
    case 'adamax':
      k.adamaxUpdate(u.param, u.grad, s[0], s[1], u.size, u.learningRate, rule.beta1, rule.beta2, rule.epsilon, u.step,
        u.gradScale, u.gradClip, u.keep);
      return;
    case 'nadam':
      k.nadamUpdate(u.param, u.grad, s[0], s[1], u.size, u.learningRate, rule.beta1, rule.beta2, rule.epsilon, u.step,
        rule.uProduct, u.gradScale, u.gradClip, u.keep);
      return;
    case 'rmsprop':
      k.rmspropUpdate(u.param, u.grad, s[0], rule.momentum > 0 ? s[1] : 0, rule.centered ? s[s.length - 1] : 0, u.size,
        u.learningRate, rule.rho, rule.momentum, rule.epsilon, u.gradScale, u.gradClip, u.keep);
      return;
    case 'adagrad':
      k.adagradUpdate(u.param, u.grad, s[0], u.size, u.learningRate, rule.epsilon, u.gradScale, u.gradClip, u.keep);
      return;
    case 'adadelta':
      k.adadeltaUpdate(u.param, u.grad, s[0], s[1], u.size, u.learningRate, rule.rho, rule.epsilon, u.gradScale, u.gradClip, u.keep);
      return;
    case 'rprop':
      k.rpropUpdate(u.param, u.grad, s[0], s[1], u.size, rule.etaMinus, rule.etaPlus, rule.stepMin, rule.stepMax,
        u.gradScale, u.gradClip, u.keep);
      return;
  }
}
