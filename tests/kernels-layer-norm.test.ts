// Layer-normalisation kernels against float64 references, with bounds derived from the f32
// summation depth. A row's sums run four lanes of ⌈cols/4⌉ terms, then a 2-level horizontal
// sum and up to 3 tail terms: depth d = ⌈cols/4⌉ + 5, so a sum errs by at most d·u·Σ|term|
// (u = 2⁻²⁴). The mean then errs by (d + 1)·u·max|x|, the variance by (d + 4)·u relatively
// (plus the square of the mean's error), 1/√ halves that and adds 2u; every other step adds a few u.
import { describe, expect, it } from 'vitest';
import { layerNormArgs, layerNormBackward, layerNormForward } from '../src/core/kernels/layer-norm.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

const U = 2 ** -24;

/** Per-row float64 statistics and outputs of the definition. */
function reference(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, dy: Float32Array, rows: number, cols: number, eps: number) {
  const y = new Float64Array(x.length), dx = new Float64Array(x.length), xhat = new Float64Array(x.length);
  const dgamma = new Float64Array(cols), dbeta = new Float64Array(cols);
  const inv = new Float64Array(rows), maxAbs = new Float64Array(rows), meanAbsG = new Float64Array(rows), meanAbsGX = new Float64Array(rows), maxAbsXhat = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mu = 0, m = 0;
    for (let c = 0; c < cols; c++) { mu += x[o + c]; m = Math.max(m, Math.abs(x[o + c])); }
    mu /= cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[o + c] - mu) ** 2;
    inv[r] = 1 / Math.sqrt(v / cols + eps);
    maxAbs[r] = m;
    let sg = 0, sgx = 0;
    for (let c = 0; c < cols; c++) {
      const h = (x[o + c] - mu) * inv[r], g = (gamma ? gamma[c] : 1) * dy[o + c];
      xhat[o + c] = h;
      y[o + c] = (gamma ? gamma[c] : 1) * h + (beta ? beta[c] : 0);
      sg += g; sgx += g * h;
      meanAbsG[r] += Math.abs(g) / cols; meanAbsGX[r] += Math.abs(g * h) / cols;
      maxAbsXhat[r] = Math.max(maxAbsXhat[r], Math.abs(h));
      dgamma[c] += dy[o + c] * h; dbeta[c] += dy[o + c];
    }
    for (let c = 0; c < cols; c++) {
      const g = (gamma ? gamma[c] : 1) * dy[o + c];
      dx[o + c] = inv[r] * (g - sg / cols - xhat[o + c] * (sgx / cols));
    }
  }
  return { y, dx, xhat, dgamma, dbeta, inv, maxAbs, meanAbsG, meanAbsGX, maxAbsXhat };
}

