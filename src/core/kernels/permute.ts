/**
 * Axis permutation (Keras Permute, a transpose) as a strided copy with named operands. The copy
 * is described once per shape: size-1 axes dropped and axes adjacent in both input and output
 * merged, so the kernel sees at most five axes and picks a contiguous or tiled inner loop.
 */
import { getBackend } from '../wasm.js';

/** The kernel's view of one permuted copy: output dims and the input stride of each (floats), five axes. */
export interface StridedCopy {
  readonly dims: readonly [number, number, number, number, number];
  readonly strides: readonly [number, number, number, number, number];
}

/**
 * The copy writing `shape` (one sample, row-major) permuted so that output axis i is input axis
 * `perm[i]` (0-based, per-sample axes). Throws when more than five axes remain after merging.
 */
export function stridedCopy(shape: readonly number[], perm: readonly number[]): StridedCopy {
  const inStrides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const axes: [number, number][] = [];
  for (const a of perm) {
    const dim = shape[a], stride = inStrides[a];
    if (dim === 1) continue;
    const last = axes[axes.length - 1];
    // Adjacent in the output and contiguous in the input: one axis.
    if (last && last[1] === stride * dim) { last[0] *= dim; last[1] = stride; } else axes.push([dim, stride]);
  }
  if (axes.length === 0) axes.push([1, 1]);
  if (axes.length > 5) throw new RangeError(`stridedCopy: ${axes.length} axes remain after merging; at most 5 are supported`);
  while (axes.length < 5) axes.unshift([1, 0]);
  return { dims: axes.map((a) => a[0]) as unknown as StridedCopy['dims'], strides: axes.map((a) => a[1]) as unknown as StridedCopy['strides'] };
}

/**
 * Operands of a permutation's kernel calls. A layer keeps one (from {@link permuteCopyArgs}) and
 * refills the pointers per call. Pointers are byte offsets.
 */
export interface PermuteCopyArgs {
  /** Floats per sample (input and output alike). */
  readonly sample: number;
  /** input → output. */
  readonly forward: StridedCopy;
  /** gradOutput → gradInput: the inverse permutation. */
  readonly backward: StridedCopy;
  batch: number;
  input: number;
  /** Must not overlap input. */
  output: number;
  gradOutput: number;
  /** Overwritten; must not overlap gradOutput. */
  gradInput: number;
}

/** The operands for permuting one sample of `shape` by `perm` (0-based), pointers 0. */
export function permuteCopyArgs(shape: readonly number[], perm: readonly number[]): PermuteCopyArgs {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const permuted = perm.map((a) => shape[a]);
  return {
    sample: shape.reduce((p, d) => p * d, 1), forward: stridedCopy(shape, perm), backward: stridedCopy(permuted, inverse),
    batch: 0, input: 0, output: 0, gradOutput: 0, gradInput: 0,
  };
}

function copy(c: StridedCopy, from: number, to: number, batch: number, sample: number): void {
  const d = c.dims, s = c.strides;
  getBackend().kernels.permuteCopy(from, to, batch, sample, d[0], d[1], d[2], d[3], d[4], s[0], s[1], s[2], s[3], s[4]);
}

/** output = input with its axes permuted. */
export function permuteForward(p: PermuteCopyArgs): void {
  copy(p.forward, p.input, p.output, p.batch, p.sample);
}

/** gradInput = gradOutput with the permutation undone. */
export function permuteBackward(p: PermuteCopyArgs): void {
  copy(p.backward, p.gradOutput, p.gradInput, p.batch, p.sample);
}
