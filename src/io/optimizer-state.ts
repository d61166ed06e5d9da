/**
 * Training configuration and optimizer state as tfjs stores them: `trainingConfig` with the
 * loss, metrics and optimizer config, and the optimizer's weights in the manifest with
 * group 'optimizer': 'iter' (int32), then per trainable weight 'w/momentum' (tfjs Momentum)
 * or 'w/m' … 'w/v' (Adam). tfjs keeps momentum as an accumulation a with w -= lr·a, simdnn
 * (Keras) a velocity v = −lr·a; the conversion happens here.
 */
import { getBackend } from '../core/wasm.js';
import type { Layer, Param } from '../layers/layer.js';
import { getLoss } from '../losses.js';
import type { LayersModel } from '../models/model.js';
import * as optimizers from '../optimizers/index.js';
import type { Optimizer } from '../optimizers/index.js';
import type { Adam } from '../optimizers/adam.js';
import type { SGD } from '../optimizers/sgd.js';
import type { JSONObject, TrainingConfig } from './types.js';
import { describeValue, isObject } from './validate.js';
import type { NamedWeight } from './weights.js';

const KERAS_LOSS: Record<string, string> = {
  categoricalCrossentropy: 'categorical_crossentropy', sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  binaryCrossentropy: 'binary_crossentropy', meanSquaredError: 'mean_squared_error',
};

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
    if (s.momentum !== 0) className = 'Momentum'; // tfjs's name for SGD with momentum
  } else {
    throw new Error(`save: optimizer ${opt.className} cannot be saved with includeOptimizer; supported: SGD, Adam, AdamW`);
  }
  for (const key of BASE_OPTIONS) {
    const v = field(opt, key);
    if (typeof v === 'number' && !(className === 'AdamW' && key === 'weightDecay' && v === 0.004)) config[key] = v;
  }
  return { class_name: className, config };
}

/** Slot names in the order of `slotsOf`, as tfjs names them. */
function slotSuffixes(className: string, config: JSONObject): string[] {
  if (className === 'Momentum') return config.momentum === 0 ? [] : ['momentum'];
  if (className === 'Adam' || className === 'AdamW') return config.amsgrad === true ? ['m', 'v', 'vhat'] : ['m', 'v'];
  return [];
}

/** The compiled model's `trainingConfig`; throws when it is not compiled. */
export function trainingConfigOf(model: LayersModel): TrainingConfig {
  const compiled = model.requireCompiled('save({ includeOptimizer: true })');
  return {
    loss: KERAS_LOSS[compiled.loss.name] ?? compiled.loss.name,
    metrics: compiled.metrics.map((m) => m.name),
    optimizer_config: optimizerConfig(compiled.optimizer),
  };
}

/** The optimizer's state as named weights with group 'optimizer'. */
export function optimizerWeights(model: LayersModel): NamedWeight[] {
  const opt = model.requireCompiled('save({ includeOptimizer: true })').optimizer;
  const { arena } = getBackend();
  const params = trainableParams(model);
  const out: NamedWeight[] = [{ name: 'iter', shape: [], dtype: 'int32', values: new Float32Array([opt.iterations]), group: 'optimizer' }];
  const slot = (s: Slotted, i: number, suffix: string, scale: number): NamedWeight => {
    const ptr = opt.slotsOf(s.param)[i];
    const values = arena.f32.slice(ptr >> 2, (ptr >> 2) + s.param.size);
    if (scale !== 1) for (let j = 0; j < values.length; j++) values[j] *= scale;
    return { name: `${s.layer.name}/${s.param.name}/${suffix}`, shape: [...s.param.shape], dtype: 'float32', values, group: 'optimizer' };
  };
  const { class_name: cls, config } = optimizerConfig(opt);
  slotSuffixes(cls, config).forEach((suffix, i) => {
    out.push(...params.map((s) => slot(s, i, suffix, cls === 'Momentum' ? -1 / opt.learningRate : 1)));
  });
  return out;
}

/** A checked training configuration, ready to compile with. */
export interface ParsedTraining {
  loss: string;
  metrics: string[];
  optimizerClass: string;
  /** Slot names, in the order of `Optimizer.slotsOf`. */
  slots: string[];
  makeOptimizer(): Optimizer;
}

