/**
 * Training configuration and optimizer state as tfjs stores them: `trainingConfig` with the
 * loss, metrics and optimizer config, and the optimizer's weights in the manifest with group
 * 'optimizer': 'iter' (int32), then slot by slot, each for every trainable weight in order,
 * '<layer>/<weight>/<slot>'. tfjs reads them back by position, so the order is its order:
 *
 * - Momentum: 'momentum'. tfjs keeps an accumulation a with w −= lr·a, simdnn (Keras) a
 *   velocity v = −lr·a; the conversion happens here.
 * - Adam/AdamW: 'm', 'v' (and 'vhat' with amsgrad).
 * - RMSProp: 'rms', 'momentum', then 'mg' when centered. tfjs always keeps 'momentum' (the
 *   last increment when momentum is 0, multiplied by 0 before use); simdnn keeps no such slot
 *   then, so it writes zeros and drops what it reads.
 * - Adagrad: 'accumulator'. Adadelta: 'accum_grad' (E[g²]), 'accum_var' (E[Δ²]).
 * - Adamax: 'm', 'v' (the names tfjs gives its slots; tfjs itself can neither save nor restore
 *   Adamax state).
 * - simdnn only (tfjs has no such optimizer): Nadam 'nadam_m', 'nadam_v' (its momentum-schedule
 *   product follows from 'iter'); Rprop 'rprop_prev_grad', 'rprop_step'.
 * - With useEma (Keras 3; tfjs has none), after the optimizer's own slots: 'average', the moving
 *   average of each weight, and in the config useEma, emaMomentum, emaOverwriteFrequency.
 */
import { nearestKey } from '../core/checks.js';
import { getBackend } from '../core/wasm.js';
import type { Layer, Param } from '../layers/layer.js';
import type { Loss } from '../losses/loss.js';
import { lossFromConfig } from '../losses/registry.js';
import { metricFromConfig, type MetricLike } from '../metrics/registry.js';
import type { LayersModel } from '../models/model.js';
import * as optimizers from '../optimizers/index.js';
import type { Optimizer } from '../optimizers/index.js';
import type { Adam } from '../optimizers/adam.js';
import type { SGD } from '../optimizers/sgd.js';
import type { RMSprop } from '../optimizers/rmsprop.js';
import type { JSONObject, JSONValue, TrainingConfig } from './types.js';
import type { Head } from '../models/heads.js';
import { checkOptimizerSlot } from './weight-values.js';
import { describeValue, isObject } from './validate.js';
import type { NamedWeight } from './weights.js';

interface Slotted { layer: Layer; param: Param }

function trainableParams(model: LayersModel): Slotted[] {
  model.graph();
  return model.layers.flatMap((layer) => layer.params.filter((p) => p.trainable).map((param) => ({ layer, param })));
}

/** The optimizer's fields, read by name (the optimizers' options grow; absent ones are undefined). */
function field(opt: Optimizer, key: string): unknown {
  return (opt as unknown as Record<string, unknown>)[key];
}

/** Options every optimizer shares, written (camelCase, as tfjs configs) only when set. */
const BASE_OPTIONS = ['clipNorm', 'clipValue', 'globalClipNorm', 'weightDecay'];
/** Keras 3's moving-average options, written only with useEma. */
const EMA_OPTIONS = ['useEma', 'emaMomentum', 'emaOverwriteFrequency'];

/** simdnn optimizer classes whose state can be saved. */
const SAVABLE = ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'Nadam', 'Rprop'];

