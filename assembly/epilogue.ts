// The fused write-back of GEMM and direct convolution: bias and activation applied to a block
// of C while it is still in L1, instead of a second pass over the whole output.
import {
  ACT_ELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_RELU6, ACT_LINEAR, ACT_RELU, ACT_SELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH, activate4,
} from './activation-lanes';
import { at, loadLanes, storeLanes } from './math';

/**
 * C[rows, cols] = act(C + bias) in place, rows ldcBytes apart; bias holds cols floats (0: none),
 * act is an ACT_ code, alpha its parameter (leakyRelu slope, elu scale, hardSigmoid slope).
 */
export function applyEpilogue(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, act: i32, alpha: f32): void {
  // One small function per activation, its formula inlined: a switch per vector, or all eight
  // loops in one function (V8 then spills their vectors), cost more than the formula.
  switch (act) {
    case ACT_LINEAR: if (bias) biasOnly(rows, cols, c, ldcBytes, bias); return;
    case ACT_RELU: relu(rows, cols, c, ldcBytes, bias); return;
    case ACT_LEAKY_RELU: leakyRelu(rows, cols, c, ldcBytes, bias, alpha); return;
    case ACT_ELU: elu(rows, cols, c, ldcBytes, bias, alpha); return;
    case ACT_SELU: selu(rows, cols, c, ldcBytes, bias); return;
    case ACT_SIGMOID: sigmoid(rows, cols, c, ldcBytes, bias); return;
    case ACT_TANH: tanh(rows, cols, c, ldcBytes, bias); return;
    case ACT_SOFTPLUS: softplus(rows, cols, c, ldcBytes, bias); return;
    case ACT_RELU6: relu6(rows, cols, c, ldcBytes, bias); return;
    case ACT_HARD_SIGMOID: hardSigmoid(rows, cols, c, ldcBytes, bias, alpha); return;
  }
}

@noinline function biasOnly(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_LINEAR, 0);
}
@noinline function relu(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_RELU, 0);
}
@noinline function leakyRelu(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, alpha: f32): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_LEAKY_RELU, alpha);
}
@noinline function elu(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, alpha: f32): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_ELU, alpha);
}
@noinline function selu(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_SELU, 0);
}
@noinline function sigmoid(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_SIGMOID, 0);
}
@noinline function tanh(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_TANH, 0);
}
@noinline function softplus(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_SOFTPLUS, 0);
}
@noinline function relu6(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_RELU6, 0);
}
@noinline function hardSigmoid(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, slope: f32): void {
  epilogueWith(rows, cols, c, ldcBytes, bias, ACT_HARD_SIGMOID, slope);
}

/** The loop for one activation: `act` is a constant at each call site, so its switch folds away. */
@inline function epilogueWith(rows: i32, cols: i32, c: usize, ldcBytes: usize, bias: usize, act: i32, alpha: f32): void {
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * ldcBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      let v = v128.load(at(row, j));
      if (bias) v = f32x4.add(v, v128.load(at(bias, j)));
      v128.store(at(row, j), activate4(v, act, alpha));
    }
    if (j < cols) {
      const k = cols - j;
      let v = loadLanes(at(row, j), k);
      if (bias) v = f32x4.add(v, loadLanes(at(bias, j), k));
      storeLanes(at(row, j), activate4(v, act, alpha), k);
    }
  }
}
