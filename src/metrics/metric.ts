/**
 * What a metric is to the evaluation loop: a state accumulated batch by batch over a pass (an
 * epoch, or evaluate's whole data set) and a result formed from it at the end, so a streamed metric
 * (precision, recall, AUC) is exact over the pass, as Keras computes it, not a mean of per-batch values.
 */
import type { MetricArgs } from '../core/kernels/metrics.js';
import type { Kernels } from '../core/wasm.js';
import type { Loss } from '../losses/loss.js';

/** One output's compiled metric. */
export interface Metric {
  /** Key in logs and History ('accuracy', 'val_auc', ...). */
  readonly name: string;
  /** Float64 values of state kept over a pass, zero at its start. */
  readonly stateSize: number;
  /** Bytes of wasm scratch an update writes its counts to (at `batch.out`); 0 for none. */
  readonly scratchBytes: number;
  /** Adds one batch: its visible predictions and labels, `rows × cols` values. */
  update(k: Kernels, state: Float64Array, batch: MetricArgs): void;
  /** The metric over everything added. */
  result(state: Float64Array): number;
  /** How trainingConfig saves it: a name (TF.js writes snake_case) or Keras's `{ class_name, config }`. */
  toConfig(): string | { class_name: string; config: Record<string, unknown> };
}

/** What a metric needs to know about the output it measures. */
export interface MetricOutput {
  /** The compiled loss, which fixes how labels are laid out (class indices or the output's shape). */
  loss: Loss;
  /** Per-sample output shape; its last dimension is `cols`. */
  shape: readonly number[];
  cols: number;
  rowsPerSample: number;
  /** Per-sample label shape. */
  labelShape: readonly number[];
}

/** A metric with options from `nn.metrics.*`, made into a {@link Metric} for each output it is compiled for. */
export interface MetricObject {
  /** Key in logs and History (Keras's default name for the class, or the `name` option). */
  readonly name: string;
  /** Keras class name ('AUC'). */
  readonly className: string;
  /** The Keras config trainingConfig saves (snake_case keys). */
  getConfig(): Record<string, unknown>;
  /** The metric for one output; throws when the output's labels do not suit it. */
  forOutput(output: MetricOutput): Metric;
}

/** A metric that is the mean of a per-term count or value: state [Σ counted, Σ terms]. */
export function meanMetric(name: string, count: (k: Kernels, b: MetricArgs) => number, terms: (rows: number, cols: number) => number,
  toConfig: Metric['toConfig']): Metric {
  return {
    name, stateSize: 2, scratchBytes: 0, toConfig,
    update(k, state, b) {
      state[0] += count(k, b);
      state[1] += terms(b.rows, b.cols);
    },
    result: (state) => state[0] / state[1],
  };
}

/** True when the compiled loss takes one class index per row rather than labels shaped as the output. */
export const sparseLabels = (loss: Loss): boolean => loss.labelWidth(2) === 1;

/** Throws unless the output's labels are laid out as the metric needs; `hint` ends the message when given. */
export function checkLabelLayout(metric: string, output: MetricOutput, wantSparse: boolean, hint = ''): void {
  if (sparseLabels(output.loss) === wantSparse) return;
  const want = wantSparse ? 'one class index per sample' : 'one value per output';
  throw new Error(`compile: metric '${metric}' needs ${want}, but the labels of loss '${output.loss.name}' are not shaped that way${hint}`);
}