function optimizerConfig(opt: Optimizer): { class_name: string; config: JSONObject } {
  if (field(opt, 'learningRateSchedule')) {
    throw new Error(`save: the optimizer's learning rate follows a schedule, which cannot be saved; save without includeOptimizer or use a number`);
  }
  const config: JSONObject = { learningRate: opt.learningRate };
  let className = opt.className;
  if (className === 'Adam' || className === 'AdamW') {
    const a = opt as Adam;
    Object.assign(config, { beta1: a.beta1, beta2: a.beta2, epsilon: a.epsilon });
    if (field(opt, 'amsgrad') === true) config.amsgrad = true;
  } else if (className === 'SGD') {
    const s = opt as SGD;
    if (s.momentum !== 0) Object.assign(config, { momentum: s.momentum, useNesterov: s.nesterov });
    if (s.dampening !== 0) config.dampening = s.dampening; // simdnn's; tfjs reads no such key
    if (s.momentum !== 0) className = 'Momentum'; // tfjs's name for SGD with momentum
  } else if (className === 'RMSprop') {
    const r = opt as RMSprop;
    className = 'RMSProp'; // tfjs's spelling; its config calls rho 'decay'
    Object.assign(config, { decay: r.rho, momentum: r.momentum, epsilon: r.epsilon, centered: r.centered });
  } else if (className === 'Adagrad') {
    // tfjs writes no epsilon (it adds its backend's, 1e-7 in float32) and ignores this one.
    Object.assign(config, { initialAccumulatorValue: field(opt, 'initialAccumulatorValue') as number, epsilon: field(opt, 'epsilon') as number });
  } else if (className === 'Adadelta') {
    Object.assign(config, { rho: field(opt, 'rho') as number, epsilon: field(opt, 'epsilon') as number });
  } else if (className === 'Adamax' || className === 'Nadam') {
    Object.assign(config, { beta1: field(opt, 'beta1') as number, beta2: field(opt, 'beta2') as number, epsilon: field(opt, 'epsilon') as number });
  } else if (className === 'Rprop') {
    Object.assign(config, { etas: [...(field(opt, 'etas') as number[])], stepSizes: [...(field(opt, 'stepSizes') as number[])] });
  } else {
    throw new Error(`save: optimizer ${opt.className} cannot be saved with includeOptimizer; supported: ${SAVABLE.join(', ')}`);
  }
  for (const key of BASE_OPTIONS) {
    const v = field(opt, key);
    if (typeof v === 'number' && !(className === 'AdamW' && key === 'weightDecay' && v === 0.004)) config[key] = v;
  }
  if (opt.useEma) {
    Object.assign(config, { useEma: true, emaMomentum: opt.emaMomentum });
    if (opt.emaOverwriteFrequency !== null) config.emaOverwriteFrequency = opt.emaOverwriteFrequency;
  }
  return { class_name: className, config };
}

/**
 * One saved slot: its name suffix, and its index in `slotsOf`, null for a slot tfjs keeps and
 * simdnn does not, or 'average' for the moving average of the weights.
 */
interface SavedSlot { suffix: string; slot: number | null | 'average' }

/** Byte offset of a saved slot's values for `param` (reserved on first use). */
function slotPtr(opt: Optimizer, param: Param, slot: number | 'average'): number {
  return slot === 'average' ? opt.ema!.of(param) : opt.slotsOf(param)[slot];
}

/** The saved slots of an optimizer, in tfjs's order (see the module doc), then the average with useEma. */
function slotLayout(opt: Optimizer): SavedSlot[] {
  const own = ownSlotLayout(opt);
  return opt.useEma ? [...own, { suffix: 'average', slot: 'average' }] : own;
}

function ownSlotLayout(opt: Optimizer): SavedSlot[] {
  const slots = (...suffixes: string[]): SavedSlot[] => suffixes.map((suffix, slot) => ({ suffix, slot }));
  switch (opt.className) {
    case 'SGD': return (opt as SGD).momentum === 0 ? [] : slots('momentum');
    case 'Adam': case 'AdamW': return (opt as Adam).amsgrad ? slots('m', 'v', 'vhat') : slots('m', 'v');
    case 'RMSprop': {
      const { momentum, centered } = opt as RMSprop;
      const mom = momentum > 0;
      return [{ suffix: 'rms', slot: 0 }, { suffix: 'momentum', slot: mom ? 1 : null }, ...(centered ? [{ suffix: 'mg', slot: mom ? 2 : 1 }] : [])];
    }
    case 'Adagrad': return slots('accumulator');
    case 'Adadelta': return slots('accum_grad', 'accum_var');
    case 'Adamax': return slots('m', 'v');
    case 'Nadam': return slots('nadam_m', 'nadam_v');
    case 'Rprop': return slots('rprop_prev_grad', 'rprop_step');
    default: throw new Error(`optimizer ${opt.className}: its state cannot be saved; supported: ${SAVABLE.join(', ')}`);
  }
}

