// The merge layers beyond Add (Subtract, Multiply, Average, Maximum, Minimum) and Concatenate on
// any axis: their kernels against float64 references, forward values, gradient checks, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { getBackend } from '../src/core/wasm.js';
import type { Layer } from '../src/layers/layer.js';
import { shapeSize } from '../src/core/tensor.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

describe(`merge kernels against float64 references (seed ${seed})`, () => {
  it(`subArrays, maxArrays, minArrays are exact at sizes ${AWKWARD_SIZES.join(' ')}`, async () => {
    const b = await backend();
    for (const n of AWKWARD_SIZES) {
      const rng = makeRng(seed + n);
      const x = randomArray(n, rng), y = randomArray(n, rng);
      const px = toWasm(b, x), py = toWasm(b, y), out = allocWasm(b, n + 3);
      b.arena.f32.fill(7, (out >>> 2) + n, (out >>> 2) + n + 3);
      // One f32 operation on f32 inputs: the float64 result rounded once is the exact answer.
      const cases: [string, (a: number, c: number) => number, () => void][] = [
        ['sub', (a, c) => Math.fround(a - c), () => b.kernels.subArrays(px, py, out, n)],
        ['max', Math.max, () => b.kernels.maxArrays(px, py, out, n)],
        ['min', Math.min, () => b.kernels.minArrays(px, py, out, n)],
      ];
      for (const [name, ref, run] of cases) {
        run();
        expect(fromWasm(b, out, n), `${name} n=${n}`).toEqual(Float32Array.from(x, (v, i) => ref(v, y[i])));
        expect(Array.from(fromWasm(b, out + 4 * n, 3)), `${name} n=${n}: nothing written past n`).toEqual([7, 7, 7]);
      }
      for (const p of [px, py, out]) b.arena.release(p);
    }
  });

  it('routeExtremumGrad gives each element to the first input holding the extreme, and consumes it', async () => {
    const b = await backend();
    for (const n of AWKWARD_SIZES) {
      const rng = makeRng(seed + 100 + n);
      // Values on a coarse grid, so ties between the three inputs are common.
      const xs = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => Math.floor(rng() * 3)));
      const out = Float32Array.from({ length: n }, (_, i) => Math.max(xs[0][i], xs[1][i], xs[2][i]));
      const g = randomArray(n, rng);
      const pOut = toWasm(b, out), pg = toWasm(b, g);
      const grads = xs.map((x, k) => {
        const px = toWasm(b, x), pgx = k === 1 ? 0 : allocWasm(b, n);
        b.kernels.routeExtremumGrad(px, pOut, pg, pgx, n);
        const got = pgx ? fromWasm(b, pgx, n) : null;
        for (const p of [px, pgx]) b.arena.release(p);
        return got;
      });
      for (let i = 0; i < n; i++) {
        const first = xs.findIndex((x) => x[i] === out[i]);
        grads.forEach((gx, k) => { if (gx) expect(gx[i], `n=${n} input ${k}[${i}]`).toBe(k === first ? g[i] : 0); });
      }
      expect(fromWasm(b, pg, n).every((v) => v === 0), `n=${n}: every element claimed`).toBe(true);
      for (const p of [pOut, pg]) b.arena.release(p);
    }
  });
});

/** Runs a built layer's forward on `inputs` (one Float32Array per input, batch `n`). */
function forward(layer: Layer, shapes: number[][], n: number, inputs: Float32Array[]): Float32Array {
  const { arena } = getBackend();
  layer.build(shapes);
  const ptrs = inputs.map((x) => { const p = arena.allocF32(x.length); arena.f32.set(x, p >>> 2); return p; });
  const out = arena.allocF32(n * layer.outputSize);
  const call = standaloneCall(layer, n, { inputs: ptrs, output: out });
  layer.forward(n, call, false);
  call.release();
  const y = arena.f32.slice(out >>> 2, (out >>> 2) + n * layer.outputSize);
  for (const p of [...ptrs, out]) arena.release(p);
  return y;
}

/** Distinct values 0.05 apart, shuffled: no ties, and no finite-difference step (h = 1e-2) crosses one. */
function distinctInputs(rng: () => number, count: number): (i: number) => number {
  const values = Array.from({ length: count }, (_, i) => (i - count / 2) * 0.05);
  for (let i = count - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [values[i], values[j]] = [values[j], values[i]]; }
  let next = 0;
  return () => values[next++ % count];
}

