// Augmentation layers: identity outside training, the training output is the documented transform
// with parameters from the layer's seeded generator, backward is its adjoint, errors name the layer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { Random } from '../src/core/random.js';
import { getBackend } from '../src/core/wasm.js';
import type { Layer } from '../src/layers/layer.js';
import { standaloneCall, type StandaloneCall } from '../src/layers/standalone.js';
import { freshSeed, makeRng, maxRelError, randomArray } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** Each layer's buffers, as a model's plan would hold them: made once, so draws continue from call to call. */
const calls = new Map<Layer, StandaloneCall>();

/** The layer's planned buffers, made for 16 samples on first use. */
function callOf(layer: Layer): StandaloneCall {
  return calls.get(layer) ?? replan(layer, 16);
}

/** New buffers for `capacity` samples, as a new plan makes: the generators restart from their seeds. */
function replan(layer: Layer, capacity: number): StandaloneCall {
  calls.get(layer)?.release();
  const call = standaloneCall(layer, capacity, { inputs: [0], output: 0 });
  calls.set(layer, call);
  return call;
}

/** Runs a layer on x [n, ...shape]; returns the output and, given dy, the input gradient. */
function run(layer: Layer, shape: number[], x: Float32Array, training: boolean, dy?: Float32Array): { y: Float32Array; dx?: Float32Array } {
  const { arena } = getBackend();
  if (!layer.isBuilt) layer.build([shape]);
  const n = x.length / shape.reduce((a, b) => a * b, 1);
  const px = arena.allocF32(x.length), py = arena.allocF32(x.length);
  arena.f32.set(x, px >>> 2);
  const call = { ...callOf(layer), inputs: [px], output: py };
  layer.forward(n, call, training);
  const y = arena.f32.slice(py >>> 2, (py >>> 2) + x.length);
  let dx: Float32Array | undefined;
  if (dy) {
    const pdy = arena.allocF32(x.length), pdx = arena.allocF32(x.length);
    arena.f32.set(dy, pdy >>> 2);
    layer.backward(n, { ...call, gradOutput: pdy, gradInputs: [pdx] });
    dx = arena.f32.slice(pdx >>> 2, (pdx >>> 2) + x.length);
    arena.release(pdy); arena.release(pdx);
  }
  arena.release(px); arena.release(py);
  return { y, dx };
}

/** The kernel applied to x with the given per-sample maps (the kernel itself is tested against float64). */
function affine(x: Float32Array, [h, w, c]: number[], params: number[], interp: number, mode: number, fill: number): Float32Array {
  const { arena, kernels } = getBackend();
  const n = params.length / 6;
  const px = arena.allocF32(x.length), py = arena.allocF32(x.length), pp = arena.allocF32(params.length);
  arena.f32.set(x, px >>> 2); arena.f32.set(params, pp >>> 2);
  kernels.augmentAffine(px, py, n, h, w, c, pp, interp, mode, fill);
  const y = arena.f32.slice(py >>> 2, (py >>> 2) + x.length);
  for (const p of [px, py, pp]) arena.release(p);
  return y;
}

function flip(x: Float32Array, [h, w, c]: number[], s: number, f: number): Float32Array {
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
    out[(i * w + j) * c + k] = x[((s * h + (f & 2 ? h - 1 - i : i)) * w + (f & 1 ? w - 1 - j : j)) * c + k];
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

const SHAPE = [5, 7, 3];
const makers: [string, (seed?: number) => Layer][] = [
  ['randomFlip', (s) => nn.layers.randomFlip({ seed: s })],
  ['randomTranslation', (s) => nn.layers.randomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], seed: s })],
  ['randomRotation', (s) => nn.layers.randomRotation({ factor: 0.2, fillMode: 'wrap', seed: s })],
  ['randomZoom', (s) => nn.layers.randomZoom({ heightFactor: [-0.3, 0.5], widthFactor: [-0.6, -0.4], interpolation: 'nearest', seed: s })],
  ['gaussianNoise', (s) => nn.layers.gaussianNoise({ stddev: 0.5, seed: s })],
];

