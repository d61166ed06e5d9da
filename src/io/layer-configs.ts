/**
 * Keras layer configs (as Keras 2, Keras 3 and tfjs-layers write them) → simdnn layers, through
 * the class registry: io reads the keys every layer has (name, trainable, dtype, input shape)
 * and the registered class's `fromConfig` reads its own; any key left unread is refused by
 * name. Layers are created here (a constructor allocates nothing) and built later, once the
 * weights they will own have been checked against the manifest.
 */
import type { Layer, LayerArgs } from '../layers/layer.js';
import { getRegisteredClass, registeredClassNames } from '../layers/serialization.js';
import { ConfigReader, describeValue, isObject } from './validate.js';

/** A layer read from the topology, created but not built. */
export interface ParsedLayer {
  className: string;
  name: string;
  /** For an InputLayer, or a layer carrying `batch_input_shape`: the per-sample shape. */
  inputShape: number[] | null;
  /** The weights (name → shape) the layer will own for these per-sample input shapes; throws on inputs it cannot take. */
  weightShapes(inputs: number[][]): [string, number[]][];
  /** The layer (created with the Sequential's input shape when it is its first layer). */
  create(): Layer;
}

/**
 * The per-sample shape from batch_input_shape (tfjs, Keras 2) or batch_shape (Keras 3). Unknown
 * (null) sizes are refused where the shape is used (`used`: an InputLayer, a Sequential's first
 * entry) and ignored elsewhere: Keras 2 and tfjs write [null, null] on every Embedding given no
 * input length, also deep inside a model, where the layer's input decides its shape.
 */
function sampleShape(r: ConfigReader, used: boolean): number[] | null {
  const key = r.has('batch_input_shape') ? 'batch_input_shape' : r.has('batch_shape') ? 'batch_shape' : null;
  r.ignore('batch_input_shape', 'batch_shape', 'batch_size', 'input_shape');
  if (key === null) return null;
  const v = r.raw(key);
  const size = (d: unknown): boolean => Number.isSafeInteger(d) && (d as number) >= 1;
  const unknownOnly = Array.isArray(v) && v.length >= 2 && v.slice(1).every((d) => d === null || size(d));
  if (!used && unknownOnly) return v.slice(1).every(size) ? v.slice(1) as number[] : null;
  if (!Array.isArray(v) || v.length < 2 || v.slice(1).some((d) => !size(d))) {
    throw new Error(`${r.who}: ${key} must be [batch, ...positive sizes] (variable sizes other than the batch are not supported), got ${describeValue(v)}`);
  }
  return v.slice(1) as number[];
}

function dtype(r: ConfigReader): void {
  const v = r.raw('dtype');
  const name = isObject(v) && isObject(v.config) ? v.config.name : v;
  if (name !== undefined && name !== null && name !== 'float32') throw new Error(`${r.who}: dtype ${describeValue(v)} is not supported; simdnn computes in float32`);
}

/**
 * Reads one entry of the topology's layer list ({ class_name, config, ... }) and creates its
 * layer; `inputShape` is given to a Sequential's first layer. Throws naming what is unsupported.
 */
function parseLayer(entry: unknown, index: number, firstOfSequential: number[] | null, shapeUsed: boolean): ParsedLayer {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`modelTopology: layer ${index} must be { class_name, config }, got ${describeValue(entry)}`);
  }
  const config = entry.config;
  const className = entry.class_name;
  const name = typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : undefined;
  if (name === undefined || name === '') throw new Error(`modelTopology: layer ${index} (${className}) has no name, got ${describeValue(config.name)}`);
  const r = new ConfigReader(`layer '${name}' (${className})`, config);
  r.ignore('name');
  const trainable = r.bool('trainable', true);
  dtype(r);
  const inputShape = sampleShape(r, shapeUsed || className === 'InputLayer');
  if (className === 'InputLayer') {
    r.requireDefault('sparse', false);
    r.requireDefault('ragged', false);
    // Keras 3: an optional input may be fed None; simdnn's inputs are always given.
    r.requireDefault('optional', false);
    r.finish();
    if (!inputShape) throw new Error(`${r.who}: needs batch_input_shape (or batch_shape)`);
    return { className, name, inputShape, weightShapes: () => [], create: () => { throw new Error(`${r.who}: an InputLayer is not a layer to create`); } };
  }
  const cls = getRegisteredClass(className);
  if (!cls) {
    throw new Error(`${r.who}: layer class '${className}' is not supported; supported: InputLayer, ${registeredClassNames().join(', ')} (register your own with nn.serialization.registerClass)`);
  }
  const args: LayerArgs = { name, trainable, ...(firstOfSequential ? { inputShape: firstOfSequential } : {}) };
  const layer = cls.fromConfig(r, args);
  r.finish();
  return { className, name, inputShape, weightShapes: (inputs) => layer.weightShapes(inputs), create: () => layer };
}

/**
 * Reads and creates every layer of a topology's list; in a Sequential the first layer after
 * the InputLayer (or the first, carrying batch_input_shape) gets the model's input shape.
 */
export function parseLayers(entries: unknown[], sequential: boolean): ParsedLayer[] {
  const parsed: ParsedLayer[] = [];
  entries.forEach((entry, i) => {
    const firstLayer = sequential && (i === 0 || (i === 1 && parsed[0].className === 'InputLayer'));
    const shape = !firstLayer ? null : i === 0 ? peekShape(entry) : parsed[0].inputShape;
    parsed.push(parseLayer(entry, i, shape, sequential && i === 0));
  });
  return parsed;
}

/** The per-sample shape a Sequential's first entry carries, if any (read again, checked, by parseLayer). */
function peekShape(entry: unknown): number[] | null {
  if (!isObject(entry) || !isObject(entry.config) || entry.class_name === 'InputLayer') return null;
  const shape = entry.config.batch_input_shape ?? entry.config.batch_shape;
  return Array.isArray(shape) && shape.length >= 2 && shape.slice(1).every((d) => Number.isSafeInteger(d) && d >= 1) ? shape.slice(1) as number[] : null;
}
