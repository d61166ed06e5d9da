/**
 * Host copies of one output's batch for the loss and metric functions users write in JS: the
 * labels and predictions copied out of wasm memory into Float32Arrays made once, viewed as Tensors
 * of the batch's shape made once per batch size (a fit sees two: the batch size and the last,
 * smaller batch), and a gradient Tensor of the predictions' shape. After the first batches a step
 * allocates nothing; it copies the batch's labels and predictions out (and a gradient back in).
 */
import { Tensor, shapeSize } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';

/** One batch as the user's functions see it. The tensors are reused: valid until the next batch. */
export interface HostViews {
  yTrue: Tensor;
  yPred: Tensor;
  /** The gradient a custom loss writes (its caller zeroes it first). */
  grad: Tensor;
}

export class HostBatch {
  private labels = new Float32Array(0);
  private predictions = new Float32Array(0);
  private gradient = new Float32Array(0);
  private readonly bySize = new Map<number, HostViews>();
  private readonly labelSize: number;
  private readonly outputSize: number;

  constructor(private readonly outputShape: readonly number[], private readonly labelShape: readonly number[]) {
    this.outputSize = shapeSize(outputShape);
    this.labelSize = shapeSize(labelShape);
  }

  /** Copies `n` samples' labels and predictions out of wasm memory; returns the views of them. */
  load(n: number, predictions: number, labels: number): HostViews {
    const views = this.views(n);
    const f32 = getBackend().arena.f32;
    copyOut(f32, predictions >>> 2, views.yPred.data);
    copyOut(f32, labels >>> 2, views.yTrue.data);
    return views;
  }

  private views(n: number): HostViews {
    const known = this.bySize.get(n);
    if (known) return known;
    if (n * this.outputSize > this.predictions.length) {
      // A larger batch than any before: new buffers, and views of the old ones are dropped.
      this.predictions = new Float32Array(n * this.outputSize);
      this.gradient = new Float32Array(n * this.outputSize);
      this.labels = new Float32Array(n * this.labelSize);
      this.bySize.clear();
    }
    const views: HostViews = {
      yTrue: new Tensor(this.labels.subarray(0, n * this.labelSize), [n, ...this.labelShape]),
      yPred: new Tensor(this.predictions.subarray(0, n * this.outputSize), [n, ...this.outputShape]),
      grad: new Tensor(this.gradient.subarray(0, n * this.outputSize), [n, ...this.outputShape]),
    };
    this.bySize.set(n, views);
    return views;
  }
}

/** to[i] = from[at + i]: a loop, since subarray would make a view object per call. */
function copyOut(from: Float32Array, at: number, to: Float32Array): void {
  for (let i = 0; i < to.length; i++) to[i] = from[at + i];
}