/**
 * The compiled model's `trainingConfig`; throws when it is not compiled, or holds a custom loss or
 * metric. Losses and metrics are saved as TF.js writes them (snake_case names, which TF.js reads
 * back), and as Keras writes objects with options (`{ class_name, config }`), which TF.js cannot read.
 */
export function trainingConfigOf(model: LayersModel): TrainingConfig {
  const { heads, optimizer } = model.requireCompiled('save({ includeOptimizer: true })');
  const lossOf = (h: Head): JSONValue => h.loss.toConfig() as JSONValue;
  const metricsOf = (h: Head): JSONValue[] => h.metrics.map((m) => m.toConfig() as JSONValue);
  // One output: plain values, as tfjs writes them; several: objects keyed by output name, as Keras.
  if (heads.length === 1) return { loss: lossOf(heads[0]), metrics: metricsOf(heads[0]), optimizer_config: optimizerConfig(optimizer) };
  return {
    loss: Object.fromEntries(heads.map((h) => [h.name, lossOf(h)])),
    metrics: Object.fromEntries(heads.map((h) => [h.name, metricsOf(h)])),
    loss_weights: Object.fromEntries(heads.map((h) => [h.name, h.weight])),
    optimizer_config: optimizerConfig(optimizer),
  };
}

/** The optimizer's state as named weights with group 'optimizer'. */
export function optimizerWeights(model: LayersModel): NamedWeight[] {
  const opt = model.requireCompiled('save({ includeOptimizer: true })').optimizer;
  const params = trainableParams(model);
  const out: NamedWeight[] = [{ name: 'iter', shape: [], dtype: 'int32', values: new Float32Array([opt.iterations]), group: 'optimizer' }];
  const scale = optimizerConfig(opt).class_name === 'Momentum' ? -1 / opt.learningRate : 1;
  for (const { suffix, slot } of slotLayout(opt)) {
    for (const s of params) {
      let values: Float32Array;
      if (slot === null) values = new Float32Array(s.param.size);
      else {
        const ptr = slotPtr(opt, s.param, slot);
        values = getBackend().arena.f32.slice(ptr >>> 2, (ptr >>> 2) + s.param.size); // read after slotsOf: memory may have grown
        if (scale !== 1 && slot !== 'average') for (let j = 0; j < values.length; j++) values[j] *= scale;
      }
      out.push({ name: `${s.layer.name}/${s.param.name}/${suffix}`, shape: [...s.param.shape], dtype: 'float32', values, group: 'optimizer' });
    }
  }
  return out;
}

/** A checked training configuration, ready to compile with. */
export interface ParsedTraining {
  /** One loss, one per output in order, or one per output name. */
  loss: Loss | Loss[] | Record<string, Loss>;
  /** Metrics for every output, or per output name. */
  metrics: MetricLike[] | Record<string, MetricLike[]>;
  /** Per output name, when the file gives them. */
  lossWeights?: Record<string, number> | number[];
  optimizerClass: string;
  /** Saved slot names, in the order tfjs writes them. */
  slots: string[];
  makeOptimizer(): Optimizer;
}

/** An optimizer class as tfjs (or simdnn) names it in `optimizer_config`: its factory and the config keys it reads. */
interface OptimizerSpec {
  factory: string;
  /** Keys besides learningRate and the shared ones (clipNorm, ...). */
  keys: string[];
  /** Config key → factory argument, where they differ. */
  rename: Record<string, string>;
  /** Keys accepted only at this value (or null), and then ignored. */
  ignoreAt: Record<string, JSONValue>;
}

