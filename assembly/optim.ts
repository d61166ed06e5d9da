// Optimizer steps: one fused pass over a parameter array (weights, gradient, slots), Keras formulas.
//
// Every kernel ends with the same three arguments, applied in the same pass before its own update:
//   scale, clip: the gradient it uses is ĝ = clamp(scale·g, −clip, clip) (scale < 1 under clipnorm /
//                global clipnorm, clip = +∞ without clipvalue); g itself is left as it is.
//   keep:        decoupled weight decay (Keras 3): w ← keep·w before the update, keep = 1 − lr·wd.
// The step-dependent scalars (bias corrections, Nadam's momentum schedule) are computed once per
// call in f64; the loops are f32x4 with partial tails.
import { at, loadLanes, splat, storeLanes } from './math';

/** ĝ for lanes i..i+3: the gradient scaled and clamped. */
@inline function gradAt(g: usize, i: i32, k: i32, scale: v128, lo: v128, hi: v128): v128 {
  return f32x4.min(f32x4.max(f32x4.mul(scale, loadLanes(at(g, i), k)), lo), hi);
}

/** keep·w for lanes i..i+3. */
@inline function decayedAt(w: usize, i: i32, k: i32, keep: v128): v128 {
  return f32x4.mul(keep, loadLanes(at(w, i), k));
}

/** +1 where x > 0, −1 where x < 0, 0 elsewhere. */
@inline function sign4(x: v128): v128 {
  const zero = splat(0), one = splat(1);
  return f32x4.sub(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), one));
}

/** w ← keep·w − lr·ĝ. */
export function sgdUpdate(w: usize, g: usize, n: i32, lr: f32, scale: f32, clip: f32, keep: f32): void {
  const nlr = splat(-lr), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(w, i), f32x4.add(decayedAt(w, i, k, kp), f32x4.mul(nlr, gradAt(g, i, k, sc, lo, hi))), k);
  }
}

/** v = momentum·v − lr·ĝ; w ← keep·w + (nesterov ? momentum·v − lr·ĝ : v) (Keras SGD). */
export function sgdMomentumUpdate(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32,
  scale: f32, clip: f32, keep: f32): void {
  const nlr = splat(-lr), mu = splat(momentum), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const step = f32x4.mul(nlr, gradAt(g, i, k, sc, lo, hi));
    const vel = f32x4.add(f32x4.mul(mu, loadLanes(at(v, i), k)), step);
    const delta = nesterov ? f32x4.add(f32x4.mul(mu, vel), step) : vel;
    storeLanes(at(v, i), vel, k);
    storeLanes(at(w, i), f32x4.add(decayedAt(w, i, k, kp), delta), k);
  }
}

/**
 * Adam (Keras): m = β1·m + (1−β1)·ĝ; v = β2·v + (1−β2)·ĝ²; with AMSGrad (vmax ≠ 0)
 * vmax = max(vmax, v) takes v's place below; w ← keep·w − αt·m/(√v + ε) with
 * αt = lr·√(1−β2^t)/(1−β1^t), t = step ≥ 1.
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, step: i32, scale: f32, clip: f32, keep: f32): void {
  const b1 = splat(beta1), b2 = splat(beta2), c1 = splat(1 - beta1), c2 = splat(1 - beta2);
  const eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  const t = <f64>step;
  const alpha = splat(<f32>(<f64>lr * Math.sqrt(1 - Math.pow(<f64>beta2, t)) / (1 - Math.pow(<f64>beta1, t))));
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const mv = f32x4.add(f32x4.mul(b1, loadLanes(at(m, i), k)), f32x4.mul(c1, gv));
    let vv = f32x4.add(f32x4.mul(b2, loadLanes(at(v, i), k)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    storeLanes(at(m, i), mv, k);
    storeLanes(at(v, i), vv, k);
    if (vmax) {
      vv = f32x4.max(loadLanes(at(vmax, i), k), vv);
      storeLanes(at(vmax, i), vv, k);
    }
    const update = f32x4.div(f32x4.mul(alpha, mv), f32x4.add(f32x4.sqrt(vv), eps));
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), update), k);
  }
}

/**
 * Adamax (Keras): m = β1·m + (1−β1)·ĝ; u = max(β2·u, |ĝ|);
 * w ← keep·w − lr/(1−β1^t) · m/(u + ε), t = step ≥ 1.
 */
