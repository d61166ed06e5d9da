/**
 * Subsets of the built-in digits for the transfer, multi-input and siamese examples: the samples
 * of some classes, and bit-level comparison of weight snapshots.
 */
import * as nn from 'simdnn';

/** Images [N, 784] and their class indices. */
export interface Digits {
  x: nn.Tensor;
  labels: Uint8Array;
}

/** The samples of `part` whose label `keep` accepts, in order, at most `limit` of them. */
export function digitsWhere(part: { x: nn.Tensor; labels: Uint8Array }, keep: (label: number) => boolean, limit = Infinity): Digits {
  const chosen: number[] = [];
  for (let i = 0; i < part.labels.length && chosen.length < limit; i++) if (keep(part.labels[i])) chosen.push(i);
  const x = new Float32Array(chosen.length * 784);
  chosen.forEach((i, n) => x.set(part.x.data.subarray(i * 784, (i + 1) * 784), n * 784));
  return { x: nn.tensor(x, [chosen.length, 784]), labels: Uint8Array.from(chosen, (i) => part.labels[i]) };
}

/** Copies of the weights of the named layers of `model`, in layer order, kernel before bias. */
export function snapshot(model: nn.LayersModel, names: readonly string[]): Float32Array[] {
  return names.flatMap((name) => model.getLayer(name).getWeights().map((w) => Float32Array.from(w.data)));
}

/** True when the two snapshots hold the same float bits (so -0 differs from 0 and NaN equals itself). */
export function sameBits(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((w, i) => {
    if (w.length !== b[i].length) return false;
    const x = new Uint32Array(w.buffer, w.byteOffset, w.length);
    const y = new Uint32Array(b[i].buffer, b[i].byteOffset, b[i].length);
    return x.every((v, j) => v === y[j]);
  });
}

/** A seeded generator of floats in [0, 1) (mulberry32), so the examples' pairs and noise repeat. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
