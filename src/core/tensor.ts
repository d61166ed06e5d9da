/**
 * Tensor: a shape and a Float32Array in ordinary JS memory, garbage-collected like any object.
 * Nothing here touches wasm; models copy tensors into their planned buffers.
 */

/** Nested arrays of numbers, as accepted by {@link tensor}. */
export type NestedArray = number | NestedArray[];

/** Values a Tensor can be made from: a Float32Array or plain numbers, flat or nested. */
export type TensorLike = Tensor | Float32Array | NestedArray | number[];

/** An immutable-shape float32 tensor, row-major. */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The values, row-major; owned by this tensor. */
  readonly data: Float32Array;
  /** Always 'float32': the one dtype simdnn computes in. */
  readonly dtype = 'float32' as const;

  constructor(data: Float32Array, shape: readonly number[]) {
    if (!(data instanceof Float32Array)) throw new TypeError(`Tensor: data must be a Float32Array, got ${describeType(data)}`);
    checkShape(shape, 'Tensor');
    const size = shapeSize(shape);
    if (size !== data.length) {
      throw new RangeError(`Tensor: shape [${shape.join(', ')}] holds ${size} values but data has ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** Number of values. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The same values viewed with another shape of equal size; one dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const resolved = [...shape];
    const unknown = resolved.indexOf(-1);
    if (unknown !== -1) {
      const known = resolved.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
      if (known === 0 || this.size % known !== 0) {
        throw new RangeError(`reshape: cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}]`);
      }
      resolved[unknown] = this.size / known;
    }
    if (shapeSize(resolved) !== this.size) {
      throw new RangeError(`reshape: cannot reshape [${this.shape.join(', ')}] (${this.size} values) to [${shape.join(', ')}]`);
    }
    return new Tensor(this.data, resolved);
  }

  /** Indices of the largest value along `axis` (default the last), as a float32 tensor. */
  argMax(axis = -1): Tensor {
    const ax = normalizeAxis(axis, this.rank, 'argMax');
    const dim = this.shape[ax];
    const inner = shapeSize(this.shape.slice(ax + 1));
    const outer = shapeSize(this.shape.slice(0, ax));
    const out = new Float32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * dim * inner + i;
        let best = 0;
        let bestValue = this.data[base];
        for (let d = 1; d < dim; d++) {
          const v = this.data[base + d * inner];
          if (v > bestValue) { bestValue = v; best = d; }
        }
        out[o * inner + i] = best;
      }
    }
    return new Tensor(out, [...this.shape.slice(0, ax), ...this.shape.slice(ax + 1)]);
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.rank - 1 ? this.data[offset + i] : build(dim + 1, offset + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor [${this.shape.join(', ')}] float32`;
  }
}

/**
 * Makes a tensor from nested number arrays (shape inferred) or from flat values with an explicit shape.
 * Throws on ragged arrays, non-numbers and a shape that does not match the number of values.
 */
export function tensor(values: TensorLike, shape?: readonly number[]): Tensor {
  if (values instanceof Tensor) return shape ? values.reshape(shape) : values;
  if (ArrayBuffer.isView(values) && !(values instanceof Float32Array)) {
    throw new TypeError(`tensor: expected float32 data (a Float32Array or numbers), got ${describeType(values)}; convert it with Float32Array.from`);
  }
  if (values instanceof Float32Array) {
    return new Tensor(values, shape ?? [values.length]);
  }
  const inferred = inferShape(values);
  const flat = new Float32Array(shapeSize(inferred));
  let at = 0;
  const fill = (v: NestedArray): void => {
    if (typeof v === 'number') flat[at++] = v;
    else for (const item of v) fill(item);
  };
  fill(values);
  return new Tensor(flat, shape ?? inferred);
}

/** Product of the dimensions (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(shape: readonly number[], who: string): void {
  if (!Array.isArray(shape)) throw new TypeError(`${who}: shape must be an array of integers, got ${describeType(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${who}: shape [${shape.join(', ')}] has an invalid dimension ${d}`);
  }
}

/** A non-negative axis index for `axis` (negative counts from the end); throws when out of range. */
export function normalizeAxis(axis: number, rank: number, who: string): number {
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= rank) throw new RangeError(`${who}: axis ${axis} is out of range for rank ${rank}`);
  return ax;
}

/** A short name of a value's type, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function inferShape(values: NestedArray): number[] {
  if (typeof values === 'number') return [];
  if (!Array.isArray(values)) throw new TypeError(`tensor: expected numbers or nested arrays of numbers, got ${describeType(values)}`);
  const shape = [values.length];
  if (values.length === 0) return shape;
  const inner = inferShape(values[0]);
  values.forEach((v, i) => {
    if (typeof v !== 'number' && !Array.isArray(v)) throw new TypeError(`tensor: element ${i} is ${describeType(v)}, expected a number or an array`);
    const s = inferShape(v);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new RangeError(`tensor: ragged nested array: element 0 has shape [${inner.join(', ')}] but element ${i} has [${s.join(', ')}]`);
    }
  });
  return shape.concat(inner);
}
