/**
 * The compiled view of each model output (a "head"): its loss, metrics and loss weight, resolved
 * from compile's arguments as Keras does (one value for every output, a list in output order, or
 * an object keyed by output name), and the names its figures get in logs and History.
 */
import { describeValue, isObject, nearestKey } from '../core/checks.js';
import { shapeSize } from '../core/tensor.js';
import type { Loss } from '../losses/loss.js';
import { isLossSpec, resolveLoss } from '../losses/registry.js';
import type { Metric } from '../metrics/metric.js';
import { isMetricLike, resolveMetrics, type MetricLike } from '../metrics/registry.js';
import { isExtraOutput, type GraphNode } from './graph.js';
import { metricNames } from './verb-options.js';

/** One output of a compiled model. */
export interface Head {
  /** The output's name (its layer's name), the key of per-output arguments and logs. */
  readonly name: string;
  /** Index of the output's node in the graph. */
  readonly node: number;
  readonly loss: Loss;
  readonly metrics: Metric[];
  /** Factor of this output's loss in the total the optimizer minimises (Keras `loss_weights`). */
  readonly weight: number;
  /** The output layer's activation is folded into the loss (softmax/sigmoid + cross-entropy). */
  readonly activationInLoss: boolean;
  /** Per-sample output shape. */
  readonly shape: readonly number[];
  /** Values in its last dimension (classes). */
  readonly cols: number;
  /** Rows of `cols` values per sample. */
  readonly rowsPerSample: number;
  /** Per-sample label shape the loss expects. */
  readonly labelShape: readonly number[];
  /** Label floats per sample. */
  readonly labelFloats: number;
  /** Log key prefix: '' for a single output, `${name}_` for each of several (Keras: `cls_loss`). */
  readonly prefix: string;
  /** Bytes of wasm scratch its metrics write counts to (the largest any of them needs). */
  readonly scratchBytes: number;
}

/** One value per output from `value`: the same for all, a list in output order, or an object keyed by output name. */
export function perOutput<T>(value: unknown, names: readonly string[], arg: string, isItem: (v: unknown) => v is T,
  example: string): (T | undefined)[] {
  if (isItem(value)) return names.map(() => value);
  if (Array.isArray(value)) {
    if (value.length !== names.length) {
      throw new RangeError(`compile: ${arg} lists ${value.length} values but the model has ${names.length} outputs (${names.join(', ')})`);
    }
    return value.map((v, i) => {
      if (v === undefined || v === null || isItem(v)) return v ?? undefined;
      throw new TypeError(`compile: ${arg}[${i}] (output '${names[i]}') must be ${example}, got ${describeValue(v)}`);
    });
  }
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (!names.includes(key)) {
        const near = nearestKey(key, names);
        throw new Error(`compile: ${arg} names output '${key}', which the model does not have` +
          `${near ? `; did you mean '${near}'?` : ''} (outputs: ${names.join(', ')})`);
      }
    }
    return names.map((name) => {
      const v = value[name];
      if (v === undefined || isItem(v)) return v;
      throw new TypeError(`compile: ${arg}.${name} must be ${example}, got ${describeValue(v)}`);
    });
  }
  throw new TypeError(`compile: ${arg} must be ${example}, a list of them in output order, or an object keyed by output name ` +
    `(${names.join(', ')}), got ${describeValue(value)}`);
}

const isLossItem = (v: unknown): v is unknown => isLossSpec(v);
const isMetricList = (v: unknown): v is MetricLike | MetricLike[] => isMetricLike(v) || (Array.isArray(v) && v.every(isMetricLike));
const isWeight = (v: unknown): v is number => typeof v === 'number';

/** The heads of a graph's outputs for compile's `loss`, `metrics` and `lossWeights`. */
export function resolveHeads(nodes: readonly GraphNode[], outputs: readonly number[], consumed: readonly boolean[],
  args: { loss: unknown; metrics?: unknown; lossWeights?: unknown }): Head[] {
  const names = outputs.map((i) => nodes[i].name);
  const losses = perOutput(args.loss, names, 'loss', isLossItem,
    "a loss name such as 'categoricalCrossentropy', a loss object from nn.losses or a custom loss { name, loss, gradient }");
  // A flat list of metrics applies to every output (Keras); a list of lists or an object is per output.
  const flat = Array.isArray(args.metrics) && args.metrics.every(isMetricLike);
  const metrics = args.metrics === undefined || args.metrics === null ? names.map(() => [])
    : flat || (names.length === 1 && !isObject(args.metrics)) ? names.map(() => metricNames(args.metrics))
      : perOutput(args.metrics, names, 'metrics', isMetricList, "a metric or a list of metrics such as ['accuracy']");
  const weights = args.lossWeights === undefined ? names.map(() => 1)
    : perOutput(args.lossWeights, names, 'lossWeights', isWeight, 'a number');
  return outputs.map((node, h) => {
    const lossSpec = losses[h];
    if (lossSpec === undefined) throw new Error(`compile: no loss for output '${names[h]}'; every output needs one`);
    const shape = nodes[node].shape;
    const loss = resolveLoss(lossSpec, shape);
    const weight = weights[h] ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new RangeError(`compile: lossWeights for output '${names[h]}' must be a finite number ≥ 0, got ${weight}`);
    }
    const cols = shape[shape.length - 1];
    const rowsPerSample = shapeSize(shape) / cols;
    const labelShape = loss.labelWidth(cols) === 1 ? (shape.length > 1 ? shape.slice(0, -1) : [1]) : [...shape];
    const layer = nodes[node].layer;
    // Folded only where nothing else reads the output: a consumer needs the activated values.
    const activationInLoss = layer !== null && !isExtraOutput(nodes[node]) && !consumed[node] && loss.fusesWith !== null && layer.activationName === loss.fusesWith;
    const given = metrics[h] ?? [];
    const metricList = resolveMetrics(Array.isArray(given) ? given : [given], { loss, shape, cols, rowsPerSample, labelShape }, names[h]);
    return {
      name: names[h], node, loss, metrics: metricList,
      weight, activationInLoss, shape, cols, rowsPerSample, labelShape, labelFloats: shapeSize(labelShape),
      prefix: outputs.length === 1 ? '' : `${names[h]}_`,
      scratchBytes: Math.max(0, ...metricList.map((m) => m.scratchBytes)),
    };
  });
}

/** The hints of the heads' losses for a loss that is not finite (poisson's domain), as '; ...' or ''. */
export function nonFiniteHints(heads: readonly Head[]): string {
  const hints = heads.filter((h) => h.loss.nonFiniteHint).map((h) => (heads.length > 1 ? `output '${h.name}': ` : '') + h.loss.nonFiniteHint);
  return hints.length > 0 ? `; ${hints.join('; ')}` : '';
}