/** Checks `trainingConfig` without allocating; null when absent. Throws naming what is unsupported. */
export function parseTrainingConfig(tc: unknown): ParsedTraining | null {
  if (tc === undefined || tc === null) return null;
  const who = 'trainingConfig';
  if (!isObject(tc)) throw new Error(`${who}: expected an object { loss, metrics, optimizer_config }, got ${describeValue(tc)}`);
  if (typeof tc.loss !== 'string') throw new Error(`${who}: loss must be a loss name (one output), got ${describeValue(tc.loss)}`);
  const loss = tc.loss;
  getLoss(loss); // throws naming the unknown loss
  const rawMetrics = tc.metrics ?? [];
  const metrics = (Array.isArray(rawMetrics) ? rawMetrics : isObject(rawMetrics) ? Object.values(rawMetrics) : [rawMetrics]).flat(2);
  for (const m of metrics) {
    if (m !== 'accuracy' && m !== 'acc') throw new Error(`${who}: metric ${describeValue(m)} is not supported; supported: 'accuracy'`);
  }
  const oc = tc.optimizer_config;
  if (!isObject(oc) || typeof oc.class_name !== 'string' || !isObject(oc.config)) {
    throw new Error(`${who}: optimizer_config must be { class_name, config }, got ${describeValue(oc)}`);
  }
  const c = oc.config as JSONObject;
  const w = `${who}: optimizer ${oc.class_name}`;
  const known: Record<string, string[]> = {
    SGD: [], Momentum: ['momentum', 'useNesterov'], Adam: ['beta1', 'beta2', 'epsilon', 'amsgrad'], AdamW: ['beta1', 'beta2', 'epsilon', 'amsgrad'],
  };
  const factories: Record<string, string> = { SGD: 'sgd', Momentum: 'sgd', Adam: 'adam', AdamW: 'adamw' };
  const factory = Object.prototype.hasOwnProperty.call(factories, oc.class_name) ? factories[oc.class_name] : undefined;
  const make = factory ? (optimizers as unknown as Record<string, ((args: object) => Optimizer) | undefined>)[factory] : undefined;
  if (!make) throw new Error(`${who}: optimizer '${oc.class_name}' is not supported; supported: SGD, Momentum, Adam, AdamW`);
  const args: Record<string, unknown> = {};
  for (const key of Object.keys(c)) {
    if (key === 'learningRate' || BASE_OPTIONS.includes(key) || known[oc.class_name].includes(key)) args[key === 'useNesterov' ? 'nesterov' : key] = c[key];
    else throw new Error(`${w}: option '${key}' (${describeValue(c[key])}) is not supported`);
  }
  if (typeof args.learningRate !== 'number') throw new Error(`${w}: 'learningRate' must be a number, got ${describeValue(args.learningRate)}`);
  const makeOptimizer = (): Optimizer => make(args);
  makeOptimizer(); // checks the hyper-parameters now (optimizers allocate nothing until used)
  return { loss, metrics: metrics as string[], optimizerClass: oc.class_name, slots: slotSuffixes(oc.class_name, c), makeOptimizer };
}

/** Compiles `model` as configured and writes the saved optimizer state into its slots. */
export function restoreTraining(model: LayersModel, training: ParsedTraining, weights: readonly NamedWeight[]): void {
  const optimizer = training.makeOptimizer();
  model.compile({ optimizer, loss: training.loss, metrics: training.metrics });
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
  const suffixes = training.slots;
  const params = trainableParams(model);
  const values = params.map((s) => suffixes.map((suf) => take(`${s.layer.name}/${s.param.name}/${suf}`, s.param.shape)));
  const unused = weights.find((w) => !used.has(w.name));
  if (unused) throw new Error(`optimizer state: weight '${unused.name}' matches no trainable weight of the model (optimizer ${training.optimizerClass})`);
  optimizer.iterations = iter[0];
  const scale = training.optimizerClass === 'Momentum' ? -optimizer.learningRate : 1;
  params.forEach((s, i) => {
    const slots = optimizer.slotsOf(s.param);
    values[i].forEach((v, k) => {
      const { arena } = getBackend(); // read after each slotsOf: memory may have grown
      const at = slots[k] >> 2;
      for (let j = 0; j < v.length; j++) arena.f32[at + j] = v[j] * scale;
    });
  });
}
