// im2col / col2im + gemm: conv2d forward, input gradient and weight gradient (NHWC, [kh, kw, inC, outC]).
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import { centralDifference, convCase, convForwardRef, convGeometry, dot, eachConvProduct, padLabel, sampleIndices, type ConvCase, type ConvGeometry } from './helpers/conv-geometry.js';
import type { Backend } from '../src/core/wasm.js';

type Geo = ConvGeometry;

function convGradRef(g: Geo, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  eachConvProduct(g, (xi, wi, yi) => { dx[xi] += dy[yi] * w[wi]; dw[wi] += dy[yi] * x[xi]; });
  return { dx, dw };
}

/** Arguments shared by im2colNHWC and col2imNHWC after the two pointers. */
function shapeArgs(g: Geo): [number, number, number, number, number, number, number, number, number, number, number, number, number, number] {
  return [g.n, g.h, g.w, g.inC, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW];
}

/** Forward as the façade runs it: im2col into columns, then Y = cols · W. */
function convWasm(b: Backend, g: Geo, x: Float32Array, w: Float32Array): Float32Array {
  const px = toWasm(b, x), pw = toWasm(b, w), cols = allocWasm(b, g.M * g.K), py = allocWasm(b, g.M * g.outC);
  const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
  b.kernels.im2colNHWC(px, cols, ...shapeArgs(g));
  b.kernels.gemm(0, 0, g.M, g.outC, g.K, cols, g.K, pw, g.outC, py, g.outC, 0, 0, 0, 0, scratch);
  const y = fromWasm(b, py, g.M * g.outC);
  for (const p of [px, pw, cols, py, scratch]) b.arena.release(p);
  return y;
}

/** Backward as the façade runs it: dW = colsᵀ·dY; dCols = dY·Wᵀ then col2im (onto dx0 if given). */
function convGradWasm(b: Backend, g: Geo, x: Float32Array, w: Float32Array, dy: Float32Array, dx0?: Float32Array) {
  const px = toWasm(b, x), pw = toWasm(b, w), pdy = toWasm(b, dy);
  const cols = allocWasm(b, g.M * g.K), dcols = allocWasm(b, g.M * g.K), pdw = allocWasm(b, w.length);
  const pdx = dx0 ? toWasm(b, dx0) : allocWasm(b, x.length);
  const scratch = b.arena.alloc(b.kernels.gemmScratchBytes());
  b.kernels.im2colNHWC(px, cols, ...shapeArgs(g));
  b.kernels.gemm(1, 0, g.K, g.outC, g.M, cols, g.K, pdy, g.outC, pdw, g.outC, 0, 0, 0, 0, scratch);
  b.kernels.gemm(0, 1, g.M, g.K, g.outC, pdy, g.outC, pw, g.outC, dcols, g.K, 0, 0, 0, 0, scratch);
  b.kernels.col2imNHWC(dcols, pdx, ...shapeArgs(g), dx0 ? 1 : 0);
  const dx = fromWasm(b, pdx, x.length), dw = fromWasm(b, pdw, w.length);
  for (const p of [px, pw, pdy, cols, dcols, pdw, pdx, scratch]) b.arena.release(p);
  return { dx, dw };
}

const c = convCase;

const CASES: ConvCase[] = [
  c(2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, 'same'),
  c(1, 9, 7, 5, 6, 3, 3, 2, 2, 1, 1, 'valid'),
  c(2, 11, 9, 1, 3, 5, 3, 3, 2, 1, 1, [[2, 0], [1, 3]]),
  c(1, 13, 11, 6, 1, 3, 3, 1, 1, 2, 2, 'same'),
  c(2, 9, 11, 3, 6, 2, 3, 2, 3, 2, 1, [[0, 3], [2, 1]]),
  c(1, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 'valid'),
  c(3, 7, 7, 6, 3, 3, 2, 3, 3, 2, 2, 'valid'),
  c(1, 9, 9, 1, 1, 4, 4, 2, 2, 1, 1, 'same'),
  c(1, 11, 13, 3, 5, 3, 3, 3, 3, 1, 1, 'same'),
  c(1, 5, 7, 3, 4, 3, 3, 1, 2, 2, 1, 'same'),
  // Whole output rows/columns whose window lies in the padding only.
  c(1, 3, 5, 5, 3, 2, 2, 1, 1, 1, 1, [[3, 2], [0, 4]]),
];

describe('conv2d via im2col/col2im + gemm', () => {
  const seed = freshSeed();
  CASES.forEach((cs, ci) => {
    const g = convGeometry(cs);
    const name = `x[${g.n},${g.h},${g.w},${g.inC}] k${g.kh}x${g.kw}→${g.outC} s${g.sh}x${g.sw} d${g.dh}x${g.dw} ${padLabel(g.padding)} → ${g.outH}x${g.outW} (seed ${seed})`;
    const data = () => {
      const rng = makeRng(seed + 101 * ci);
      return { rng, x: randomArray(g.n * g.h * g.w * g.inC, rng), w: randomArray(g.K * g.outC, rng), dy: randomArray(g.M * g.outC, rng) };
    };

    it(`forward matches the direct convolution: ${name}`, async () => {
      const b = await backend();
      const { x, w } = data();
      expect(g.outH).toBeGreaterThan(0);
      expect(maxRelError(convWasm(b, g, x, w), convForwardRef(g, x, w))).toBeLessThan(1e-5);
    });

    it(`input and weight gradients match float64 references, col2im accumulates: ${name}`, async () => {
      const b = await backend();
      const { rng, x, w, dy } = data();
      const ref = convGradRef(g, x, w, dy);
      const got = convGradWasm(b, g, x, w, dy);
      expect(maxRelError(got.dx, ref.dx)).toBeLessThan(1e-5);
      expect(maxRelError(got.dw, ref.dw)).toBeLessThan(1e-5);
      const dx0 = randomArray(x.length, rng);
      const acc = convGradWasm(b, g, x, w, dy, dx0);
      expect(maxRelError(acc.dx, ref.dx.map((v, i) => v + dx0[i]))).toBeLessThan(1e-5);
    });

    it(`gradients match central differences of the wasm forward: ${name}`, async () => {
      const b = await backend();
      const { rng, x, w, dy } = data();
      const got = convGradWasm(b, g, x, w, dy);
      const loss = (xv: Float32Array, wv: Float32Array) => dot(dy, convWasm(b, g, xv, wv));
      const xi = sampleIndices(x.length, 4, rng), wi = sampleIndices(w.length, 4, rng);
      const fdX = xi.map((i) => centralDifference(x, i, 0.05, (v) => loss(v, w)));
      const fdW = wi.map((i) => centralDifference(w, i, 0.05, (v) => loss(x, v)));
      expect(maxRelError(xi.map((i) => got.dx[i]), fdX)).toBeLessThan(1e-3);
      expect(maxRelError(wi.map((i) => got.dw[i]), fdW)).toBeLessThan(1e-3);
    });
  });
});
