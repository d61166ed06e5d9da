// Batch normalisation over N·H·W per channel: training forward/backward, inference, moving statistics.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import { centralDifference, dot, sampleIndices } from './helpers/conv-geometry.js';
import type { Backend } from '../src/core/wasm.js';

const EPS = 1e-3; // Keras default epsilon

/** float64 reference of the training forward over x [rows, c]. */
function forwardRef(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, rows: number, c: number) {
  const mean = new Float64Array(c), variance = new Float64Array(c), invStd = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / rows;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / rows;
  for (let ch = 0; ch < c; ch++) invStd[ch] = 1 / Math.sqrt(variance[ch] + EPS);
  const xhat = new Float64Array(x.length), y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    xhat[i] = (x[i] - mean[ch]) * invStd[ch];
    y[i] = (gamma ? gamma[ch] : 1) * xhat[i] + (beta ? beta[ch] : 0);
  }
  return { mean, variance, invStd, xhat, y };
}

/** float64 reference gradients of Σ dy·y, written out from the chain rule through mean and variance. */
function backwardRef(x: Float32Array, gamma: Float32Array, dy: Float32Array, rows: number, c: number) {
  const { mean, invStd, xhat } = forwardRef(x, gamma, null, rows, c);
  const dbeta = new Float64Array(c), dgamma = new Float64Array(c), dvar = new Float64Array(c), dmean = new Float64Array(c);
  for (let i = 0; i < x.length; i++) { dbeta[i % c] += dy[i]; dgamma[i % c] += dy[i] * xhat[i]; }
  for (let i = 0; i < x.length; i++) {
    const ch = i % c, dxhat = dy[i] * gamma[ch];
    dvar[ch] += dxhat * (x[i] - mean[ch]) * -0.5 * invStd[ch] ** 3;
    dmean[ch] += -dxhat * invStd[ch];
  }
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    dx[i] = dy[i] * gamma[ch] * invStd[ch] + (dvar[ch] * 2 * (x[i] - mean[ch])) / rows + dmean[ch] / rows;
  }
  return { dx, dgamma, dbeta };
}

function forwardWasm(b: Backend, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, rows: number, c: number) {
  const px = toWasm(b, x), pg = gamma ? toWasm(b, gamma) : 0, pb = beta ? toWasm(b, beta) : 0;
  const py = allocWasm(b, x.length), pxh = allocWasm(b, x.length), pm = allocWasm(b, c), pv = allocWasm(b, c), pi = allocWasm(b, c);
  b.kernels.batchNormForwardTrain(px, pg, pb, py, pxh, pm, pv, pi, rows, c, EPS);
  const out = {
    y: fromWasm(b, py, x.length), xhat: fromWasm(b, pxh, x.length),
    mean: fromWasm(b, pm, c), variance: fromWasm(b, pv, c), invStd: fromWasm(b, pi, c),
  };
  for (const p of [px, pg, pb, py, pxh, pm, pv, pi]) b.arena.release(p);
  return out;
}

function backwardWasm(b: Backend, dy: Float32Array, xhat: Float32Array, gamma: Float32Array | null, invStd: Float32Array, rows: number, c: number, dx0?: Float32Array) {
  const pdy = toWasm(b, dy), pxh = toWasm(b, xhat), pg = gamma ? toWasm(b, gamma) : 0, pi = toWasm(b, invStd);
  const pdx = dx0 ? toWasm(b, dx0) : allocWasm(b, dy.length), pdg = allocWasm(b, c), pdb = allocWasm(b, c);
  b.kernels.batchNormBackward(pdy, pxh, pg, pi, pdx, pdg, pdb, rows, c, dx0 ? 1 : 0);
  const out = { dx: fromWasm(b, pdx, dy.length), dgamma: fromWasm(b, pdg, c), dbeta: fromWasm(b, pdb, c) };
  for (const p of [pdy, pxh, pg, pi, pdx, pdg, pdb]) b.arena.release(p);
  return out;
}