describe('augmentation layers', () => {
  for (const [name, make] of makers) {
    it(`${name}: identity when not training; training output changes, is seeded, and backward is the adjoint (seed ${seed})`, () => {
      const rng = makeRng(seed);
      // 16 samples: a flip leaves a sample as it is with probability 1/4, so all 16 unchanged is 4^-16.
      const x = randomArray(16 * 105, rng), dy = randomArray(16 * 105, rng);
      const layer = make(seed);
      const still = run(layer, SHAPE, x, false, dy);
      expect(still.y).toEqual(x);
      expect(still.dx).toEqual(dy);
      const a = run(layer, SHAPE, x, true, dy);
      expect(maxRelError(a.y, x)).toBeGreaterThan(1e-3);
      // <T x, dy> = <x, Tᵀ dy> for the transform drawn in this forward (noise: T x = x + z, gradient dy).
      if (name === 'gaussianNoise') expect(a.dx).toEqual(dy);
      else expect(Math.abs(dot(a.y, dy) - dot(x, a.dx!))).toBeLessThan(1e-4 * x.length);
      // Same seed, same draws; planning again restarts the sequence.
      const twin = make(seed);
      expect(run(twin, SHAPE, x, true).y).toEqual(a.y);
      replan(layer, 16);
      expect(run(layer, SHAPE, x, true).y).toEqual(a.y);
      // The next draws differ (nearest-pixel zooms of a 5x7 image can repeat once, so look at three).
      const later = [0, 1, 2].map(() => run(layer, SHAPE, x, true).y);
      expect(later.some((y) => y.some((v, i) => v !== a.y[i]))).toBe(true);
      // Without a seed, the library generator decides: nn.setSeed makes it reproducible.
      nn.setSeed(seed); const u = run(make(), SHAPE, x, true).y;
      nn.setSeed(seed); const v = run(make(), SHAPE, x, true).y;
      expect(u).toEqual(v);
      for (const l of [layer, twin]) l.dispose();
    });
  }

  it('randomFlip: each sample is one of the flips its mode allows, each about half the time', () => {
    const rng = makeRng(seed + 1);
    for (const [mode, allowed] of [['horizontal', [0, 1]], ['vertical', [0, 2]], ['horizontal_and_vertical', [0, 1, 2, 3]]] as const) {
      const layer = nn.layers.randomFlip({ mode, seed: seed + 3 });
      layer.build([SHAPE]); replan(layer, 64);
      const x = randomArray(64 * 105, rng), seen = new Map<number, number>();
      const { y } = run(layer, SHAPE, x, true);
      for (let s = 0; s < 64; s++) {
        const got = y.subarray(s * 105, (s + 1) * 105);
        const f = allowed.find((g) => flip(x, SHAPE, s, g).every((v, i) => v === got[i]));
        expect(f, `${mode} sample ${s}`).toBeDefined();
        seen.set(f!, (seen.get(f!) ?? 0) + 1);
      }
      for (const f of allowed) expect(seen.get(f) ?? 0, `${mode} flip ${f}`).toBeGreaterThan(64 / allowed.length / 4);
      layer.dispose();
    }
  });

  it('translation, rotation and zoom resample with the documented Keras maps drawn from Random(seed)', () => {
    const rng = makeRng(seed + 2);
    const [h, w] = SHAPE, n = 3, x = randomArray(n * 105, rng);
    const draw = (f: (r: Random) => number[]): number[] => { const r = new Random(seed); return Array.from({ length: n }, () => f(r)).flat(); };
    const translation = draw((r) => { const dy = r.uniform(-0.3, 0.3) * h, dx = r.uniform(-0.2, 0.4) * w; return [1, 0, -dx, 0, 1, -dy]; });
    const layerT = nn.layers.randomTranslation({ heightFactor: 0.3, widthFactor: [-0.2, 0.4], fillMode: 'constant', fillValue: 0.25, seed });
    expect(run(layerT, SHAPE, x, true).y).toEqual(affine(x, SHAPE, translation, 0, 1, 0.25));
    const rotation = draw((r) => {
      const a = r.uniform(-0.2, 0.2) * 2 * Math.PI, cos = Math.cos(a), sin = Math.sin(a);
      return [cos, -sin, (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2, sin, cos, (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2];
    });
    expect(run(nn.layers.randomRotation({ factor: 0.2, seed }), SHAPE, x, true).y).toEqual(affine(x, SHAPE, rotation, 0, 0, 0));
    const zoom = draw((r) => { const zy = 1 + r.uniform(-0.3, 0.5); return [zy, 0, ((w - 1) / 2) * (1 - zy), 0, zy, ((h - 1) / 2) * (1 - zy)]; });
    expect(run(nn.layers.randomZoom({ heightFactor: [-0.3, 0.5], interpolation: 'nearest', fillMode: 'nearest', seed }), SHAPE, x, true).y)
      .toEqual(affine(x, SHAPE, zoom, 1, 2, 0));
  });

  it('a quarter turn is np.rot90 (counter-clockwise); zoom keeps the centre pixel', () => {
    const rng = makeRng(seed + 4);
    const s = 5, x = randomArray(s * s * 2, rng);
    const { y } = run(nn.layers.randomRotation({ factor: [0.25, 0.25], seed }), [s, s, 2], x, true);
    const want = new Float32Array(x.length);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let k = 0; k < 2; k++) want[(i * s + j) * 2 + k] = x[(j * s + (s - 1 - i)) * 2 + k];
    expect(maxRelError(y, want)).toBeLessThan(1e-6);
    const z = run(nn.layers.randomZoom({ heightFactor: 0.5, seed }), [s, s, 2], x, true).y;
    const centre = (2 * s + 2) * 2;
    expect(z[centre]).toBeCloseTo(x[centre], 6);
    expect(z[centre + 1]).toBeCloseTo(x[centre + 1], 6);
  });

  it('gaussianNoise adds zero-mean noise with the given standard deviation, to any shape', () => {
    const layer = nn.layers.gaussianNoise({ stddev: 0.7, seed });
    const x = new Float32Array(8 * 2000).fill(3);
    const { y } = run(layer, [2000], x, true);
    let sum = 0, sq = 0;
    for (const v of y) { sum += v - 3; sq += (v - 3) ** 2; }
    const mean = sum / y.length, sd = Math.sqrt(sq / y.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 0.7)).toBeLessThan(0.03);
    layer.dispose();
  });

  it('train a small CNN with augmentation first and in the middle; predict is deterministic', async () => {
    nn.setSeed(seed);
    const model = nn.sequential({ layers: [
      nn.layers.randomFlip({ inputShape: [6, 6, 1], mode: 'horizontal' }),
      nn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }),
      nn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }),
      nn.layers.randomRotation({ factor: 0.05 }),
      nn.layers.gaussianNoise({ stddev: 0.1 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed);
    const x = nn.tensor(randomArray(16 * 36, rng, 0, 1), [16, 6, 6, 1]);
    const y = nn.data.toCategorical(Array.from({ length: 16 }, (_, i) => i % 2), 2);
    const history = await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
    expect(model.predict(x).data).toEqual(model.predict(x).data);
    model.dispose();
  });
});