export function adamaxUpdate(w: usize, g: usize, m: usize, u: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, step: i32, scale: f32, clip: f32, keep: f32): void {
  const b1 = splat(beta1), b2 = splat(beta2), c1 = splat(1 - beta1);
  const eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  const alpha = splat(<f32>(<f64>lr / (1 - Math.pow(<f64>beta1, <f64>step))));
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const mv = f32x4.add(f32x4.mul(b1, loadLanes(at(m, i), k)), f32x4.mul(c1, gv));
    const uv = f32x4.max(f32x4.mul(b2, loadLanes(at(u, i), k)), f32x4.abs(gv));
    storeLanes(at(m, i), mv, k);
    storeLanes(at(u, i), uv, k);
    const update = f32x4.div(f32x4.mul(alpha, mv), f32x4.add(uv, eps));
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), update), k);
  }
}

/**
 * Nadam (Keras 3, Dozat's momentum schedule): with u_s = β1·(1 − ½·0.96^s) and
 * uProduct = Π_t = u_1·…·u_t (t = step ≥ 1), m = β1·m + (1−β1)·ĝ; v = β2·v + (1−β2)·ĝ²;
 * m̂ = u_{t+1}·m/(1 − Π_t·u_{t+1}) + (1 − u_t)·ĝ/(1 − Π_t); v̂ = v/(1 − β2^t);
 * w ← keep·w − lr·m̂/(√v̂ + ε).
 */
export function nadamUpdate(w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, step: i32, uProduct: f64, scale: f32, clip: f32, keep: f32): void {
  const t = <f64>step, b = <f64>beta1;
  const ut = b * (1 - 0.5 * Math.pow(0.96, t)), unext = b * (1 - 0.5 * Math.pow(0.96, t + 1));
  const cm = splat(<f32>(<f64>lr * unext / (1 - uProduct * unext)));
  const cg = splat(<f32>(<f64>lr * (1 - ut) / (1 - uProduct)));
  const cv = splat(<f32>(1 / (1 - Math.pow(<f64>beta2, t))));
  const b1 = splat(beta1), b2 = splat(beta2), c1 = splat(1 - beta1), c2 = splat(1 - beta2);
  const eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const mv = f32x4.add(f32x4.mul(b1, loadLanes(at(m, i), k)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, loadLanes(at(v, i), k)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    storeLanes(at(m, i), mv, k);
    storeLanes(at(v, i), vv, k);
    const num = f32x4.add(f32x4.mul(cm, mv), f32x4.mul(cg, gv));
    const update = f32x4.div(num, f32x4.add(f32x4.sqrt(f32x4.mul(cv, vv)), eps));
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), update), k);
  }
}

/**
 * RMSprop (Keras): v = ρ·v + (1−ρ)·ĝ²; centered (avg ≠ 0): a = ρ·a + (1−ρ)·ĝ and
 * d = v − a² + ε, else d = v + ε; inc = lr·ĝ/√d; with momentum (mom ≠ 0)
 * mom = μ·mom + inc and w ← keep·w − mom, else w ← keep·w − inc.
 */
export function rmspropUpdate(w: usize, g: usize, v: usize, mom: usize, avg: usize, n: i32,
  lr: f32, rho: f32, momentum: f32, epsilon: f32, scale: f32, clip: f32, keep: f32): void {
  const r = splat(rho), cr = splat(1 - rho), mu = splat(momentum), lrv = splat(lr);
  const eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const vv = f32x4.add(f32x4.mul(r, loadLanes(at(v, i), k)), f32x4.mul(cr, f32x4.mul(gv, gv)));
    storeLanes(at(v, i), vv, k);
    let d = vv;
    if (avg) {
      const av = f32x4.add(f32x4.mul(r, loadLanes(at(avg, i), k)), f32x4.mul(cr, gv));
      storeLanes(at(avg, i), av, k);
      d = f32x4.sub(vv, f32x4.mul(av, av));
    }
    let inc = f32x4.div(f32x4.mul(lrv, gv), f32x4.sqrt(f32x4.add(d, eps)));
    if (mom) {
      inc = f32x4.add(f32x4.mul(mu, loadLanes(at(mom, i), k)), inc);
      storeLanes(at(mom, i), inc, k);
    }
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), inc), k);
  }
}

