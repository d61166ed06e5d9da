// Row-wise softmax over the last axis of a rows × cols matrix, max-subtracted so no
// exponent overflows. Outputs may equal inputs.
import { at, exp4, expShifted, hsum, loadLanes, logScalar, rowMax, splat, storeLanes } from './math';
import { scaleArray } from './elementwise';

/** y row = softmax(x row). */
export function softmaxForward(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols), yr = at(y, r * cols);
    const sum = expShifted(xr, yr, cols, rowMax(xr, cols));
    scaleArray(yr, yr, cols, <f32>1 / sum);
  }
}

/** y row = (x − max) − log Σ e^(x − max): subtracting max first keeps large-offset rows exact. */
export function logSoftmaxForward(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols), yr = at(y, r * cols);
    const max = rowMax(xr, cols);
    const maxv = splat(max);
    const logSum = splat(logScalar(expShifted(xr, 0, cols, max))); // sum only: y may alias x
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      storeLanes(at(yr, i), f32x4.sub(f32x4.sub(loadLanes(at(xr, i), k), maxv), logSum), k);
    }
  }
}

/** dx row = y·(dy − Σ dy·y); dx may equal dy or y. */
export function softmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const yr = at(y, r * cols), gr = at(dy, r * cols), dr = at(dx, r * cols);
    const dot = splat(rowDot(yr, gr, cols));
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      const g = f32x4.sub(loadLanes(at(gr, i), k), dot);
      storeLanes(at(dr, i), f32x4.mul(loadLanes(at(yr, i), k), g), k);
    }
  }
}

/** dx row = dy − e^y·Σ dy (y = log softmax(x), so e^y is the softmax); dx may equal dy or y. */
export function logSoftmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const yr = at(y, r * cols), gr = at(dy, r * cols), dr = at(dx, r * cols);
    let acc = splat(0);
    for (let i = 0; i < cols; i += 4) acc = f32x4.add(acc, loadLanes(at(gr, i), cols - i));
    const total = splat(hsum(acc));
    for (let i = 0; i < cols; i += 4) {
      const k = cols - i;
      storeLanes(at(dr, i), f32x4.sub(loadLanes(at(gr, i), k), f32x4.mul(exp4(loadLanes(at(yr, i), k)), total)), k);
    }
  }
}

/** Σ_j a[j]·b[j] over one row (padded lanes load as 0). */
function rowDot(a: usize, b: usize, cols: i32): f32 {
  let acc = splat(0);
  for (let i = 0; i < cols; i += 4) {
    const k = cols - i;
    acc = f32x4.add(acc, f32x4.mul(loadLanes(at(a, i), k), loadLanes(at(b, i), k)));
  }
  return hsum(acc);
}
