import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, maxRelError, randomArray } from './helpers/kernels.js';

const seed = freshSeed();

describe(`ops (seed ${seed})`, () => {
  it('matMul with every transpose matches a float64 product', async () => {
    await nn.ready();
    const rng = makeRng(seed);
    const [m, k, n] = [5, 7, 3];
    const a = randomArray(m * k, rng), b = randomArray(k * n, rng);
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += a[i * k + p] * b[p * n + j];
    const transpose = (v: Float32Array, r: number, c: number) => {
      const t = new Float32Array(v.length);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = v[i * c + j];
      return t;
    };
    const aT = nn.tensor(transpose(a, m, k), [k, m]);
    const bT = nn.tensor(transpose(b, k, n), [n, k]);
    const A = nn.tensor(a, [m, k]), B = nn.tensor(b, [k, n]);
    for (const [x, y, opts] of [[A, B, {}], [aT, B, { transposeA: true }], [A, bT, { transposeB: true }], [aT, bT, { transposeA: true, transposeB: true }]] as const) {
      const c = nn.ops.matMul(x, y, opts);
      expect(c.shape).toEqual([m, n]);
      expect(maxRelError(c.data, want)).toBeLessThan(1e-5);
    }
  });

  it('add and mul: same shape and a vector over the last axis', async () => {
    await nn.ready();
    const rng = makeRng(seed + 1);
    const a = randomArray(15, rng), b = randomArray(15, rng), v = randomArray(5, rng);
    expect(Array.from(nn.ops.add(nn.tensor(a, [3, 5]), nn.tensor(b, [3, 5])).data)).toEqual(Array.from(a, (x, i) => Math.fround(x + b[i])));
    expect(Array.from(nn.ops.mul(nn.tensor(a, [3, 5]), nn.tensor(v, [5])).data)).toEqual(Array.from(a, (x, i) => Math.fround(x * v[i % 5])));
  });

  it('activations and softmax match float64 formulas', async () => {
    await nn.ready();
    const rng = makeRng(seed + 2);
    const x = randomArray(3 * 7, rng, -4, 4);
    const t = nn.tensor(x, [3, 7]);
    const check = (got: nn.Tensor, f: (v: number) => number) => expect(maxRelError(got.data, Array.from(x, f))).toBeLessThan(1e-5);
    check(nn.ops.relu(t), (v) => Math.max(v, 0));
    check(nn.ops.sigmoid(t), (v) => 1 / (1 + Math.exp(-v)));
    check(nn.ops.tanh(t), Math.tanh);
    check(nn.ops.leakyRelu(t), (v) => (v > 0 ? v : 0.2 * v));
    check(nn.ops.elu(t, 0.5), (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1)));
    const soft = nn.ops.softmax(t);
    const logSoft = nn.ops.logSoftmax(t);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(x.subarray(r * 7, r * 7 + 7));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      expect(maxRelError(soft.data.subarray(r * 7, r * 7 + 7), row.map((v) => Math.exp(v - lse)))).toBeLessThan(1e-5);
      expect(maxRelError(logSoft.data.subarray(r * 7, r * 7 + 7), row.map((v) => v - lse))).toBeLessThan(1e-5);
    }
  });
});

describe('tensor', () => {
  it('infers shapes, reshapes, argMax and round-trips to arrays', () => {
    const t = nn.tensor([[1, 5, 2], [7, 0, 3]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.reshape([3, -1]).shape).toEqual([3, 2]);
    expect(Array.from(t.argMax(-1).data)).toEqual([1, 0]);
    expect(Array.from(t.argMax(0).data)).toEqual([1, 0, 1]);
    expect(t.toArray()).toEqual([[1, 5, 2], [7, 0, 3]]);
    expect(() => t.reshape([4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 values) to [4, 2]');
  });
});
