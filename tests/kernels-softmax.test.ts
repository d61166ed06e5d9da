// Row-wise softmax, log-softmax and softmax backward against float64 references.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;

const SHAPES: [number, number][] = [[1, 1], [1, 3], [5, 5], [7, 7], [3, 7], [17, 10], [128, 10], [5, 33], [2, 127]];

/** float64 softmax and log-softmax of each row. */
function softmaxRef(x: ArrayLike<number>, rows: number, cols: number): { p: Float64Array; logp: Float64Array } {
  const p = new Float64Array(rows * cols), logp = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity, sum = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    // x − max is rounded to f32 as any f32 kernel must; the rest is exact float64.
    const shifted = (c: number) => (x instanceof Float64Array ? x[r * cols + c] - max : Math.fround(x[r * cols + c] - max));
    for (let c = 0; c < cols; c++) sum += Math.exp(shifted(c));
    for (let c = 0; c < cols; c++) {
      logp[r * cols + c] = shifted(c) - Math.log(sum);
      p[r * cols + c] = Math.exp(logp[r * cols + c]);
    }
  }
  return { p, logp };
}

function release(b: Backend, ...ptrs: number[]): void {
  for (const p of new Set(ptrs)) b.arena.release(p);
}

/** Runs a row kernel with inputs copied in; `inPlace` writes the output over the first input. */
function run(b: Backend, name: 'softmaxForward' | 'logSoftmaxForward', X: Float32Array, rows: number, cols: number, inPlace = false): Float32Array {
  const px = toWasm(b, X), py = inPlace ? px : allocWasm(b, rows * cols);
  b.kernels[name](px, py, rows, cols);
  const y = fromWasm(b, py, rows * cols);
  release(b, px, py);
  return y;
}

function backward(b: Backend, Y: Float32Array, DY: Float32Array, rows: number, cols: number, inPlace = false): Float32Array {
  const py = toWasm(b, Y), pdy = toWasm(b, DY), pdx = inPlace ? pdy : allocWasm(b, rows * cols);
  b.kernels.softmaxBackward(py, pdy, pdx, rows, cols);
  const dx = fromWasm(b, pdx, rows * cols);
  release(b, py, pdy, pdx);
  return dx;
}

describe('softmax kernels', () => {
  const seed = freshSeed();
  for (const [rows, cols] of SHAPES) {
    it(`forward and log-softmax ${rows}x${cols}, large offsets, in place too (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * 1000 + cols);
      // Rows far from 0 (±1000) would overflow a softmax that does not subtract the max.
      const X = randomArray(rows * cols, rng, -20, 20);
      for (let r = 0; r < rows; r++) {
        const offset = (rng() - 0.5) * 2000;
        for (let c = 0; c < cols; c++) X[r * cols + c] += offset;
      }
      const { p, logp } = softmaxRef(X, rows, cols);
      expect(maxRelError(run(b, 'softmaxForward', X, rows, cols), p, 1e-30)).toBeLessThan(2e-6);
      expect(maxRelError(run(b, 'softmaxForward', X, rows, cols, true), p, 1e-30)).toBeLessThan(2e-6);
      // log-softmax values are differences of large numbers: judge them against the row's scale.
      expect(maxRelError(run(b, 'logSoftmaxForward', X, rows, cols), logp, 1)).toBeLessThan(1e-6);
      expect(maxRelError(run(b, 'logSoftmaxForward', X, rows, cols, true), logp, 1)).toBeLessThan(1e-6);
    });
    it(`backward ${rows}x${cols} against y·(dy − Σ dy·y), in place too (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + rows * 77 + cols);
      const X = randomArray(rows * cols, rng, -4, 4), DY = randomArray(rows * cols, rng);
      const Y = run(b, 'softmaxForward', X, rows, cols);
      const want = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += DY[r * cols + c] * Y[r * cols + c];
        for (let c = 0; c < cols; c++) want[r * cols + c] = Y[r * cols + c] * (DY[r * cols + c] - dot);
      }
      // dy − Σ dy·y cancels; f32 leaves ~1e-7 absolute error, so tiny entries are judged absolutely.
      expect(maxRelError(backward(b, Y, DY, rows, cols), want, 0.1)).toBeLessThan(1e-5);
      expect(maxRelError(backward(b, Y, DY, rows, cols, true), want, 0.1)).toBeLessThan(1e-5);
    });
  }
  for (const [rows, cols] of [[3, 7], [2, 33]] as [number, number][]) {
    it(`backward equals central differences of L = Σ dy·softmax(x), f64 reference and kernel (${rows}x${cols}, seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 31 * cols);
      const X = randomArray(rows * cols, rng, -3, 3), DY = randomArray(rows * cols, rng);
      const dx = backward(b, run(b, 'softmaxForward', X, rows, cols), DY, rows, cols);
      const dot = (y: ArrayLike<number>) => Array.from(y).reduce((s, v, i) => s + v * DY[i], 0);
      const refFd = new Float64Array(rows * cols), kernelFd = new Float64Array(rows * cols);
      for (let i = 0; i < rows * cols; i++) {
        const xp = Float64Array.from(X), xm = Float64Array.from(X);
        xp[i] += 1e-6; xm[i] -= 1e-6;
        refFd[i] = (dot(softmaxRef(xp, rows, cols).p) - dot(softmaxRef(xm, rows, cols).p)) / 2e-6;
        const fp = Float32Array.from(X), fm = Float32Array.from(X);
        fp[i] = X[i] + 1e-2; fm[i] = X[i] - 1e-2;
        kernelFd[i] = (dot(run(b, 'softmaxForward', fp, rows, cols)) - dot(run(b, 'softmaxForward', fm, rows, cols))) / (fp[i] - fm[i]);
      }
      expect(maxRelError(dx, refFd, 1e-2)).toBeLessThan(1e-4);
      expect(maxRelError(dx, kernelFd, 1)).toBeLessThan(1e-4);
    });
  }
});
