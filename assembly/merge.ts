// Element-wise joins of branches beyond Add: Subtract, Maximum and Minimum, and the backward
// routing of a maximum or minimum to the input that produced it.
import { at, loadLanes, storeLanes } from './math';

/** out[i] = a[i] − b[i]; out may equal a or b. */
export function subArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.sub(loadLanes(at(a, i), k), loadLanes(at(b, i), k)), k);
  }
}

/** out[i] = max(a[i], b[i]) (NaN if either is NaN); out may equal a or b. */
export function maxArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.max(loadLanes(at(a, i), k), loadLanes(at(b, i), k)), k);
  }
}

/** out[i] = min(a[i], b[i]) (NaN if either is NaN); out may equal a or b. */
export function minArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.min(loadLanes(at(a, i), k), loadLanes(at(b, i), k)), k);
  }
}

/**
 * Backward of a maximum or minimum for one input x, called for the inputs in order: where x
 * equals the output and the gradient g is still unclaimed, gx takes g and g becomes 0, so a tie
 * goes to the first input that holds the value (as Keras's pairwise maximum). Elsewhere gx = 0.
 * gx = 0 (no pointer) claims without writing.
 */
export function routeExtremumGrad(x: usize, out: usize, g: usize, gx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const hit = f32x4.eq(loadLanes(at(x, i), k), loadLanes(at(out, i), k));
    const gv = loadLanes(at(g, i), k);
    if (gx) storeLanes(at(gx, i), v128.and(gv, hit), k);
    storeLanes(at(g, i), v128.bitselect(zero, gv, hit), k);
  }
}
