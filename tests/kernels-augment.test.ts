// Augmentation kernels against float64 references: flips (exact), affine resampling with each
// interpolation and fill mode (and its adjoint), gaussian noise (exact stream and statistics).
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import type { Backend } from '../src/core/wasm.js';

const seed = freshSeed();
const MODES = ['reflect', 'constant', 'nearest', 'wrap'] as const;
type Mode = (typeof MODES)[number];
const SHAPES: [number, number, number, number][] = [[2, 5, 7, 1], [3, 3, 3, 3], [2, 7, 5, 5], [1, 1, 1, 3], [2, 9, 4, 4]];

function flipRef(x: Float32Array, [n, h, w, c]: number[], flags: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let s = 0; s < n; s++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
    const si = flags[s] & 2 ? h - 1 - i : i, sj = flags[s] & 1 ? w - 1 - j : j;
    y[((s * h + i) * w + j) * c + k] = x[((s * h + si) * w + sj) * c + k];
  }
  return y;
}

/** The documented index rule of each fill mode; -1 means the fill value. */
function resolve(i: number, len: number, mode: Mode): number {
  if (i >= 0 && i < len) return i;
  if (mode === 'constant') return -1;
  if (mode === 'nearest') return i < 0 ? 0 : len - 1;
  if (mode === 'wrap') return ((i % len) + len) % len;
  const r = ((i % (2 * len)) + 2 * len) % (2 * len);
  return r < len ? r : 2 * len - 1 - r;
}

/** Source taps (pixel index or -1, weight) of output (i, j) for params p (float64). */
function tapsRef(p: ArrayLike<number>, i: number, j: number, h: number, w: number, nearest: boolean, mode: Mode): [number, number][] {
  const sx = p[0] * j + p[1] * i + p[2], sy = p[3] * j + p[4] * i + p[5];
  const at = (x: number, y: number): number => {
    const cx = resolve(x, w, mode), cy = resolve(y, h, mode);
    return cx < 0 || cy < 0 ? -1 : cy * w + cx;
  };
  if (nearest) return [[at(Math.floor(sx + 0.5), Math.floor(sy + 0.5)), 1]];
  const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
  return [[at(x0, y0), (1 - fx) * (1 - fy)], [at(x0 + 1, y0), fx * (1 - fy)], [at(x0, y0 + 1), (1 - fx) * fy], [at(x0 + 1, y0 + 1), fx * fy]];
}

function affineRef(x: Float32Array, [n, h, w, c]: number[], params: Float32Array, nearest: boolean, mode: Mode, fill: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let s = 0; s < n; s++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
    for (const [q, wt] of tapsRef(params.subarray(s * 6, s * 6 + 6), i, j, h, w, nearest, mode)) {
      for (let k = 0; k < c; k++) y[((s * h + i) * w + j) * c + k] += wt * (q < 0 ? fill : x[(s * h * w + q) * c + k]);
    }
  }
  return y;
}

