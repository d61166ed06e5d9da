/**
 * The compiled view of each model output (a "head"): its loss, metrics and loss weight, resolved
 * from compile's arguments as Keras does (one value for every output, a list in output order, or
 * an object keyed by output name), and the names its figures get in logs and History.
 */
import { describeValue, isObject, nearestKey } from '../core/checks.js';
import { shapeSize } from '../core/tensor.js';
import { getLoss, type Loss } from '../losses.js';
import { getMetrics, type Metric } from '../metrics.js';
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

const isString = (v: unknown): v is string => typeof v === 'string';
const isMetricList = (v: unknown): v is string | string[] => typeof v === 'string' || (Array.isArray(v) && v.every(isString));
const isWeight = (v: unknown): v is number => typeof v === 'number';

/** The heads of a graph's outputs for compile's `loss`, `metrics` and `lossWeights`. */
export function resolveHeads(nodes: readonly GraphNode[], outputs: readonly number[], consumed: readonly boolean[],
  args: { loss: unknown; metrics?: unknown; lossWeights?: unknown }): Head[] {
  const names = outputs.map((i) => nodes[i].name);
  const losses = perOutput(args.loss, names, 'loss', isString, "a loss name such as 'categoricalCrossentropy'");
  // A flat list of names applies to every output (Keras); a list of lists or an object is per output.
  const flat = Array.isArray(args.metrics) && args.metrics.every(isString);
  const metrics = args.metrics === undefined || args.metrics === null ? names.map(() => [])
    : flat || (names.length === 1 && !isObject(args.metrics)) ? names.map(() => metricNames(args.metrics))
      : perOutput(args.metrics, names, 'metrics', isMetricList, "a metric name or a list of names such as ['accuracy']");
  const weights = args.lossWeights === undefined ? names.map(() => 1)
    : perOutput(args.lossWeights, names, 'lossWeights', isWeight, 'a number');
  return outputs.map((node, h) => {
    const lossName = losses[h];
    if (lossName === undefined) throw new Error(`compile: no loss for output '${names[h]}'; every output needs one`);
    const loss = getLoss(lossName);
    const weight = weights[h] ?? 1;
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new RangeError(`compile: lossWeights for output '${names[h]}' must be a finite number ≥ 0, got ${weight}`);
    }
    const shape = nodes[node].shape;
    const cols = shape[shape.length - 1];
    const rowsPerSample = shapeSize(shape) / cols;
    const labelShape = loss.labelWidth(cols) === 1 ? (shape.length > 1 ? shape.slice(0, -1) : [1]) : [...shape];
    const layer = nodes[node].layer;
    // Folded only where nothing else reads the output: a consumer needs the activated values.
    const activationInLoss = layer !== null && !isExtraOutput(nodes[node]) && !consumed[node] && loss.fusesWith !== null && layer.activationName === loss.fusesWith;
    const metricList = metrics[h] ?? [];
    return {
      name: names[h], node, loss, metrics: getMetrics(typeof metricList === 'string' ? [metricList] : metricList, loss, cols),
      weight, activationInLoss, shape, cols, rowsPerSample, labelShape, labelFloats: shapeSize(labelShape),
      prefix: outputs.length === 1 ? '' : `${names[h]}_`,
    };
  });
}
