// Element-wise arithmetic over f32 arrays. Every loop walks 4 lanes at a time; the last,
// partial step loads and stores only the lanes that exist (loadLanes/storeLanes).
import { at, countLanes, exp4, loadLanes, log4, splat, storeLanes } from './math';

/** out[i] = a[i] + b[i]; out may equal a or b. */
export function addArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.add(loadLanes(at(a, i), k), loadLanes(at(b, i), k)), k);
  }
}

/** out[i] = a[i] · b[i]; out may equal a or b. */
export function mulArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.mul(loadLanes(at(a, i), k), loadLanes(at(b, i), k)), k);
  }
}

/** out[i] = s · x[i]; out may equal x. */
export function scaleArray(x: usize, out: usize, n: i32, s: f32): void {
  const sv = splat(s);
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(out, i), f32x4.mul(loadLanes(at(x, i), k), sv), k);
  }
}

/** out[r,c] = x[r,c] + v[c] (bias add); out may equal x. */
export function addRowVector(x: usize, v: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    addArrays(at(x, offset), v, at(out, offset), cols);
  }
}

/** out[r,c] = x[r,c] · v[c]; out may equal x. */
export function mulRowVector(x: usize, v: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    mulArrays(at(x, offset), v, at(out, offset), cols);
  }
}

/** dst row i = src row indices[i] (i32 indices, rows of rowFloats floats); rows must not overlap. */
export function gatherRows(src: usize, indices: usize, count: i32, rowFloats: i32, dst: usize): void {
  const rowBytes = <usize>rowFloats << 2;
  for (let i = 0; i < count; i++) {
    const row = <usize>load<i32>(at(indices, i));
    memory.copy(dst + <usize>i * rowBytes, src + row * rowBytes, rowBytes);
  }
}

/** How many of the n values are NaN or ±Infinity (x − x is NaN exactly for those). */
export function countNonFinite(x: usize, n: i32): i32 {
  let count = 0;
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const v = loadLanes(at(x, i), k);
    count += countLanes(f32x4.ne(f32x4.sub(v, v), splat(0)), k);
  }
  return count;
}

/** y[i] = e^x[i] (+Inf past ~88.72, 0 below the normal range); y may equal x. */
export function expArray(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), exp4(loadLanes(at(x, i), k)), k);
  }
}

/** y[i] = log x[i] (−Inf at 0, NaN below); y may equal x. */
export function logArray(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    storeLanes(at(y, i), log4(loadLanes(at(x, i), k)), k);
  }
}

/** Exchanges a[i] and b[i] (the weights and their moving average, without a third buffer). */
export function swapArrays(a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = n - i;
    const va = loadLanes(at(a, i), k);
    storeLanes(at(a, i), loadLanes(at(b, i), k), k);
    storeLanes(at(b, i), va, k);
  }
}

/**
 * Part `part` of `parts` of countNonFinite over a fixed split of [0, n): writes its count as an
 * i32 at counts + 4·part, so the caller sums the parts (an exact integer sum in any order).
 */
export function countNonFinitePart(x: usize, n: i32, counts: usize, part: i32, parts: i32): void {
  const lo = <i32>(<i64>n * part / parts), hi = <i32>(<i64>n * (part + 1) / parts);
  store<i32>(counts + (<usize>part << 2), countNonFinite(at(x, lo), hi - lo));
}