describe(`merge layers (seed ${seed})`, () => {
  const shape = [3, 5];
  const n = 2;
  const elementwise: [string, () => Layer, number, (v: number[]) => number][] = [
    ['subtract', () => nn.layers.subtract(), 2, ([a, b]) => a - b],
    ['multiply', () => nn.layers.multiply(), 3, (v) => v.reduce((a, b) => a * b, 1)],
    ['average', () => nn.layers.average(), 3, (v) => v.reduce((a, b) => a + b, 0) / v.length],
    ['maximum', () => nn.layers.maximum(), 3, (v) => Math.max(...v)],
    ['minimum', () => nn.layers.minimum(), 3, (v) => Math.min(...v)],
  ];
  for (const [name, make, count, ref] of elementwise) {
    it(`${name} of ${count} inputs: forward against float64, gradients against finite differences`, () => {
      const rng = makeRng(seed + count + name.length);
      const size = n * shapeSize(shape);
      const inputs = Array.from({ length: count }, () => randomArray(size, rng));
      const y = forward(make(), Array(count).fill(shape), n, inputs);
      const want = Array.from({ length: size }, (_, i) => ref(inputs.map((x) => x[i])));
      // A chain of `count` f32 operations: a few ulps of the largest magnitude (inputs in [-1, 1)).
      y.forEach((v, i) => expect(Math.abs(v - want[i]), `${name}[${i}]`).toBeLessThan(count * 1.2e-7));
      const input = name === 'maximum' || name === 'minimum' ? distinctInputs(rng, count * size) : undefined;
      checkLayerGradients({ layer: make(), inputShapes: Array(count).fill(shape), batch: n, rng, input });
    });
  }

  const broadcasts: [string, () => Layer, (a: number, b: number) => number, number[][]][] = [
    ['add', () => nn.layers.add(), (a, b) => a + b, [[3, 2, 5], [1, 1, 5]]],
    ['subtract', () => nn.layers.subtract(), (a, b) => a - b, [[3, 2, 5], [1, 2, 5]]],
    ['subtract', () => nn.layers.subtract(), (a, b) => a - b, [[1, 1, 7], [2, 3, 7]]],
    ['multiply', () => nn.layers.multiply(), (a, b) => a * b, [[1, 1, 6], [4, 3, 6]]],
    ['multiply', () => nn.layers.multiply(), (a, b) => a * b, [[4, 3, 6], [1, 1, 1]]],
  ];
  for (const [name, make, ref, shapes] of broadcasts) {
    it(`${name} broadcasting [N, ${shapes[0]}] against [N, ${shapes[1]}]: forward against float64, gradients`, () => {
      const rng = makeRng(seed + shapes[0][0] + 7 * shapes[1][0] + name.length);
      const [a, b] = shapes.map((sh) => randomArray(n * shapeSize(sh), rng));
      const y = forward(make(), shapes, n, [a, b]);
      const full = shapes[0].reduce((x, d) => x * d, 1) >= shapes[1].reduce((x, d) => x * d, 1) ? 0 : 1;
      const fullSize = shapeSize(shapes[full]), smallSize = shapeSize(shapes[1 - full]);
      expect(y.length).toBe(n * fullSize);
      for (let i = 0; i < y.length; i++) {
        const s = Math.floor(i / fullSize), j = i % fullSize, k = s * smallSize + (j % smallSize);
        const want = full === 0 ? ref(a[i], b[k]) : ref(a[k], b[i]);
        // One f32 operation on values in [-1, 1): half an ulp of 2.
        expect(Math.abs(y[i] - want), `${name}[${i}]`).toBeLessThan(1.2e-7);
      }
      checkLayerGradients({ layer: make(), inputShapes: shapes, batch: n, rng });
    });
  }

  it('a broadcast must be 1s then the other input\'s last axes', () => {
    expect(() => nn.layers.multiply({ name: 'mb' }).build([[2, 3, 4], [1, 3, 1]])).toThrow(/Multiply 'mb': inputs \[2, 3, 4\] and \[1, 3, 1\] must have the same shape, or one must be 1s/);
  });

  it('subtract refuses anything but two inputs, and every merge refuses mismatched shapes', () => {
    expect(() => nn.layers.subtract({ name: 's3' }).build([shape, shape, shape])).toThrow("Subtract 's3': needs exactly 2 inputs, got 3");
    expect(() => nn.layers.maximum({ name: 'mx' }).build([[3, 5], [5, 3]])).toThrow("Maximum 'mx': all inputs must have the same shape; input 0 is [3, 5], input 1 is [5, 3]");
    expect(() => nn.layers.add({ name: 'a3' }).build([[3, 5], [1, 5], [3, 5]])).toThrow("Add 'a3': all inputs must have the same shape; input 0 is [3, 5], input 1 is [1, 5]");
    expect(() => nn.layers.multiply({ name: 'm1' }).build([shape])).toThrow("Multiply 'm1': needs at least 2 inputs, got 1");
  });

  const concatCases: [number, number[][]][] = [
    [-1, [[2, 3, 1], [2, 3, 4]]],
    [3, [[2, 3, 2], [2, 3, 3], [2, 3, 1]]],
    [1, [[1, 3, 2], [4, 3, 2]]],
    [-2, [[2, 1, 3], [2, 5, 3]]],
    [2, [[2, 2, 3], [2, 3, 3]]],
  ];
  for (const [axis, shapes] of concatCases) {
    it(`concatenate on axis ${axis} of [N, ${shapes.map((s) => `[${s}]`).join(' + ')}]: values and gradients`, () => {
      const rng = makeRng(seed + 7 * axis + shapes.length);
      const inputs = shapes.map((s) => randomArray(n * shapeSize(s), rng));
      const layer = nn.layers.concatenate({ axis });
      const y = forward(layer, shapes, n, inputs);
      const at = axis > 0 ? axis - 1 : shapes[0].length + axis;
      const outShape = layer.outputShape;
      expect(outShape[at]).toBe(shapes.reduce((a, s) => a + s[at], 0));
      // Reference: walk the output in row-major order and find which input each position reads.
      const want: number[] = [];
      const outer = n * shapes[0].slice(0, at).reduce((a, d) => a * d, 1);
      for (let o = 0; o < outer; o++) {
        shapes.forEach((s, k) => {
          const run = s.slice(at).reduce((a, d) => a * d, 1);
          want.push(...inputs[k].subarray(o * run, (o + 1) * run));
        });
      }
      expect(Array.from(y)).toEqual(want);
      checkLayerGradients({ layer: nn.layers.concatenate({ axis }), inputShapes: shapes, batch: n, rng });
    });
  }

  it('concatenate names the axis and shapes it cannot join', () => {
    expect(() => nn.layers.concatenate({ axis: 0, name: 'c0' })).toThrow("Concatenate 'c0': axis must be a non-zero integer (0 is the batch axis), got 0");
    expect(() => nn.layers.concatenate({ axis: 4, name: 'c4' }).build([[2, 3], [2, 3]])).toThrow("Concatenate 'c4': axis 4 is out of range for inputs of shape [N, 2, 3]");
    expect(() => nn.layers.concatenate({ axis: 1, name: 'c1' }).build([[2, 3], [2, 4]])).toThrow("Concatenate 'c1': inputs must match in all but axis 1; input 0 is [2, 3], input 1 is [2, 4]");
  });

  // Maximum and Minimum stay out: a parameter step of h can move a branch across the other, where
  // the loss has a kink; their layer check above uses inputs spaced wider than the step.
  it('a functional model joining two branches with subtract, multiply, average or concatenate has correct gradients', () => {
    const rng = makeRng(seed + 99);
    const x = nn.tensor(randomArray(6 * 4, rng), [6, 4]);
    const y = nn.tensor(randomArray(6 * 2, rng), [6, 2]);
    for (const merge of [nn.layers.subtract(), nn.layers.multiply(), nn.layers.average(), nn.layers.concatenate({ axis: 1 })]) {
      nn.setSeed(seed % 1000);
      const input = nn.input({ shape: [4] });
      const a = nn.layers.dense({ units: 3, activation: 'tanh' }).apply(input);
      const b = nn.layers.dense({ units: 3 }).apply(input);
      const out = nn.layers.dense({ units: 2 }).apply(merge.apply([a, b]));
      const model = nn.model({ inputs: input, outputs: out });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      checkModelGradients(model, x, y);
      model.dispose();
    }
  });
});
