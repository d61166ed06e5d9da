// Bidirectional's merge of its forward and backward layers' outputs, a and b [rows, steps, units]:
// b's steps are taken in reverse when `reverse` (the backward layer outputs its sequence last step
// first), so step t of the output joins a's step t with b's step steps − 1 − t.
import { at, loadLanes, splat, storeLanes } from './math';

/** Merge modes, as the layer's mergeMode: 'concat', 'sum', 'mul', 'ave'. */
const CONCAT = 0;
const SUM = 1;
const MUL = 2;
const AVE = 3;

/** Row (r, t) of b under output row (r, t). */
@inline function bRow(r: i32, t: i32, steps: i32, reverse: i32): i32 {
  return r * steps + (reverse ? steps - 1 - t : t);
}

/** out [rows, steps, units, or 2·units for concat] = merge(a, b). */
export function bidirectionalMerge(a: usize, b: usize, out: usize, rows: i32, steps: i32, units: i32, mode: i32, reverse: i32): void {
  const width = mode == CONCAT ? 2 * units : units;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < steps; t++) {
      const ar = at(a, (r * steps + t) * units), br = at(b, bRow(r, t, steps, reverse) * units), orow = at(out, (r * steps + t) * width);
      for (let j = 0; j < units; j += 4) {
        const k = units - j;
        const x = loadLanes(at(ar, j), k), y = loadLanes(at(br, j), k);
        if (mode == CONCAT) {
          storeLanes(at(orow, j), x, k);
          storeLanes(at(orow, units + j), y, k);
        } else {
          const v = mode == SUM ? f32x4.add(x, y) : mode == MUL ? f32x4.mul(x, y) : f32x4.mul(f32x4.add(x, y), splat(0.5));
          storeLanes(at(orow, j), v, k);
        }
      }
    }
  }
}

/** da and db (b's step order) from dOut, the gradient of bidirectionalMerge's output; mul reads a and b. */
export function bidirectionalMergeBackward(dOut: usize, a: usize, b: usize, da: usize, db: usize, rows: i32, steps: i32, units: i32,
  mode: i32, reverse: i32): void {
  const width = mode == CONCAT ? 2 * units : units;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < steps; t++) {
      const row = (r * steps + t) * units, brow = bRow(r, t, steps, reverse) * units, drow = at(dOut, (r * steps + t) * width);
      for (let j = 0; j < units; j += 4) {
        const k = units - j;
        const g = loadLanes(at(drow, j), k);
        if (mode == CONCAT) {
          storeLanes(at(da, row + j), g, k);
          storeLanes(at(db, brow + j), loadLanes(at(drow, units + j), k), k);
        } else if (mode == MUL) {
          storeLanes(at(da, row + j), f32x4.mul(g, loadLanes(at(b, brow + j), k)), k);
          storeLanes(at(db, brow + j), f32x4.mul(g, loadLanes(at(a, row + j), k)), k);
        } else {
          const v = mode == AVE ? f32x4.mul(g, splat(0.5)) : g;
          storeLanes(at(da, row + j), v, k);
          storeLanes(at(db, brow + j), v, k);
        }
      }
    }
  }
}
