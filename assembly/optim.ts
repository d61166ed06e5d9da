// Optimizer steps: one fused pass over a parameter array (weights, gradient, slots), Keras formulas.
import { at, loadLanes, splat, storeLanes } from './math';

/** w −= lr·g. */
export function sgdUpdate(w: usize, g: usize, n: i32, lr: f32): void {
  const nlr = splat(-lr);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(w, i), f32x4.add(loadLanes(at(w, i), k), f32x4.mul(nlr, loadLanes(at(g, i), k))), k);
  }
}

/** v = momentum·v − lr·g; w += nesterov ? momentum·v − lr·g : v (Keras SGD). */
export function sgdMomentumUpdate(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32): void {
  const nlr = splat(-lr), mu = splat(momentum);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const step = f32x4.mul(nlr, loadLanes(at(g, i), k));
    const vel = f32x4.add(f32x4.mul(mu, loadLanes(at(v, i), k)), step);
    const delta = nesterov ? f32x4.add(f32x4.mul(mu, vel), step) : vel;
    storeLanes(at(v, i), vel, k);
    storeLanes(at(w, i), f32x4.add(loadLanes(at(w, i), k), delta), k);
  }
}

/**
 * Adam (Keras/TF): m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * w −= αt·m/(√v + ε) with αt = lr·√(1−β2^t)/(1−β1^t), t = step ≥ 1.
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, step: i32): void {
  const b1 = splat(beta1), b2 = splat(beta2), c1 = splat(1 - beta1), c2 = splat(1 - beta2);
  const eps = splat(epsilon), alpha = splat(<f32>biasCorrectedRate(lr, beta1, beta2, step));
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = loadLanes(at(g, i), k);
    const mv = f32x4.add(f32x4.mul(b1, loadLanes(at(m, i), k)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, loadLanes(at(v, i), k)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    const update = f32x4.div(f32x4.mul(alpha, mv), f32x4.add(f32x4.sqrt(vv), eps));
    storeLanes(at(m, i), mv, k);
    storeLanes(at(v, i), vv, k);
    storeLanes(at(w, i), f32x4.sub(loadLanes(at(w, i), k), update), k);
  }
}

/** lr·√(1−β2^t)/(1−β1^t), in f64 so early steps (1−β^t tiny) keep their digits. */
function biasCorrectedRate(lr: f32, beta1: f32, beta2: f32, step: i32): f64 {
  const t = <f64>step;
  return <f64>lr * Math.sqrt(1 - Math.pow(<f64>beta2, t)) / (1 - Math.pow(<f64>beta1, t));
}
