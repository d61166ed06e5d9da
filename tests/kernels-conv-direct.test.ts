// conv2dDirectNHWC: direct NHWC convolution forward with bias, against a float64 7-loop reference;
// through the wrapper, with each fusable activation applied in its write-back.
import { describe, expect, it } from 'vitest';
import { convArgs, conv2dDirect } from '../src/core/kernels/conv.js';
import { FUSED_CASES } from './helpers/activation-ref.js';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import { convCase, convForwardRef, convGeometry, padLabel, type ConvCase } from './helpers/conv-geometry.js';

const c = convCase;

const CASES: ConvCase[] = [
  c(2, 7, 9, 1, 8, 3, 3, 1, 1, 1, 1, 'same'),
  c(1, 9, 7, 2, 4, 3, 3, 2, 2, 1, 1, 'valid'),
  c(2, 11, 9, 3, 12, 5, 3, 3, 2, 1, 1, [[2, 0], [1, 3]]),
  c(1, 13, 11, 1, 20, 3, 3, 1, 1, 2, 2, 'same'),
  c(2, 9, 11, 2, 8, 2, 3, 2, 3, 2, 1, [[0, 3], [2, 1]]),
  c(3, 7, 7, 3, 4, 3, 2, 3, 3, 2, 2, 'valid'),
  c(1, 9, 9, 1, 12, 4, 4, 2, 2, 1, 1, 'same'),
  c(1, 11, 13, 3, 20, 3, 3, 3, 3, 1, 1, 'same'),
  c(1, 5, 7, 2, 8, 3, 3, 1, 2, 2, 1, 'same'),
  c(2, 15, 13, 1, 36, 5, 5, 1, 1, 1, 2, [[1, 3], [4, 0]]),
  c(1, 3, 5, 3, 4, 1, 1, 2, 1, 1, 1, 'valid'),
  // Whole output rows/columns whose window lies in the padding only: bias alone.
  c(1, 3, 5, 2, 12, 2, 2, 1, 1, 1, 1, [[3, 2], [0, 4]]),
];

describe('conv2dDirectNHWC against a float64 direct convolution', () => {
  const seed = freshSeed();
  CASES.forEach((cs, ci) => {
    const g = convGeometry(cs);
    for (const withBias of [true, false]) {
      const name = `x[${g.n},${g.h},${g.w},${g.inC}] k${g.kh}x${g.kw}→${g.outC} s${g.sh}x${g.sw} d${g.dh}x${g.dw} ${padLabel(g.padding)} → ${g.outH}x${g.outW}, ${withBias ? 'bias' : 'no bias'} (seed ${seed})`;
      it(name, async () => {
        const b = await backend();
        const rng = makeRng(seed + 101 * ci + (withBias ? 7 : 0));
        const x = randomArray(g.n * g.h * g.w * g.inC, rng), w = randomArray(g.K * g.outC, rng);
        const bias = withBias ? randomArray(g.outC, rng) : null;
        expect(g.outH).toBeGreaterThan(0);
        expect(g.outW).toBeGreaterThan(0);
        const px = toWasm(b, x), pw = toWasm(b, w), pb = bias ? toWasm(b, bias) : 0, py = allocWasm(b, g.M * g.outC);
        b.kernels.conv2dDirectNHWC(px, pw, pb, py, g.n, g.h, g.w, g.inC, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW, g.outC, 0, 0);
        const got = fromWasm(b, py, g.M * g.outC);
        for (const p of [px, pw, pb, py]) if (p) b.arena.release(p);
        expect(maxRelError(got, convForwardRef(g, x, w, bias))).toBeLessThan(1e-5);
      });
    }
  });
});

describe('conv2dDirect (wrapper) with a fused activation', () => {
  const seed = freshSeed();
  FUSED_CASES.forEach((act, ai) => {
    const ci = ai % CASES.length;
    const g = convGeometry(CASES[ci]);
    it(`${act.name}: x[${g.n},${g.h},${g.w},${g.inC}] k${g.kh}x${g.kw}→${g.outC} ${padLabel(g.padding)} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 13 * ai);
      const x = randomArray(g.n * g.h * g.w * g.inC, rng), w = randomArray(g.K * g.outC, rng), bias = randomArray(g.outC, rng);
      const px = toWasm(b, x), pw = toWasm(b, w), pb = toWasm(b, bias), py = allocWasm(b, g.M * g.outC);
      const window = { inH: g.h, inW: g.w, channels: g.inC, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw,
        dilationH: g.dh, dilationW: g.dw, padTop: g.padTop, padLeft: g.padLeft, outH: g.outH, outW: g.outW };
      conv2dDirect({ ...convArgs(window), batch: g.n, input: px, kernel: pw, bias: pb, output: py, filters: g.outC, activation: act.fused });
      const got = fromWasm(b, py, g.M * g.outC);
      for (const p of [px, pw, pb, py]) b.arena.release(p);
      const want = convForwardRef(g, x, w, bias).map(act.f);
      // The convolution's bound carried through an activation with |f'(s)·s| ≤ max(|f(s)|, 1), plus its rounding.
      expect(maxRelError(got, want)).toBeLessThan(2e-5 + 2e-6);
    });
  });
});
