// Transposed convolution (GEMM + col2im forward; im2col + two GEMMs backward) against a float64
// direct reference written from the definition: input pixel (iy, ix) adds x·W[ky, kx, f, c] into
// output pixel (iy·stride − pad + ky·dilation, ...) when that lies inside the output. Each element
// must fall within the rounding bound of its own sum (tests/helpers/sums.ts).
import { describe, expect, it } from 'vitest';
import { convTransposeArgs, convTransposeBackward, convTransposeColumnFloats, convTransposeForward } from '../src/core/kernels/conv-transpose.js';
import { transposedWindow2D, type TransposePadding } from '../src/core/transposed-window.js';
import type { Window2D } from '../src/core/geometry.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { Sums } from './helpers/sums.js';

/** [n, h, w, inC, filters, kh, kw, sh, sw, dh, dw, padding, outputPadding]. */
type Case = [number, number, number, number, number, number, number, number, number, number, number, TransposePadding, [number, number] | null];

const CASES: Case[] = [
  [2, 3, 5, 3, 5, 3, 3, 2, 2, 1, 1, 'same', null],
  [1, 4, 3, 7, 3, 3, 3, 2, 2, 1, 1, 'valid', null],
  [2, 5, 4, 1, 1, 2, 2, 2, 2, 1, 1, 'same', null], // even kernel: no overlap between taps
  [1, 3, 3, 5, 7, 5, 3, 3, 2, 1, 1, 'same', [2, 1]],
  [1, 4, 5, 2, 3, 3, 2, 1, 1, 2, 3, 'same', null], // dilation
  [2, 3, 4, 3, 2, 3, 3, 3, 2, 2, 1, 'valid', [1, 0]], // dilation with strides and output padding
  [1, 5, 3, 4, 17, 1, 1, 1, 1, 1, 1, 'valid', null], // pointwise
  [1, 3, 2, 33, 5, 2, 3, 3, 4, 1, 1, 'valid', null], // kernel shorter than the stride: gaps of bias alone
  [1, 2, 2, 3, 3, 4, 4, 2, 2, 1, 1, 'same', [1, 1]],
  [1, 1, 1, 3, 4, 3, 3, 2, 2, 1, 1, 'same', null], // one input pixel
  [1, 3, 4, 5, 6, 4, 3, 2, 3, 1, 1, 'same', [0, 2]], // even kernel, no output padding: taps cut at the end
  [3, 7, 6, 9, 4, 3, 3, 1, 1, 1, 1, 'same', null],
];

/** visit(xi, wi, yi) for every product x[xi]·W[wi] that adds into y[yi]. */
function eachProduct(c: Case, win: Window2D, visit: (xi: number, wi: number, yi: number) => void): void {
  const [n, h, w, inC, filters, kh, kw, sh, sw, dh, dw] = c;
  const outH = win.inH, outW = win.inW;
  for (let b = 0; b < n; b++) for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++)
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const oy = iy * sh - win.padTop + ky * dh, ox = ix * sw - win.padLeft + kx * dw;
      if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
      for (let f = 0; f < filters; f++) for (let ch = 0; ch < inC; ch++) {
        visit(((b * h + iy) * w + ix) * inC + ch, ((ky * kw + kx) * filters + f) * inC + ch, ((b * outH + oy) * outW + ox) * filters + f);
      }
    }
}

describe('transposed convolution kernels against float64 references', () => {
  const seed = freshSeed();
  CASES.forEach((c, ci) => {
    const [n, h, w, inC, filters, kh, kw, sh, sw, dh, dw, padding, outputPadding] = c;
    const win = transposedWindow2D([h, w, inC], filters, [kh, kw], [sh, sw], [dh, dw], padding, outputPadding, 'test');
    const label = `x[${n},${h},${w},${inC}] k${kh}x${kw}→${filters} s${sh}x${sw} d${dh}x${dw} ${padding} op ${JSON.stringify(outputPadding)} → ${win.inH}x${win.inW} (seed ${seed})`;
    it(`forward with bias, kernel, bias and input gradients: ${label}`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 97 * ci);
      const ySize = n * win.inH * win.inW * filters;
      const x = randomArray(n * h * w * inC, rng), kernel = randomArray(kh * kw * filters * inC, rng);
      const bias = randomArray(filters, rng), dy = randomArray(ySize, rng);
      const ptrs = {
        input: toWasm(b, x), kernel: toWasm(b, kernel), bias: toWasm(b, bias), gradOutput: toWasm(b, dy),
        output: allocWasm(b, ySize), columns: allocWasm(b, convTransposeColumnFloats(win, n)),
        gradKernel: allocWasm(b, kernel.length), gradBias: allocWasm(b, filters), gradInput: allocWasm(b, x.length),
      };
      const args = Object.assign(convTransposeArgs(win, inC), ptrs, { batch: n });
      const y = new Sums(ySize), dk = new Sums(kernel.length), dx = new Sums(x.length), db = new Sums(filters);
      for (let i = 0; i < ySize; i++) { y.add(i, bias[i % filters]); db.add(i % filters, dy[i]); }
      eachProduct(c, win, (xi, wi, yi) => { y.add(yi, x[xi] * kernel[wi]); dk.add(wi, x[xi] * dy[yi]); dx.add(xi, kernel[wi] * dy[yi]); });
      convTransposeForward(args);
      y.expectClose(fromWasm(b, ptrs.output, ySize));
      convTransposeBackward(args);
      dk.expectClose(fromWasm(b, ptrs.gradKernel, kernel.length));
      db.expectClose(fromWasm(b, ptrs.gradBias, filters));
      dx.expectClose(fromWasm(b, ptrs.gradInput, x.length));
      // Without an input gradient (first layer) the other gradients are the same, and dx is left alone.
      b.arena.f32.fill(-7, ptrs.gradInput >>> 2, (ptrs.gradInput >>> 2) + x.length);
      args.gradInput = 0;
      convTransposeBackward(args);
      dk.expectClose(fromWasm(b, ptrs.gradKernel, kernel.length));
      expect(fromWasm(b, ptrs.gradInput, x.length).every((v) => v === -7)).toBe(true);
      for (const p of Object.values(ptrs)) b.arena.release(p);
    });
  });
});
