// Weight penalties: the gradient of l1·Σ|w| + l2·Σw² added to a parameter's gradient in one pass.

/** g += l1·sign(w) + 2·l2·w over n values (sign(0) = 0, as the subgradient Keras uses). */
export function addRegularizerGradient(w: usize, g: usize, n: i32, l1: f32, l2: f32): void {
  const l1v = f32x4.splat(l1);
  const l2x2 = f32x4.splat(2 * l2);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const wv = v128.load(w + at);
    // sign(w) from two comparisons: +1 where w > 0, −1 where w < 0, 0 at 0.
    const sign = f32x4.sub(v128.and(f32x4.gt(wv, zero), one), v128.and(f32x4.lt(wv, zero), one));
    const step = f32x4.add(f32x4.mul(l1v, sign), f32x4.mul(l2x2, wv));
    v128.store(g + at, f32x4.add(v128.load(g + at), step));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const wi = load<f32>(w + at);
    const sign: f32 = wi > 0 ? 1 : wi < 0 ? -1 : 0;
    store<f32>(g + at, load<f32>(g + at) + l1 * sign + 2 * l2 * wi);
  }
}
