// The fused write-back of GEMM and direct convolution: bias and activation applied to a block
// of C while it is still in L1, instead of a second pass over the whole output.
import { ACT_LINEAR, activate4 } from './activation-lanes';
import { at, loadLanes, storeLanes } from './math';

/**
 * C[rows, cols] = act(C + bias) in place, rows ldcBytes apart; bias holds cols floats (0: none),
 * act is an ACT_ code, alpha its parameter (leakyRelu slope, elu scale).
 */
export function applyEpilogue(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, act: i32, alpha: f32): void {
  if (bias == 0 && act == ACT_LINEAR) return;
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ldcBytes;
    for (let j = 0; j < cols; j += 4) {
      const k = cols - j;
      let v = loadLanes(at(row, j), k);
      if (bias) v = f32x4.add(v, loadLanes(at(bias, j), k));
      storeLanes(at(row, j), activate4(v, act, alpha), k);
    }
  }
}