/** Random rotation + zoom + shift about the centre, large enough to reach well past the borders. */
function randomParams(n: number, h: number, w: number, rng: () => number): Float32Array {
  const p = new Float32Array(n * 6);
  for (let s = 0; s < n; s++) {
    const a = (rng() - 0.5) * 2, z = 0.6 + rng(), cx = (w - 1) / 2, cy = (h - 1) / 2;
    const dx = (rng() - 0.5) * w, dy = (rng() - 0.5) * h;
    const [ca, sa] = [Math.cos(a) * z, Math.sin(a) * z];
    p.set([ca, -sa, cx - ca * cx + sa * cy + dx, sa, ca, cy - sa * cx - ca * cy + dy], s * 6);
  }
  return p;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('augmentFlip', () => {
  for (const shape of SHAPES) {
    it(`flips each sample as its flags say, exactly: [${shape}] (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + shape[1]);
      const [, h, w, c] = shape, n = 4, size = n * h * w * c;
      const x = randomArray(size, rng), flags = [0, 1, 2, 3];
      const px = toWasm(b, x), py = allocWasm(b, size), pf = toWasm(b, Int32Array.from(flags));
      b.kernels.augmentFlip(px, py, n, h, w, c, pf);
      expect(fromWasm(b, py, size)).toEqual(flipRef(x, [n, h, w, c], flags));
      for (const p of [px, py, pf]) b.arena.release(p);
    });
  }
});

describe('augmentAffine', () => {
  it('a 1-pixel-high row shifted right by 2 shows each fill mode (Keras: reflect d c b a | a b c d)', async () => {
    const b = await backend();
    const x = Float32Array.of(1, 2, 3, 4), want: Record<Mode, number[]> = {
      reflect: [2, 1, 1, 2], constant: [9, 9, 1, 2], nearest: [1, 1, 1, 2], wrap: [3, 4, 1, 2],
    };
    const px = toWasm(b, x), py = allocWasm(b, 4), pp = toWasm(b, Float32Array.of(1, 0, -2, 0, 1, 0));
    MODES.forEach((mode, m) => {
      for (const interp of [0, 1]) {
        b.kernels.augmentAffine(px, py, 1, 1, 4, 1, pp, interp, m, 9);
        expect([...fromWasm(b, py, 4)], `${mode} interpolation ${interp}`).toEqual(want[mode]);
      }
    });
    for (const p of [px, py, pp]) b.arena.release(p);
  });

  it('the identity transform copies exactly', async () => {
    const b = await backend();
    const rng = makeRng(seed);
    const [n, h, w, c] = [3, 5, 6, 3], size = n * h * w * c;
    const x = randomArray(size, rng), px = toWasm(b, x), py = allocWasm(b, size);
    const pp = toWasm(b, Float32Array.from({ length: n * 6 }, (_, i) => [1, 0, 0, 0, 1, 0][i % 6]));
    for (let m = 0; m < 4; m++) for (const interp of [0, 1]) {
      b.kernels.augmentAffine(px, py, n, h, w, c, pp, interp, m, 0.5);
      expect(fromWasm(b, py, size)).toEqual(x);
    }
    for (const p of [px, py, pp]) b.arena.release(p);
  });

  for (const shape of SHAPES) {
    for (const mode of MODES) {
      for (const nearest of [false, true]) {
        it(`${nearest ? 'nearest' : 'bilinear'}, fill ${mode}: forward and adjoint match float64 at [${shape}] (seed ${seed})`, async () => {
          const b = await backend();
          const rng = makeRng(seed + shape[1] * 31 + shape[3]);
          const [n, h, w, c] = shape, size = n * h * w * c;
          const x = randomArray(size, rng), params = randomParams(n, h, w, rng), fill = 0.7;
          const px = toWasm(b, x), py = allocWasm(b, size), pp = toWasm(b, params);
          const m = MODES.indexOf(mode), interp = nearest ? 1 : 0;
          b.kernels.augmentAffine(px, py, n, h, w, c, pp, interp, m, fill);
          const y = fromWasm(b, py, size);
          expect(maxRelError(y, affineRef(x, shape, params, nearest, mode, fill))).toBeLessThan(1e-5);

          // Adjoint: <A x, g> = <x, Aᵀ g> (with fill 0, A is linear); accumulate adds to dx.
          b.kernels.augmentAffine(px, py, n, h, w, c, pp, interp, m, 0);
          const ax = fromWasm(b, py, size), g = randomArray(size, rng);
          const pg = toWasm(b, g), pdx = allocWasm(b, size);
          b.kernels.augmentAffineBackward(pg, pdx, n, h, w, c, pp, interp, m, 0);
          const atg = fromWasm(b, pdx, size);
          const lhs = dot(ax, g), rhs = dot(x, atg);
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)) * Math.sqrt(size));
          const prior = randomArray(size, rng);
          b.arena.f32.set(prior, pdx >>> 2);
          b.kernels.augmentAffineBackward(pg, pdx, n, h, w, c, pp, interp, m, 1);
          expect(maxRelError(fromWasm(b, pdx, size), atg.map((v, i) => v + prior[i]))).toBeLessThan(1e-6);
          for (const p of [px, py, pp, pg, pdx]) b.arena.release(p);
        });
      }
    }
  }

  it('NaN or huge parameters resolve to the fill (or border) instead of trapping', async () => {
    const b = await backend();
    const px = toWasm(b, Float32Array.of(1, 2, 3, 4)), py = allocWasm(b, 4);
    const pp = toWasm(b, Float32Array.of(NaN, 0, 0, 0, 1, 0));
    b.kernels.augmentAffine(px, py, 1, 2, 2, 1, pp, 0, 1, 5);
    expect([...fromWasm(b, py, 4)]).toEqual([5, 5, 5, 5]);
    b.arena.f32.set([1, 0, 1e30, 0, 1, 0], pp >>> 2);
    b.kernels.augmentAffine(px, py, 1, 2, 2, 1, pp, 0, 2, 5);
    expect([...fromWasm(b, py, 4)]).toEqual([1, 2, 3, 4].map((_, i) => (i < 2 ? 2 : 4)));
    for (const p of [px, py, pp]) b.arena.release(p);
  });
});

/** lowbias32, as in assembly/augment.ts. */
function mix32(x: number): number {
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d); x ^= x >>> 15; x = Math.imul(x, 0x846ca68b | 0); x ^= x >>> 16;
  return x >>> 0;
}

function bits(key: number, t: bigint): number {
  const lo = Number(t & 0xffffffffn), hi = Number(t >> 32n);
  return mix32((mix32(lo) ^ mix32((key ^ mix32((hi + 0x9e3779b9) >>> 0)) >>> 0)) >>> 0);
}

/** The documented Box–Muller stream, in float64. */
function noiseRef(key: number, counter: bigint, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => {
    const t = counter + BigInt(i), q = t >> 1n;
    const u1 = ((bits(key, 2n * q) >>> 8) + 1) / 16777216, u2 = (bits(key, 2n * q + 1n) >>> 8) / 16777216;
    const r = Math.sqrt(-2 * Math.log(u1)), theta = 2 * Math.PI * u2;
    return t & 1n ? r * Math.sin(theta) : r * Math.cos(theta);
  });
}

function seeded(b: Backend, key: number, counter = 0n): number {
  const state = b.arena.alloc(16);
  b.kernels.augmentNoiseSeed(state, key);
  b.arena.i32[(state >>> 2) + 2] = Number(counter & 0xffffffffn) | 0;
  b.arena.i32[(state >>> 2) + 3] = Number(counter >> 32n) | 0;
  return state;
}

describe('augmentNoise', () => {
  // 0xfffffffc: the uniforms of one f32x4 step straddle 2^32 (carry into the high word).
  for (const [count, counter] of [[1, 0n], [7, 3n], [33, 0n], [127, 0xfffffff0n], [33, 0xfffffffcn], [1001, 5n]] as const) {
    it(`adds stddev times the documented normal stream: count ${count}, counter ${counter} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + count);
      const x = randomArray(count, rng), stddev = 0.3, key = (seed * 7 + count) >>> 0;
      const px = toWasm(b, x), py = allocWasm(b, count), state = seeded(b, key, counter);
      b.kernels.augmentNoise(px, py, count, stddev, state);
      const z = noiseRef(key, counter, count), y = fromWasm(b, py, count);
      let worst = 0;
      for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(y[i] - (x[i] + stddev * z[i])));
      expect(worst).toBeLessThan(2e-6);
      expect(BigInt(b.arena.i32[(state >>> 2) + 2] >>> 0) + (BigInt(b.arena.i32[(state >>> 2) + 3] >>> 0) << 32n)).toBe(counter + BigInt(count));
      // Split calls give the same values as one call, and y may alias x.
      const state2 = seeded(b, key, counter), half = count >> 1;
      b.kernels.augmentNoise(px, px, half, stddev, state2);
      b.kernels.augmentNoise(px + half * 4, px + half * 4, count - half, stddev, state2);
      expect(fromWasm(b, px, count)).toEqual(y);
      for (const p of [px, py, state, state2]) b.arena.release(p);
    });
  }

  it('is normal: mean 0, standard deviation stddev, 68.3% within one sigma', async () => {
    const b = await backend();
    const count = 200_000, stddev = 2;
    const px = allocWasm(b, count, 0), state = seeded(b, seed);
    b.kernels.augmentNoise(px, px, count, stddev, state);
    const z = fromWasm(b, px, count);
    let sum = 0, sq = 0, within = 0;
    for (const v of z) { sum += v; sq += v * v; if (Math.abs(v) < stddev) within++; }
    const mean = sum / count, sd = Math.sqrt(sq / count - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd / stddev - 1)).toBeLessThan(0.01);
    expect(Math.abs(within / count - 0.6827)).toBeLessThan(0.005);
    for (const p of [px, state]) b.arena.release(p);
  });
});
