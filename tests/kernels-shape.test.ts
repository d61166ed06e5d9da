// Shape kernels: pad/crop placement, the permuting strided copy, nearest and bilinear upsampling
// (forward and backward), against float64 JavaScript references at awkward sizes.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { permuteCopyArgs, permuteBackward, permuteForward, stridedCopy } from '../src/core/kernels/permute.js';
import type { Backend } from '../src/core/wasm.js';

const seed = freshSeed();
/** Unit roundoff of float32. */
const U = 2 ** -24;

/** A random integer in [lo, hi]. */
function int(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Runs `call` on fresh wasm copies of `inputs` and an output of `outCount` floats (NaN-filled, so unwritten values show). */
function run(b: Backend, inputs: Float32Array[], outCount: number, call: (ptrs: number[], out: number) => void): Float32Array {
  const ptrs = inputs.map((x) => toWasm(b, x));
  const out = allocWasm(b, outCount);
  call(ptrs, out);
  const result = fromWasm(b, out, outCount);
  for (const p of [...ptrs, out]) b.arena.release(p);
  return result;
}

/** Every |actual − expected| within its bound (a bound per element, or one for all). */
function expectWithin(actual: Float32Array, expected: ArrayLike<number>, bound: ArrayLike<number> | number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const limit = typeof bound === 'number' ? bound : bound[i];
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= limit)) expect.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (error ${err}, bound ${limit})`);
  }
}

describe(`padCrop2dNHWC (seed ${seed})`, () => {
  const rng = makeRng(seed);
  // [n, inH, inW, c]; offsets and output sizes drawn per case: padding, cropping and both at once.
  const cases: [number, number, number, number][] = [[1, 1, 1, 1], [2, 3, 5, 3], [3, 7, 4, 5], [1, 5, 17, 7], [2, 6, 3, 33]];
  cases.forEach(([n, inH, inW, c], ci) => {
    it(`n=${n} ${inH}x${inW}x${c}: every placement equals the reference bit for bit, and the negated offset undoes it`, async () => {
      const b = await backend();
      for (let t = 0; t < 6; t++) {
        const top = int(rng, -inH, 3), left = int(rng, -inW, 3);
        const outH = int(rng, 1, inH + 4), outW = int(rng, 1, inW + 4);
        const x = randomArray(n * inH * inW * c, rng);
        const want = new Float32Array(n * outH * outW * c);
        for (let s = 0; s < n; s++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
          const si = i - top, sj = j - left;
          if (si < 0 || si >= inH || sj < 0 || sj >= inW) continue;
          for (let ch = 0; ch < c; ch++) want[((s * outH + i) * outW + j) * c + ch] = x[((s * inH + si) * inW + sj) * c + ch];
        }
        const got = run(b, [x], want.length, ([px], py) => b.kernels.padCrop2dNHWC(px, py, n, inH, inW, c, outH, outW, top, left));
        expect(got, `case ${ci}.${t}: top ${top} left ${left} out ${outH}x${outW}`).toEqual(want);
        // Placing the result back with the offset negated keeps what survived and zeroes the rest.
        const back = run(b, [got], x.length, ([py], px) => b.kernels.padCrop2dNHWC(py, px, n, outH, outW, c, inH, inW, -top, -left));
        const kept = x.map((v, k) => {
          const j = Math.floor(k / c) % inW, i = Math.floor(k / (c * inW)) % inH;
          return i + top >= 0 && i + top < outH && j + left >= 0 && j + left < outW ? v : 0;
        });
        expect(back).toEqual(kept);
      }
    });
  });
});

/** The reference transpose: output axis i is input axis perm[i], per sample. */
function transposeRef(x: Float32Array, n: number, shape: number[], perm: number[]): Float32Array {
  const out = perm.map((a) => shape[a]);
  const inStrides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const size = shape.reduce((p, d) => p * d, 1);
  const y = new Float32Array(x.length);
  const index = new Array<number>(out.length).fill(0);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < size; k++) {
      let rest = k;
      for (let i = out.length - 1; i >= 0; i--) { index[i] = rest % out[i]; rest = Math.floor(rest / out[i]); }
      let src = s * size;
      for (let i = 0; i < out.length; i++) src += index[i] * inStrides[perm[i]];
      y[s * size + k] = x[src];
    }
  }
  return y;
}

/** A random permutation of 0..k−1. */
function shuffled(k: number, rng: () => number): number[] {
  const p = [...Array(k).keys()];
  for (let i = k - 1; i > 0; i--) { const j = int(rng, 0, i); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}

describe(`permuteCopy (seed ${seed})`, () => {
  const sizes = [1, 2, 3, 4, 5, 7, 9];
  for (let rank = 1; rank <= 5; rank++) {
    it(`rank ${rank}: random shapes and permutations, forward and inverse, equal the reference bit for bit`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rank);
      for (let t = 0; t < 12; t++) {
        const shape = Array.from({ length: rank }, () => sizes[int(rng, 0, rank > 3 ? 4 : sizes.length - 1)]);
        const perm = shuffled(rank, rng);
        const n = int(rng, 1, 3);
        const x = randomArray(n * shape.reduce((p, d) => p * d, 1), rng);
        const op = permuteCopyArgs(shape, perm);
        const y = run(b, [x], x.length, ([px], py) => { op.batch = n; op.input = px; op.output = py; permuteForward(op); });
        expect(y, `shape [${shape}] perm [${perm}]`).toEqual(transposeRef(x, n, shape, perm));
        const back = run(b, [y], x.length, ([py], px) => { op.gradOutput = py; op.gradInput = px; permuteBackward(op); });
        expect(back).toEqual(x);
      }
    });
  }

  it('the 2-D transpose takes the 4x4 tile path at sizes with both tails', async () => {
    const b = await backend();
    const rng = makeRng(seed + 9);
    for (const [r, c] of [[4, 4], [5, 7], [17, 33], [33, 3], [2, 9], [8, 13]]) {
      const copy = stridedCopy([r, c], [1, 0]);
      expect(copy.strides[4]).toBe(c); // the output's last axis is strided in the input: not a run copy
      const x = randomArray(2 * r * c, rng);
      const y = run(b, [x], x.length, ([px], py) => b.kernels.permuteCopy(px, py, 2, r * c, ...copy.dims, ...copy.strides));
      expect(y).toEqual(transposeRef(x, 2, [r, c], [1, 0]));
    }
  });

  it('descriptors are normalised: size-1 axes dropped, axes adjacent in both merged', () => {
    expect(stridedCopy([2, 3, 4], [0, 1, 2])).toEqual({ dims: [1, 1, 1, 1, 24], strides: [0, 0, 0, 0, 1] });
    expect(stridedCopy([2, 3, 4], [2, 0, 1])).toEqual({ dims: [1, 1, 1, 4, 6], strides: [0, 0, 0, 1, 4] });
    expect(stridedCopy([5, 1, 3, 1], [3, 2, 1, 0])).toEqual({ dims: [1, 1, 1, 3, 5], strides: [0, 0, 0, 1, 3] });
    expect(stridedCopy([1, 1], [1, 0])).toEqual({ dims: [1, 1, 1, 1, 1], strides: [0, 0, 0, 0, 1] });
  });

  it('un-normalised descriptors still copy right: the gather path (no stride-1 axis) and size-1 tiles', async () => {
    const b = await backend();
    const rng = makeRng(seed + 10);
    // Every other element of a [3, 10] sample, written as [3, 5] with strides (10, 2): no axis has stride 1.
    const x = randomArray(2 * 30, rng);
    const y = run(b, [x], 2 * 30, ([px], py) => b.kernels.permuteCopy(px, py, 2, 30, 1, 1, 1, 3, 5, 0, 0, 0, 10, 2));
    for (let s = 0; s < 2; s++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(y[s * 30 + i * 5 + j]).toBe(x[s * 30 + i * 10 + 2 * j]);
    // A transpose [3, 1, 4] → [4, 1, 3] given with its size-1 axis kept.
    const z = randomArray(12, rng);
    const w = run(b, [z], 12, ([pz], pw) => b.kernels.permuteCopy(pz, pw, 1, 12, 1, 1, 4, 1, 3, 0, 0, 1, 4, 4));
    expect(w).toEqual(transposeRef(z, 1, [3, 1, 4], [2, 1, 0]));
  });
});

/** Source of output coordinate o along an axis of `size` upsampled by s, as TF computes it (float64). */
function source(o: number, s: number, size: number, halfPixel: boolean): { lo: number; hi: number; f: number } {
  const p = halfPixel ? (o + 0.5) / s - 0.5 : o / s;
  const lo = Math.max(0, Math.floor(p));
  return { lo, hi: Math.min(size - 1, Math.ceil(p)), f: p - lo };
}

interface Geometry { n: number; h: number; w: number; c: number; sh: number; sw: number }

/** Calls visit(output index, [input index, weight] × 4) for every output of a bilinear upsampling. */
function eachBilinear(g: Geometry, halfPixel: boolean, visit: (o: number, taps: [number, number][]) => void): void {
  const outH = g.h * g.sh, outW = g.w * g.sw;
  for (let s = 0; s < g.n; s++) for (let oy = 0; oy < outH; oy++) {
    const y = source(oy, g.sh, g.h, halfPixel);
    for (let ox = 0; ox < outW; ox++) {
      const x = source(ox, g.sw, g.w, halfPixel);
      const at = (i: number, j: number): number => ((s * g.h + i) * g.w + j) * g.c;
      for (let ch = 0; ch < g.c; ch++) {
        visit(((s * outH + oy) * outW + ox) * g.c + ch, [
          [at(y.lo, x.lo) + ch, (1 - y.f) * (1 - x.f)], [at(y.lo, x.hi) + ch, (1 - y.f) * x.f],
          [at(y.hi, x.lo) + ch, y.f * (1 - x.f)], [at(y.hi, x.hi) + ch, y.f * x.f],
        ]);
      }
    }
  }
}

describe(`upsampling kernels (seed ${seed})`, () => {
  const rng = makeRng(seed + 20);
  const cases: Geometry[] = [
    { n: 1, h: 1, w: 1, c: 1, sh: 2, sw: 2 }, { n: 2, h: 3, w: 5, c: 3, sh: 2, sw: 3 }, { n: 1, h: 4, w: 3, c: 7, sh: 3, sw: 1 },
    { n: 2, h: 2, w: 7, c: 17, sh: 1, sw: 4 }, { n: 1, h: 5, w: 2, c: 33, sh: 5, sw: 2 },
  ];
  cases.forEach((g) => {
    const label = `n=${g.n} ${g.h}x${g.w}x${g.c} by ${g.sh}x${g.sw}`;
    const outCount = g.n * g.h * g.sh * g.w * g.sw * g.c, inCount = g.n * g.h * g.w * g.c;
    const args = [g.n, g.h, g.w, g.c, g.sh, g.sw] as const;

    it(`nearest ${label}: forward bit for bit; backward within its summation bound`, async () => {
      const b = await backend();
      const x = randomArray(inCount, rng), dy = randomArray(outCount, rng);
      const want = new Float32Array(outCount), dx = new Float64Array(inCount), dxAbs = new Float64Array(inCount);
      const outW = g.w * g.sw;
      for (let s = 0; s < g.n; s++) for (let oy = 0; oy < g.h * g.sh; oy++) for (let ox = 0; ox < outW; ox++) for (let ch = 0; ch < g.c; ch++) {
        const o = ((s * g.h * g.sh + oy) * outW + ox) * g.c + ch;
        const i = ((s * g.h + Math.floor(oy / g.sh)) * g.w + Math.floor(ox / g.sw)) * g.c + ch;
        want[o] = x[i];
        dx[i] += dy[o];
        dxAbs[i] += Math.abs(dy[o]);
      }
      expect(run(b, [x], outCount, ([px], py) => b.kernels.upsampleNearestNHWC(px, py, ...args))).toEqual(want);
      // A sum of sh·sw float32 terms: each addition rounds once, so |error| ≤ sh·sw·u·Σ|dy|.
      const bound = Array.from(dxAbs, (a) => g.sh * g.sw * U * a);
      expectWithin(run(b, [dy], inCount, ([pdy], pdx) => b.kernels.upsampleNearestGradNHWC(pdy, pdx, ...args)), dx, bound, 'dx');
    });

    for (const halfPixel of [false, true]) {
      it(`bilinear ${label}${halfPixel ? ', half-pixel centres' : ''}: forward and backward within their rounding bounds`, async () => {
        const b = await backend();
        const x = randomArray(inCount, rng), dy = randomArray(outCount, rng);
        const want = new Float64Array(outCount), dx = new Float64Array(inCount), dxAbs = new Float64Array(inCount), terms = new Float64Array(inCount);
        eachBilinear(g, halfPixel, (o, taps) => {
          for (const [i, wt] of taps) {
            want[o] += wt * x[i];
            dx[i] += wt * dy[o];
            dxAbs[i] += Math.abs(wt * dy[o]);
            terms[i]++;
          }
        });
        // Forward, |x| ≤ 1: the fractions rounded to float32 and three lerps of three roundings each,
        // with differences of up to 2: each step adds at most 2u, under 32u in all.
        const y = run(b, [x], outCount, ([px], py) => b.kernels.upsampleBilinearNHWC(px, py, ...args, +halfPixel));
        expectWithin(y, want, 32 * U, 'y');
        // Backward: each weight carries at most 4 roundings (two fractions, 1 − f, the product), each of the
        // k terms one multiply and one add: |error| ≤ (k + 6)·u·Σ|w·dy|.
        const bound = Array.from(dxAbs, (a, i) => (terms[i] + 6) * U * a);
        const got = run(b, [dy], inCount, ([pdy], pdx) => b.kernels.upsampleBilinearGradNHWC(pdy, pdx, ...args, +halfPixel));
        expectWithin(got, dx, bound, 'dx');
      });
    }
  });
});