function expectWithin(got: Float32Array, want: Float64Array, allowed: (i: number) => number, what: string): void {
  for (let i = 0; i < got.length; i++) {
    const bound = allowed(i);
    if (!(Math.abs(got[i] - want[i]) <= bound)) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} ± ${bound}`);
  }
}

// [rows, cols, offset of the inputs]: the offset tests that a large mean does not cancel the variance.
const CASES: [number, number, number][] = [[3, 1, 0], [5, 3, 0], [1, 7, 0], [4, 17, 0], [7, 33, 0], [2, 127, 0], [3, 33, 50], [1, 784, 0]];

describe('layer normalisation kernels against float64 references', () => {
  const seed = freshSeed();
  for (const affine of [true, false]) {
    CASES.forEach(([rows, cols, offset], ci) => {
      it(`x[${rows}, ${cols}] + ${offset}, ${affine ? 'gamma and beta' : 'no gamma, no beta'}: forward, input, gamma and beta gradients (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + 31 * ci + (affine ? 0 : 7));
        const eps = 1e-3;
        const x = randomArray(rows * cols, rng, offset - 1, offset + 1), dy = randomArray(rows * cols, rng);
        const gamma = affine ? randomArray(cols, rng, -1.5, 1.5) : null, beta = affine ? randomArray(cols, rng) : null;
        const ref = reference(x, gamma, beta, dy, rows, cols, eps);
        const ptrs = {
          input: toWasm(b, x), gradOutput: toWasm(b, dy), gamma: gamma ? toWasm(b, gamma) : 0, beta: beta ? toWasm(b, beta) : 0,
          output: allocWasm(b, rows * cols), mean: allocWasm(b, rows), invStd: allocWasm(b, rows), gradInput: allocWasm(b, rows * cols),
          gradGamma: allocWasm(b, cols), gradBeta: allocWasm(b, cols),
        };
        const a = Object.assign(layerNormArgs(), ptrs, { rows, cols, epsilon: eps });
        if (!affine) { a.gradGamma = 0; a.gradBeta = 0; }
        const d = Math.ceil(cols / 4) + 5;
        const g = (c: number) => (gamma ? Math.abs(gamma[c]) : 1);
        layerNormForward(a);
        // y = γ·(x − μ)·inv + β: the mean's error times inv, x̂'s relative error, the last two roundings.
        expectWithin(fromWasm(b, ptrs.output, rows * cols), ref.y, (i) => {
          const r = Math.floor(i / cols), c = i % cols;
          return (d + 4) * U * (g(c) * (ref.inv[r] * ref.maxAbs[r] + Math.abs(ref.xhat[i])) + (beta ? Math.abs(beta[c]) : 0)) + 1e-30;
        }, 'y');
        layerNormBackward(a);
        // dx = inv·(g − mean(g) − x̂·mean(g·x̂)): each term's error, x̂'s error through mean(g·x̂), and inv's relative error.
        expectWithin(fromWasm(b, ptrs.gradInput, rows * cols), ref.dx, (i) => {
          const r = Math.floor(i / cols), c = i % cols, inv = ref.inv[r], xhatErr = inv * ref.maxAbs[r] + ref.maxAbsXhat[r];
          const gi = g(c) * Math.abs(dy[i]);
          return (d + 6) * U * (inv * (gi + ref.meanAbsG[r] + (Math.abs(ref.xhat[i]) + xhatErr) * ref.meanAbsGX[r] +
            Math.abs(ref.xhat[i]) * ref.meanAbsG[r] * xhatErr) + Math.abs(ref.dx[i])) + 1e-30;
        }, 'dx');
        if (affine) {
          // Sums over rows (depth rows) of dy·x̂, each x̂ off by at most (d + 4)·u·(inv·max|x| + |x̂|).
          const sumAbs = (f: (r: number, c: number) => number) => (c: number) => { let s = 0; for (let r = 0; r < rows; r++) s += f(r, c); return s; };
          const dyXhat = sumAbs((r, c) => Math.abs(dy[r * cols + c] * ref.xhat[r * cols + c]));
          const dyXhatErr = sumAbs((r, c) => Math.abs(dy[r * cols + c]) * (ref.inv[r] * ref.maxAbs[r] + Math.abs(ref.xhat[r * cols + c])));
          const dyAbs = sumAbs((r, c) => Math.abs(dy[r * cols + c]));
          expectWithin(fromWasm(b, ptrs.gradGamma, cols), ref.dgamma, (c) => (rows + 2) * U * dyXhat(c) + (d + 4) * U * dyXhatErr(c) + 1e-30, 'dgamma');
          expectWithin(fromWasm(b, ptrs.gradBeta, cols), ref.dbeta, (c) => (rows + 2) * U * dyAbs(c) + 1e-30, 'dbeta');
        }
        // dx may overwrite dy in place (the layer never needs dy afterwards): the same values.
        const want = fromWasm(b, ptrs.gradInput, rows * cols);
        a.gradInput = ptrs.gradOutput;
        layerNormBackward(a);
        expect(Array.from(fromWasm(b, ptrs.gradOutput, rows * cols))).toEqual(Array.from(want));
        for (const p of Object.values(ptrs)) if (p) b.arena.release(p);
      });
    });
  }

  it(`without an input gradient only the parameter gradients are written (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed + 5);
    const rows = 3, cols = 9;
    const ptrs = {
      input: toWasm(b, randomArray(rows * cols, rng)), gradOutput: toWasm(b, randomArray(rows * cols, rng)), gamma: toWasm(b, randomArray(cols, rng)),
      output: allocWasm(b, rows * cols), mean: allocWasm(b, rows), invStd: allocWasm(b, rows), gradGamma: allocWasm(b, cols), gradBeta: allocWasm(b, cols),
    };
    const before = fromWasm(b, ptrs.gradOutput, rows * cols);
    const a = Object.assign(layerNormArgs(), ptrs, { rows, cols, epsilon: 1e-3, beta: 0, gradInput: 0 });
    layerNormForward(a);
    layerNormBackward(a);
    expect(Array.from(fromWasm(b, ptrs.gradOutput, rows * cols))).toEqual(Array.from(before));
    expect(fromWasm(b, ptrs.gradGamma, cols).every(Number.isFinite)).toBe(true);
    expect(fromWasm(b, ptrs.gradBeta, cols).every(Number.isFinite)).toBe(true);
    for (const p of Object.values(ptrs)) b.arena.release(p);
  });
});