describe('augmentation layer errors', () => {
  it('images must be rank 4; the message names the layer', () => {
    const layer = nn.layers.randomFlip({ name: 'flipper' });
    expect(() => layer.build([[784]])).toThrow(/RandomFlip 'flipper': expects images \[N, height, width, channels\] \(rank 4\), got input \[null, 784\] \(rank 2\)/);
    expect(() => nn.layers.randomZoom({ heightFactor: 0.1 }).build([[4, 4]])).toThrow(/RandomZoom '.*': expects images .*got input \[null, 4, 4\] \(rank 3\)/);
  });

  it('bad options name the argument, expected and actual', () => {
    expect(() => nn.layers.randomFlip({ mode: 'diagonal' as never })).toThrow(/RandomFlip '.*': mode must be one of 'horizontal', 'vertical', 'horizontal_and_vertical', got "diagonal"/);
    expect(() => nn.layers.randomRotation({ factor: 0.1, fillMode: 'mirror' as never })).toThrow(/fillMode must be one of 'reflect', 'constant', 'nearest', 'wrap', got "mirror"/);
    expect(() => nn.layers.randomRotation({ factor: 0.1, interpolation: 'bicubic' as never })).toThrow(/interpolation must be one of 'bilinear', 'nearest', got "bicubic"/);
    expect(() => nn.layers.randomTranslation({ heightFactor: 1.5, widthFactor: 0 })).toThrow(/RandomTranslation '.*': heightFactor must lie in \[-1, 1\], got \[-1.5, 1.5\]/);
    expect(() => nn.layers.randomTranslation({ heightFactor: 0.1 } as never)).toThrow(/widthFactor must be a finite number or a \[lower, upper\] pair, got undefined/);
    expect(() => nn.layers.randomRotation({ factor: [0.2, 0.1] })).toThrow(/factor must have lower <= upper, got \[0.2, 0.1\]/);
    expect(() => nn.layers.randomRotation({ factor: Number.NaN })).toThrow(/factor must be a finite number or a \[lower, upper\] pair, got null/);
    expect(() => nn.layers.randomZoom({ heightFactor: [-1.5, 0] })).toThrow(/heightFactor must lie in \[-1, Infinity\], got \[-1.5, 0\]/);
    expect(() => nn.layers.randomZoom({ heightFactor: 0.1, fillValue: Number.NaN })).toThrow(/fillValue must be a finite number, got NaN/);
    expect(() => nn.layers.gaussianNoise({ stddev: -1 })).toThrow(/GaussianNoise '.*': stddev must be a finite number >= 0, got -1/);
    expect(() => (nn.layers.gaussianNoise as (a?: unknown) => unknown)()).toThrow(/stddev must be a finite number >= 0, got undefined/);
    expect(() => nn.layers.randomFlip({ seed: Number.POSITIVE_INFINITY })).toThrow(/seed must be a finite number, got Infinity/);
  });
});
