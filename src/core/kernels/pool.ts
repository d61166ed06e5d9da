/** Pooling kernels with named operands over a resolved window (NHWC). */
import type { Window2D } from '../geometry.js';
import { getBackend } from '../wasm.js';

/**
 * Operands of a pooling layer's kernel calls. A layer keeps one (from {@link poolArgs}) and
 * refills the pointers per call. Pointers are byte offsets into wasm memory.
 */
export interface PoolArgs {
  window: Window2D;
  /** Samples in the batch. */
  batch: number;
  input: number;
  output: number;
  /** Max pooling: per output value, the flat input index it came from (i32). */
  argmax: number;
  gradOutput: number;
  gradInput: number;
  /** Add into gradInput instead of overwriting it. */
  accumulate: boolean;
}

/** A pooling argument struct for `window`, pointers 0. */
export function poolArgs(window: Window2D): PoolArgs {
  return { window, batch: 0, input: 0, output: 0, argmax: 0, gradOutput: 0, gradInput: 0, accumulate: false };
}

/** output = the max of each window of input; argmax records where it was. */
export function maxPoolForward(p: Pick<PoolArgs, 'window' | 'batch' | 'input' | 'output' | 'argmax'>): void {
  const w = p.window;
  getBackend().kernels.maxPoolForward(p.input, p.output, p.argmax, p.batch, w.inH, w.inW, w.channels,
    w.kh, w.kw, w.strideH, w.strideW, w.padTop, w.padLeft, w.outH, w.outW);
}

/** gradInput (+)= gradOutput routed to each window's maximum. */
export function maxPoolBackward(p: Pick<PoolArgs, 'window' | 'batch' | 'gradOutput' | 'argmax' | 'gradInput' | 'accumulate'>): void {
  const w = p.window;
  getBackend().kernels.maxPoolBackward(p.gradOutput, p.argmax, p.gradInput,
    p.batch * w.outH * w.outW * w.channels, p.batch * w.inH * w.inW * w.channels, +p.accumulate);
}

/** output = the mean of each window's in-bounds cells. */
export function avgPoolForward(p: Pick<PoolArgs, 'window' | 'batch' | 'input' | 'output'>): void {
  const w = p.window;
  getBackend().kernels.avgPoolForward(p.input, p.output, p.batch, w.inH, w.inW, w.channels,
    w.kh, w.kw, w.strideH, w.strideW, w.padTop, w.padLeft, w.outH, w.outW);
}

/** gradInput (+)= gradOutput spread evenly over each window's in-bounds cells. */
export function avgPoolBackward(p: Pick<PoolArgs, 'window' | 'batch' | 'gradOutput' | 'gradInput' | 'accumulate'>): void {
  const w = p.window;
  getBackend().kernels.avgPoolBackward(p.gradOutput, p.gradInput, p.batch, w.inH, w.inW, w.channels,
    w.kh, w.kw, w.strideH, w.strideW, w.padTop, w.padLeft, w.outH, w.outW, +p.accumulate);
}
