// Reductions: column sums (bias gradients) and f64 totals for norms and regularisers.
import { addArrays } from './elementwise';
import { addWide, at, loadLanes, wideTotal } from './math';

/** out[c] (+)= Σ_r x[r,c]: adds row after row into out, streaming x in memory order. */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) addArrays(out, at(x, r * cols), out, cols);
}

/** Σ x², accumulated in f64. */
export function sumSquares(x: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) {
    const v = loadLanes(at(x, i), n - i); // padded lanes are 0
    acc = addWide(acc, f32x4.mul(v, v));
  }
  return wideTotal(acc);
}

/** Σ |x|, accumulated in f64. */
export function sumAbs(x: usize, n: i32): f64 {
  let acc = f64x2.splat(0);
  for (let i = 0; i < n; i += 4) acc = addWide(acc, f32x4.abs(loadLanes(at(x, i), n - i)));
  return wideTotal(acc);
}
