// Embedding lookups over float32 indices: a check that finds the first value that is not an
// integer index into the table, a row gather, and the table's gradient as a scatter-add in input
// order (so repeated indices sum in the same order on every run and engine).
import { addRun, at, copyRun, zeroRun } from './nhwc';

/**
 * Position of the first of `count` float32 values at `indices` that is not an integer in
 * [0, rows) — NaN and ±Infinity included — or −1 when every value is one. Reads only.
 * rows ≤ 2^24, so f32(rows) is exact and so is every integer below it.
 */
export function embeddingFirstInvalid(indices: usize, count: i32, rows: i32): i32 {
  const body = count & ~3;
  const zero = f32x4.splat(0);
  const limit = f32x4.splat(<f32>rows);
  let i = 0;
  for (; i < body; i += 4) {
    const v = v128.load(at(indices, i));
    // NaN fails every comparison; floor(v) == v holds exactly for integers (and ±Infinity, which the range excludes).
    const ok = v128.and(v128.and(f32x4.ge(v, zero), f32x4.lt(v, limit)), f32x4.eq(f32x4.floor(v), v));
    if (!i32x4.all_true(ok)) break; // the scalar loop below finds which lane
  }
  for (; i < count; i++) {
    const v = load<f32>(at(indices, i));
    if (!(v >= 0 && v < <f32>rows && Mathf.floor(v) == v)) return i;
  }
  return -1;
}

/**
 * out [count, dim] = the rows table [rows, dim] at each of `count` indices (float32 integers,
 * checked by {@link embeddingFirstInvalid} first). out must not alias table.
 */
export function embeddingGather(indices: usize, table: usize, out: usize, count: i32, dim: i32): void {
  for (let i = 0; i < count; i++) {
    const row = <i32>load<f32>(at(indices, i));
    copyRun(at(out, i * dim), at(table, row * dim), dim);
  }
}

/**
 * gradTable [rows, dim] = Σ over i of gradOut row i added into row indices[i]: zeroed, then
 * added in order i = 0, 1, ... (a deterministic sum where indices repeat).
 */
export function embeddingScatterAdd(indices: usize, gradOut: usize, gradTable: usize, count: i32, dim: i32, rows: i32): void {
  zeroRun(gradTable, rows * dim);
  for (let i = 0; i < count; i++) {
    const row = <i32>load<f32>(at(indices, i));
    addRun(at(gradTable, row * dim), at(gradOut, i * dim), dim);
  }
}