// [N, H, W, C] feature maps and dense [N, C] inputs (H = W = 1).
const SHAPES: [number, number, number, number][] = [[2, 5, 7, 3], [3, 3, 5, 5], [1, 7, 9, 6], [2, 3, 3, 1], [17, 1, 1, 5], [9, 1, 1, 6]];

describe('batch normalisation', () => {
  const seed = freshSeed();
  SHAPES.forEach(([n, h, w, c], si) => {
    const rows = n * h * w;
    const name = `x[${n},${h},${w},${c}] (seed ${seed})`;
    const data = () => {
      const rng = makeRng(seed + 17 * si);
      // An offset mean of about 3 checks the statistics do not lose the variance to cancellation.
      return {
        rng, x: randomArray(rows * c, rng, 1, 5), gamma: randomArray(c, rng, 0.5, 1.5),
        beta: randomArray(c, rng), dy: randomArray(rows * c, rng),
      };
    };

    it(`training forward matches the float64 reference, with and without γ/β: ${name}`, async () => {
      const b = await backend();
      const { x, gamma, beta } = data();
      const got = forwardWasm(b, x, gamma, beta, rows, c), ref = forwardRef(x, gamma, beta, rows, c);
      for (const key of ['y', 'xhat', 'mean', 'variance', 'invStd'] as const) {
        expect(maxRelError(got[key], ref[key]), key).toBeLessThan(1e-5);
      }
      const bare = forwardWasm(b, x, null, null, rows, c);
      expect(maxRelError(bare.y, ref.xhat)).toBeLessThan(1e-5);
    });

    it(`backward matches the float64 reference and accumulates into dx: ${name}`, async () => {
      const b = await backend();
      const { rng, x, gamma, beta, dy } = data();
      const fwd = forwardWasm(b, x, gamma, beta, rows, c);
      const got = backwardWasm(b, dy, fwd.xhat, gamma, fwd.invStd, rows, c), ref = backwardRef(x, gamma, dy, rows, c);
      expect(maxRelError(got.dx, ref.dx)).toBeLessThan(1e-5);
      expect(maxRelError(got.dgamma, ref.dgamma)).toBeLessThan(1e-5);
      expect(maxRelError(got.dbeta, ref.dbeta)).toBeLessThan(1e-5);
      const dx0 = randomArray(x.length, rng);
      const acc = backwardWasm(b, dy, fwd.xhat, gamma, fwd.invStd, rows, c, dx0);
      expect(maxRelError(acc.dx, ref.dx.map((v, i) => v + dx0[i]))).toBeLessThan(1e-5);
      const ones = new Float32Array(c).fill(1);
      const bare = backwardWasm(b, dy, fwd.xhat, null, fwd.invStd, rows, c);
      expect(maxRelError(bare.dx, backwardRef(x, ones, dy, rows, c).dx)).toBeLessThan(1e-5);
    });

    it(`gradients match central differences of the wasm forward: ${name}`, async () => {
      const b = await backend();
      const { rng, x, gamma, beta, dy } = data();
      const fwd = forwardWasm(b, x, gamma, beta, rows, c);
      const got = backwardWasm(b, dy, fwd.xhat, gamma, fwd.invStd, rows, c);
      const loss = (xv: Float32Array, g: Float32Array, bt: Float32Array) => dot(dy, forwardWasm(b, xv, g, bt, rows, c).y);
      const xi = sampleIndices(x.length, 4, rng), ci = sampleIndices(c, 2, rng);
      const h = 2e-2;
      expect(maxRelError(xi.map((i) => got.dx[i]), xi.map((i) => centralDifference(x, i, h, (v) => loss(v, gamma, beta))))).toBeLessThan(2e-3);
      expect(maxRelError(ci.map((i) => got.dgamma[i]), ci.map((i) => centralDifference(gamma, i, h, (v) => loss(x, v, beta))))).toBeLessThan(2e-3);
      expect(maxRelError(ci.map((i) => got.dbeta[i]), ci.map((i) => centralDifference(beta, i, h, (v) => loss(x, gamma, v))))).toBeLessThan(2e-3);
    });

    it(`inference uses the moving statistics; the moving update follows Keras: ${name}`, async () => {
      const b = await backend();
      const { rng, x, gamma, beta } = data();
      const mm = randomArray(c, rng, 1, 5), mv = randomArray(c, rng, 0.2, 2);
      const run = (g: Float32Array | null, bt: Float32Array | null) => {
        const px = toWasm(b, x), py = allocWasm(b, x.length), pm = toWasm(b, mm), pv = toWasm(b, mv);
        const pg = g ? toWasm(b, g) : 0, pb = bt ? toWasm(b, bt) : 0, scratch = allocWasm(b, 2 * c);
        b.kernels.batchNormInference(px, py, pm, pv, pg, pb, scratch, rows, c, EPS);
        const y = fromWasm(b, py, x.length);
        for (const p of [px, py, pm, pv, pg, pb, scratch]) b.arena.release(p);
        return y;
      };
      const ref = (g: Float32Array | null, bt: Float32Array | null) => Float64Array.from(x, (v, i) =>
        (g ? g[i % c] : 1) * (v - mm[i % c]) / Math.sqrt(mv[i % c] + EPS) + (bt ? bt[i % c] : 0));
      expect(maxRelError(run(gamma, beta), ref(gamma, beta))).toBeLessThan(1e-5);
      expect(maxRelError(run(null, null), ref(null, null))).toBeLessThan(1e-5);

      const bm = randomArray(c, rng), bv = randomArray(c, rng, 0, 2), momentum = 0.99;
      const pm = toWasm(b, mm), pv = toWasm(b, mv), pbm = toWasm(b, bm), pbv = toWasm(b, bv);
      b.kernels.batchNormUpdateMoving(pm, pv, pbm, pbv, c, momentum);
      const newMean = fromWasm(b, pm, c), newVar = fromWasm(b, pv, c);
      for (const p of [pm, pv, pbm, pbv]) b.arena.release(p);
      expect(maxRelError(newMean, Float64Array.from(mm, (m, i) => momentum * m + (1 - momentum) * bm[i]))).toBeLessThan(1e-6);
      expect(maxRelError(newVar, Float64Array.from(mv, (v, i) => momentum * v + (1 - momentum) * bv[i]))).toBeLessThan(1e-6);
    });
  });

  it('y may alias x in the training forward and in inference', async () => {
    const b = await backend();
    const rng = makeRng(freshSeed());
    const rows = 13, c = 7, x = randomArray(rows * c, rng, -2, 3), gamma = randomArray(c, rng), beta = randomArray(c, rng);
    const ref = forwardRef(x, gamma, beta, rows, c);
    const px = toWasm(b, x), pg = toWasm(b, gamma), pb = toWasm(b, beta);
    const pxh = allocWasm(b, x.length), pm = allocWasm(b, c), pv = allocWasm(b, c), pi = allocWasm(b, c);
    b.kernels.batchNormForwardTrain(px, pg, pb, px, pxh, pm, pv, pi, rows, c, EPS);
    expect(maxRelError(fromWasm(b, px, x.length), ref.y)).toBeLessThan(1e-5);
    expect(maxRelError(fromWasm(b, pxh, x.length), ref.xhat)).toBeLessThan(1e-5);
    // Inference in place on the result, with the batch statistics standing in for moving ones.
    const y = fromWasm(b, px, x.length), mean = fromWasm(b, pm, c), variance = fromWasm(b, pv, c);
    const scratch = allocWasm(b, 2 * c);
    b.kernels.batchNormInference(px, px, pm, pv, pg, pb, scratch, rows, c, EPS);
    const want = Float64Array.from(y, (v, i) => gamma[i % c] * (v - mean[i % c]) / Math.sqrt(variance[i % c] + EPS) + beta[i % c]);
    expect(maxRelError(fromWasm(b, px, x.length), want)).toBeLessThan(1e-5);
    for (const p of [px, pg, pb, pxh, pm, pv, pi, scratch]) b.arena.release(p);
  });
});
