// Depthwise convolution kernels (forward with fused bias and activation, kernel gradient, input
// gradient) against float64 references, each element within the rounding bound of its own sum.
import { describe, expect, it } from 'vitest';
import { depthwiseArgs, depthwiseForward, depthwiseInputGrad, depthwiseKernelGrad } from '../src/core/kernels/depthwise.js';
import { FUSED_CASES } from './helpers/activation-ref.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { convCase, convGeometry, padLabel, tapAt, type ConvGeometry, type Padding } from './helpers/conv-geometry.js';
import { Sums } from './helpers/sums.js';

type Backend = Awaited<ReturnType<typeof backend>>;

/** [n, h, w, inC, multiplier, kh, kw, sh, sw, dh, dw, padding]. */
type DepthwiseCase = [number, number, number, number, number, number, number, number, number, number, number, Padding];

const CASES: DepthwiseCase[] = [
  [2, 7, 9, 5, 1, 3, 3, 1, 1, 1, 1, 'same'],
  [1, 9, 7, 7, 1, 3, 3, 2, 2, 1, 1, 'same'], // odd channels, stride 2
  [2, 9, 8, 3, 2, 3, 3, 1, 1, 2, 2, 'same'], // multiplier 2, dilation 2
  [1, 11, 9, 5, 2, 3, 2, 2, 1, 2, 1, 'valid'],
  [2, 7, 7, 3, 4, 3, 3, 2, 2, 1, 1, 'valid'], // multiplier 4: one input channel per vector
  [1, 8, 10, 9, 3, 5, 3, 1, 2, 1, 2, [[2, 0], [1, 3]]], // multiplier 3: gathered lanes
  [1, 6, 6, 13, 1, 3, 3, 1, 1, 1, 1, 'valid'],
  [1, 3, 5, 2, 1, 2, 2, 1, 1, 1, 1, [[3, 2], [0, 4]]], // whole rows in the padding: bias alone
  [3, 5, 4, 1, 1, 1, 1, 1, 1, 1, 1, 'valid'],
  // 16-channel register blocks, then 4, then a tail: multiplier 1, 4 (splat) and 2 (gathered).
  [2, 6, 7, 19, 1, 3, 3, 1, 1, 1, 1, 'same'],
  [1, 7, 6, 37, 1, 3, 3, 2, 2, 1, 1, 'same'],
  [1, 6, 5, 5, 4, 3, 3, 1, 1, 1, 1, 'same'],
  [1, 5, 6, 9, 2, 2, 3, 1, 2, 2, 1, 'valid'],
  // Stride 1, multiplier 1: the input gradient runs the forward loop over the flipped kernel.
  [2, 9, 8, 6, 1, 3, 2, 1, 1, 2, 3, [[1, 3], [2, 0]]],
  [1, 7, 7, 17, 1, 3, 3, 1, 1, 2, 2, 'same'],
];

/** A case as a conv geometry with outC = inC·multiplier. */
function geometry(cs: DepthwiseCase): ConvGeometry & { mult: number } {
  const [n, h, w, inC, mult, kh, kw, sh, sw, dh, dw, padding] = cs;
  return { ...convGeometry(convCase(n, h, w, inC, inC * mult, kh, kw, sh, sw, dh, dw, padding)), mult };
}

/** visit(xi, wi, yi) for every product x[xi]·kernel[wi] that adds into y[yi]. */
function eachProduct(g: ReturnType<typeof geometry>, visit: (xi: number, wi: number, yi: number) => void): void {
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++)
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = tapAt(oy, ky, g.sh, g.dh, g.padTop, g.h), ix = tapAt(ox, kx, g.sw, g.dw, g.padLeft, g.w);
      if (iy < 0 || ix < 0) continue;
      for (let co = 0; co < g.outC; co++) {
        const ci = Math.floor(co / g.mult);
        visit(((b * g.h + iy) * g.w + ix) * g.inC + ci, (ky * g.kw + kx) * g.outC + co, ((b * g.outH + oy) * g.outW + ox) * g.outC + co);
      }
    }
}

function run(b: Backend, g: ReturnType<typeof geometry>, rng: () => number) {
  const x = randomArray(g.n * g.h * g.w * g.inC, rng), w = randomArray(g.kh * g.kw * g.outC, rng);
  const bias = randomArray(g.outC, rng), dy = randomArray(g.M * g.outC, rng);
  const window = { inH: g.h, inW: g.w, channels: g.inC, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw,
    dilationH: g.dh, dilationW: g.dw, padTop: g.padTop, padLeft: g.padLeft, outH: g.outH, outW: g.outW };
  const args = depthwiseArgs(window, g.mult);
  const ptrs = { input: toWasm(b, x), kernel: toWasm(b, w), bias: toWasm(b, bias), gradOutput: toWasm(b, dy),
    output: allocWasm(b, g.M * g.outC), gradKernel: allocWasm(b, w.length), gradInput: allocWasm(b, x.length) };
  Object.assign(args, ptrs, { batch: g.n });
  const release = () => { for (const p of Object.values(ptrs)) b.arena.release(p); };
  return { x, w, bias, dy, args, ptrs, release };
}

describe('depthwise convolution kernels against float64 references', () => {
  const seed = freshSeed();
  CASES.forEach((cs, ci) => {
    const g = geometry(cs);
    const label = `x[${g.n},${g.h},${g.w},${g.inC}] k${g.kh}x${g.kw}×${g.mult} s${g.sh}x${g.sw} d${g.dh}x${g.dw} ${padLabel(g.padding)} → ${g.outH}x${g.outW} (seed ${seed})`;
    it(`forward with bias, kernel gradient, input gradient: ${label}`, async () => {
      const b = await backend();
      const { x, w, bias, dy, args, ptrs, release } = run(b, g, makeRng(seed + 101 * ci));
      const y = new Sums(g.M * g.outC), dw = new Sums(w.length), dx = new Sums(x.length);
      for (let i = 0; i < g.M * g.outC; i++) y.add(i, bias[i % g.outC]);
      eachProduct(g, (xi, wi, yi) => { y.add(yi, x[xi] * w[wi]); dw.add(wi, x[xi] * dy[yi]); dx.add(xi, w[wi] * dy[yi]); });
      depthwiseForward(args);
      y.expectClose(fromWasm(b, ptrs.output, g.M * g.outC));
      depthwiseKernelGrad(args);
      dw.expectClose(fromWasm(b, ptrs.gradKernel, w.length));
      depthwiseInputGrad(args);
      dx.expectClose(fromWasm(b, ptrs.gradInput, x.length));
      release();
    });
  });

  FUSED_CASES.forEach((act, ai) => {
    const g = geometry(CASES[ai % CASES.length]);
    it(`forward with ${act.name} fused: x[${g.n},${g.h},${g.w},${g.inC}]×${g.mult} (seed ${seed})`, async () => {
      const b = await backend();
      const { x, w, bias, args, ptrs, release } = run(b, g, makeRng(seed + 13 * ai + 7));
      const y = new Sums(g.M * g.outC);
      for (let i = 0; i < g.M * g.outC; i++) y.add(i, bias[i % g.outC]);
      eachProduct(g, (xi, wi, yi) => y.add(yi, x[xi] * w[wi]));
      args.activation = act.fused;
      depthwiseForward(args);
      // Every fusable activation has slope at most 1.76 (selu).
      y.expectClose(fromWasm(b, ptrs.output, g.M * g.outC), act.f, 1.76);
      release();
    });
  });
});
