/**
 * What fit, evaluate and predict take as x and y, for any number of inputs and outputs: one
 * array for a one-input (one-output) model, or a list in the model's order, or an object keyed by
 * input (output) name, as Keras. Each array is checked against its input or label shape.
 */
import { describeValue, isObject, nearestKey } from '../core/checks.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { checkFinite, checkSampleShape, toBatch } from '../data/inputs.js';
import type { Head } from './heads.js';
import type { LayersModel } from './model.js';

/** Model inputs: one array, a list in input order, or an object keyed by input name. */
export type ModelData = TensorLike | TensorLike[] | Record<string, TensorLike>;
/** Labels: one array, a list in output order, or an object keyed by output name. */
export type ModelLabels = ModelData;

/** Whether `value` is a list of per-input arrays rather than one array given as nested numbers. */
function isArrayList(value: unknown[]): boolean {
  return value.length > 0 && value.every((v) => v instanceof Tensor || v instanceof Float32Array);
}

/** `value` split into one array per name (inputs or outputs), or an error naming `who` and `arg`. */
export function splitByName(value: unknown, names: readonly string[], who: string, arg: string, what: string): TensorLike[] {
  if (Array.isArray(value) && (names.length > 1 || isArrayList(value))) {
    if (value.length !== names.length) {
      throw new RangeError(`${who}: ${arg} lists ${value.length} arrays but the model has ${names.length} ${what}s (${names.join(', ')})`);
    }
    return value as TensorLike[];
  }
  if (isObject(value) && !(value instanceof Tensor) && !ArrayBuffer.isView(value)) {
    for (const key of Object.keys(value)) {
      if (!names.includes(key)) {
        const near = nearestKey(key, names);
        throw new Error(`${who}: ${arg} has no ${what} named '${key}'${near ? `; did you mean '${near}'?` : ''} (${what}s: ${names.join(', ')})`);
      }
    }
    return names.map((name) => {
      if (value[name] === undefined) throw new Error(`${who}: ${arg} gives no array for ${what} '${name}'`);
      return value[name] as TensorLike;
    });
  }
  if (names.length > 1) {
    throw new TypeError(`${who}: the model has ${names.length} ${what}s (${names.join(', ')}); give ${arg} as a list of ` +
      `${names.length} arrays or an object keyed by ${what} name, got ${describeValue(value)}`);
  }
  return [value as TensorLike];
}

/** The argument name of array `i` of `names`: 'x' for one, 'x.image' for several. */
function argName(arg: string, names: readonly string[], i: number): string {
  return names.length === 1 ? arg : `${arg}.${names[i]}`;
}

/** x as one checked batch tensor per model input (of the input's shape, and finite unless `finite` is false). */
export function inputTensors(model: LayersModel, value: unknown, who: string, arg = 'x', finite = true): Tensor[] {
  const names = model.inputNames;
  const shapes = model.inputShapes;
  return splitByName(value, names, who, arg, 'input').map((v, i) => {
    const t = toBatch(v, shapes[i], who, argName(arg, names, i));
    checkSampleShape(t, shapes[i], who, argName(arg, names, i));
    if (finite) checkFinite(t, who, argName(arg, names, i));
    return t;
  });
}

/** y as one checked label tensor per output (finite, shaped as its loss expects, labels in range). */
export function labelTensors(heads: readonly Head[], value: unknown, who: string, arg = 'y'): Tensor[] {
  const names = heads.map((h) => h.name);
  return splitByName(value, names, who, arg, 'output').map((v, i) => {
    const head = heads[i];
    const t = toBatch(v, head.labelShape, who, argName(arg, names, i));
    checkFinite(t, who, argName(arg, names, i));
    head.loss.checkLabels(t, head.shape, names.length === 1 ? who : `${who} (output '${head.name}')`);
    return t;
  });
}

/** Throws unless every array holds the same number of samples. */
export function checkSampleCounts(xs: readonly Tensor[], ys: readonly Tensor[], who: string, xArg = 'x', yArg = 'y'): number {
  const count = xs[0].shape[0];
  const all = [...xs.map((t, i) => [t, xs.length === 1 ? xArg : `${xArg}[${i}]`] as const), ...ys.map((t, i) => [t, ys.length === 1 ? yArg : `${yArg}[${i}]`] as const)];
  for (const [t, name] of all) {
    if (t.shape[0] !== count) {
      throw new RangeError(`${who}: ${all[0][1]} has ${count} samples but ${name} has ${t.shape[0]}; they must match`);
    }
  }
  return count;
}