/** Adagrad (Keras): acc += ĝ²; w ← keep·w − lr·ĝ/√(acc + ε). */
export function adagradUpdate(w: usize, g: usize, acc: usize, n: i32, lr: f32, epsilon: f32,
  scale: f32, clip: f32, keep: f32): void {
  const lrv = splat(lr), eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const a = f32x4.add(loadLanes(at(acc, i), k), f32x4.mul(gv, gv));
    storeLanes(at(acc, i), a, k);
    const update = f32x4.div(f32x4.mul(lrv, gv), f32x4.sqrt(f32x4.add(a, eps)));
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), update), k);
  }
}

/**
 * Adadelta (Keras): E[g²] = ρ·E[g²] + (1−ρ)·ĝ²; Δ = −√(E[Δ²] + ε)·ĝ/√(E[g²] + ε);
 * E[Δ²] = ρ·E[Δ²] + (1−ρ)·Δ²; w ← keep·w + lr·Δ.
 */
export function adadeltaUpdate(w: usize, g: usize, accGrad: usize, accDelta: usize, n: i32,
  lr: f32, rho: f32, epsilon: f32, scale: f32, clip: f32, keep: f32): void {
  const r = splat(rho), cr = splat(1 - rho), lrv = splat(lr);
  const eps = splat(epsilon), sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const gv = gradAt(g, i, k, sc, lo, hi);
    const ag = f32x4.add(f32x4.mul(r, loadLanes(at(accGrad, i), k)), f32x4.mul(cr, f32x4.mul(gv, gv)));
    const ad = loadLanes(at(accDelta, i), k);
    const delta = f32x4.neg(f32x4.div(f32x4.mul(f32x4.sqrt(f32x4.add(ad, eps)), gv), f32x4.sqrt(f32x4.add(ag, eps))));
    storeLanes(at(accGrad, i), ag, k);
    storeLanes(at(accDelta, i), f32x4.add(f32x4.mul(r, ad), f32x4.mul(cr, f32x4.mul(delta, delta))), k);
    storeLanes(at(w, i), f32x4.add(decayedAt(w, i, k, kp), f32x4.mul(lrv, delta)), k);
  }
}

/**
 * Rprop, the iRprop− variant (as PyTorch's `Rprop`): with p = ĝ·prev, each step size is
 * multiplied by etaPlus where p > 0, by etaMinus where p < 0 (1 where p = 0) and clamped to
 * [stepMin, stepMax]; where the sign flipped (p < 0) the gradient is taken as 0, so that weight
 * does not move this step and the next step is not grown; w ← keep·w − sign(ĝ')·size; prev = ĝ'.
 */
export function rpropUpdate(w: usize, g: usize, prev: usize, size: usize, n: i32,
  etaMinus: f32, etaPlus: f32, stepMin: f32, stepMax: f32, scale: f32, clip: f32, keep: f32): void {
  const em = splat(etaMinus), ep = splat(etaPlus), one = splat(1), zero = splat(0);
  const smin = splat(stepMin), smax = splat(stepMax);
  const sc = splat(scale), lo = splat(-clip), hi = splat(clip), kp = splat(keep);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    let gv = gradAt(g, i, k, sc, lo, hi);
    const p = f32x4.mul(gv, loadLanes(at(prev, i), k));
    const flipped = f32x4.lt(p, zero);
    const factor = v128.bitselect(ep, v128.bitselect(em, one, flipped), f32x4.gt(p, zero));
    const s = f32x4.min(f32x4.max(f32x4.mul(loadLanes(at(size, i), k), factor), smin), smax);
    gv = v128.andnot(gv, flipped);
    storeLanes(at(size, i), s, k);
    storeLanes(at(prev, i), gv, k);
    storeLanes(at(w, i), f32x4.sub(decayedAt(w, i, k, kp), f32x4.mul(sign4(gv), s)), k);
  }
}

/** Keras's moving average of the weights (use_ema): avg ← momentum·avg + (1 − momentum)·w. */
export function emaUpdate(avg: usize, w: usize, n: i32, momentum: f32): void {
  const mu = splat(momentum), rest = splat(<f32>1 - momentum);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(avg, i), f32x4.add(f32x4.mul(mu, loadLanes(at(avg, i), k)), f32x4.mul(rest, loadLanes(at(w, i), k))), k);
  }
}