const optimizerSpec = (factory: string, keys: string[], rename: Record<string, string> = {}, ignoreAt: Record<string, JSONValue> = {}): OptimizerSpec => ({ factory, keys, rename, ignoreAt });
const ADAM_KEYS = ['beta1', 'beta2', 'epsilon'];
const RMSPROP = optimizerSpec('rmsprop', ['decay', 'rho', 'momentum', 'epsilon', 'centered'], { decay: 'rho' });

const OPTIMIZERS: Record<string, OptimizerSpec> = {
  SGD: optimizerSpec('sgd', []),
  Momentum: optimizerSpec('sgd', ['momentum', 'useNesterov', 'dampening'], { useNesterov: 'nesterov' }),
  Adam: optimizerSpec('adam', [...ADAM_KEYS, 'amsgrad']),
  AdamW: optimizerSpec('adamw', [...ADAM_KEYS, 'amsgrad']),
  RMSProp: RMSPROP, // tfjs
  RMSprop: RMSPROP, // Keras
  Adagrad: optimizerSpec('adagrad', ['initialAccumulatorValue', 'epsilon']),
  Adadelta: optimizerSpec('adadelta', ['rho', 'epsilon']),
  Adamax: optimizerSpec('adamax', ADAM_KEYS, {}, { decay: 0 }), // tfjs's learning-rate decay; simdnn has schedules instead
  Nadam: optimizerSpec('nadam', ADAM_KEYS),
  Rprop: optimizerSpec('rprop', ['etas', 'stepSizes']),
};

/** Checks `trainingConfig` without allocating; null when absent. Throws naming what is unsupported. */
export function parseTrainingConfig(tc: unknown): ParsedTraining | null {
  if (tc === undefined || tc === null) return null;
  const who = 'trainingConfig';
  if (!isObject(tc)) throw new Error(`${who}: expected an object { loss, metrics, optimizer_config }, got ${describeValue(tc)}`);
  // A loss is a name or Keras's { class_name, config }; several are a list in output order or an object by output name.
  const isSingle = (v: unknown): boolean => typeof v === 'string' || (isObject(v) && typeof v.class_name === 'string');
  const raw = tc.loss;
  const loss: ParsedTraining['loss'] = isSingle(raw) ? lossFromConfig(raw, who)
    : Array.isArray(raw) ? raw.map((l) => lossFromConfig(l, who))
      : isObject(raw) ? Object.fromEntries(Object.entries(raw).map(([k, l]) => [k, lossFromConfig(l, who)]))
        : lossFromConfig(raw, who); // throws describing what it got
  const rawMetrics = tc.metrics ?? [];
  const metricItems = (v: unknown): MetricLike[] => (Array.isArray(v) ? v.flat(2) : [v]).map((m) => metricFromConfig(m, who));
  // tfjs writes {} for no metrics; Keras a list for all outputs or an object per output.
  const metrics = isObject(rawMetrics) && Object.keys(rawMetrics).length > 0 && !isSingle(rawMetrics)
    ? Object.fromEntries(Object.entries(rawMetrics).map(([k, v]) => [k, metricItems(v)]))
    : isObject(rawMetrics) && !isSingle(rawMetrics) ? [] : metricItems(rawMetrics);
  const lossWeights = tc.loss_weights ?? undefined;
  if (lossWeights !== undefined && !(isObject(lossWeights) && Object.values(lossWeights).every((v) => typeof v === 'number')) &&
    !(Array.isArray(lossWeights) && lossWeights.every((v) => typeof v === 'number'))) {
    throw new Error(`${who}: loss_weights must be numbers keyed by output name or in output order, got ${describeValue(lossWeights)}`);
  }
  const oc = tc.optimizer_config;
  if (!isObject(oc) || typeof oc.class_name !== 'string' || !isObject(oc.config)) {
    throw new Error(`${who}: optimizer_config must be { class_name, config }, got ${describeValue(oc)}`);
  }
  const c = oc.config as JSONObject;
  const w = `${who}: optimizer ${oc.class_name}`;
  const spec = Object.prototype.hasOwnProperty.call(OPTIMIZERS, oc.class_name) ? OPTIMIZERS[oc.class_name] : undefined;
  const make = spec ? (optimizers as unknown as Record<string, ((args: object) => Optimizer) | undefined>)[spec.factory] : undefined;
  if (!spec || !make) throw new Error(`${who}: optimizer '${oc.class_name}' is not supported; supported: ${Object.keys(OPTIMIZERS).join(', ')}`);
  const args: Record<string, unknown> = {};
  for (const key of Object.keys(c)) {
    if (Object.prototype.hasOwnProperty.call(spec.ignoreAt, key)) {
      if (c[key] === null || c[key] === spec.ignoreAt[key]) continue;
      throw new Error(`${w}: option '${key}' = ${describeValue(c[key])} is not supported (supported: ${describeValue(spec.ignoreAt[key])})`);
    }
    const valid = ['learningRate', ...BASE_OPTIONS, ...EMA_OPTIONS, ...spec.keys];
    if (!valid.includes(key)) {
      const near = nearestKey(key, valid);
      throw new Error(`${w}: option '${key}' (${describeValue(c[key])}) is not supported${near ? `; did you mean '${near}'?` : ''}`);
    }
    if (c[key] === null && key !== 'learningRate') continue; // tfjs writes null for "the default"
    args[spec.rename[key] ?? key] = c[key];
  }
  if (typeof args.learningRate !== 'number') throw new Error(`${w}: 'learningRate' must be a number, got ${describeValue(args.learningRate)}`);
  const makeOptimizer = (): Optimizer => make(args);
  let check: Optimizer;
  try {
    check = makeOptimizer(); // checks the hyper-parameters now (optimizers allocate nothing until used)
  } catch (e) {
    throw new Error(`${w}: ${(e as Error).message}`);
  }
  return { loss, metrics, lossWeights: lossWeights as ParsedTraining['lossWeights'], optimizerClass: oc.class_name, slots: slotLayout(check).map((s) => s.suffix), makeOptimizer };
}

/** Compiles `model` as configured and writes the saved optimizer state into its slots. */
export function restoreTraining(model: LayersModel, training: ParsedTraining, weights: readonly NamedWeight[]): void {
  const optimizer = training.makeOptimizer();
  model.compile({ optimizer, loss: training.loss, metrics: training.metrics, ...(training.lossWeights ? { lossWeights: training.lossWeights } : {}) });
  if (weights.length === 0) return;
  const byName = new Map(weights.map((w) => [w.name, w]));
  const used = new Set<string>();
  const take = (name: string, shape: readonly number[]): Float32Array => {
    const w = byName.get(name);
    if (!w) throw new Error(`optimizer state: weight '${name}' is missing from the manifest (${training.optimizerClass} needs it)`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`optimizer state: weight '${name}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    used.add(name);
    return w.values;
  };
  const iter = take('iter', []);
  if (!Number.isSafeInteger(iter[0]) || iter[0] < 0) throw new Error(`optimizer state: 'iter' must be a non-negative integer, got ${iter[0]}`);
  const layout = slotLayout(optimizer);
  const params = trainableParams(model);
  const values = layout.map(({ suffix }) => params.map((s) => {
    const name = `${s.layer.name}/${s.param.name}/${suffix}`;
    const v = take(name, s.param.shape);
    checkOptimizerSlot(name, suffix, v);
    return v;
  }));
  const unused = weights.find((w) => !used.has(w.name));
  if (unused) throw new Error(`optimizer state: weight '${unused.name}' matches no trainable weight of the model (optimizer ${training.optimizerClass})`);
  optimizer.iterations = iter[0];
  const scale = training.optimizerClass === 'Momentum' ? -optimizer.learningRate : 1;
  layout.forEach(({ slot }, k) => {
    if (slot === null) return; // a slot only tfjs keeps (RMSProp's momentum at momentum 0): dropped
    params.forEach((s, i) => {
      const ptr = slotPtr(optimizer, s.param, slot);
      const f32 = getBackend().arena.f32; // read after each slotsOf: memory may have grown
      const v = values[k][i];
      const at = ptr >>> 2;
      const factor = slot === 'average' ? 1 : scale;
      for (let j = 0; j < v.length; j++) f32[at + j] = v[j] * factor;
    });
  });
}
