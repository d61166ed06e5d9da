// Direct NHWC convolution forward, for small patches (kh·kw·inC of a few dozen at most) where
// im2col's per-pixel copies cost more than the multiply-adds they feed: each output pixel keeps
// its outC accumulators in f32x4 registers (16, 8 or 4 channels per pass), starts them from the
// bias, and for every in-bounds tap and input channel adds splat(x) · kernel row
// kernel[(ky·kw + kx)·inC + c, block]. Padded taps are skipped, never read.
// kernel is [kh, kw, inC, outC] (Keras order), x [n, inH, inW, inC], y [n, outH, outW, outC].
import { applyEpilogue } from './epilogue';
import { at, endTap, firstTap } from './nhwc';

/**
 * y = act(conv2d(x, kernel) + bias), NHWC. bias = 0 means no bias; act is an ACT_ code of
 * activation-lanes.ts with its alpha, applied to each output row while it is in L1. outC must be a multiple of 4.
 * Padding is given as top/left amounts; the caller's outH/outW imply the bottom/right padding.
 * y must not alias x or kernel.
 */
export function conv2dDirectNHWC(
  x: usize, kernel: usize, bias: usize, y: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  outC: i32, act: i32, alpha: f32,
): void {
  const wStep = <usize>outC << 2; // one kernel row (one tap, one input channel)
  const wRowStep = <usize>(kw * inC) * wStep; // one ky slice of the kernel
  const xRowStep = <usize>(dilationH * inW * inC) << 2;
  const xTapStep = <usize>(dilationW * inC) << 2;
  const xPixStep = <usize>(strideW * inC) << 2; // next output pixel's window
  let dst = y;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const rowStart = dst;
      const ky0 = firstTap(oy, strideH, padTop, dilationH);
      const ky1 = endTap(oy, strideH, padTop, dilationH, inH, kh);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ) {
        const kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const kx1 = endTap(ox, strideW, padLeft, dilationW, inW, kw);
        const ix0 = ox * strideW - padLeft;
        // Two neighbouring pixels with the same window (the interior) share each kernel load.
        const pair = ox + 1 < outW && firstTap(ox + 1, strideW, padLeft, dilationW) == kx0 &&
          endTap(ox + 1, strideW, padLeft, dilationW, inW, kw) == kx1;
        let rows = ky1 - ky0, taps = kx1 - kx0;
        if (rows <= 0 || taps <= 0) rows = 0;
        // With dilation 1 along x, a window row is one contiguous run of taps·inC inputs, and
        // its kernel rows are contiguous too: one run per row instead of one per tap.
        let run = inC;
        if (dilationW == 1) { run = taps * inC; taps = 1; }
        // First in-bounds tap: its input pixel and its kernel row (both valid addresses).
        const xs = rows ? at(image, ((iy0 + ky0 * dilationH) * inW + ix0 + kx0 * dilationW) * inC) : image;
        const ws = kernel + <usize>((ky0 * kw + kx0) * inC) * wStep;
        let j = 0;
        if (pair) {
          const xs2 = xs + xPixStep, dst2 = at(dst, outC);
          for (; j + 16 <= outC; j += 16) {
            block16(xs, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
            block16(xs2, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst2, j), rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
          }
          for (; j + 8 <= outC; j += 8) block8x2(xs, xPixStep, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), wStep, rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
          for (; j + 4 <= outC; j += 4) block4x2(xs, xPixStep, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), wStep, rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
          dst = at(dst2, outC);
          ox += 2;
          continue;
        }
        for (; j + 16 <= outC; j += 16) block16(xs, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
        for (; j + 8 <= outC; j += 8) block8(xs, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
        for (; j + 4 <= outC; j += 4) block4(xs, ws + (<usize>j << 2), bias ? at(bias, j) : 0, at(dst, j), rows, taps, run, xRowStep, xTapStep, wRowStep, wStep);
        dst = at(dst, outC);
        ox++;
      }
      applyEpilogue(1, outW * outC, rowStart, 0, 0, act, alpha);
    }
  }
}

/** 16 output channels of one pixel: four accumulators, one splat of x shared by four kernel loads. */
function block16(
  xs: usize, ws: usize, bias: usize, y: usize, rows: i32, taps: i32, run: i32,
  xRowStep: usize, xTapStep: usize, wRowStep: usize, wStep: usize,
): void {
  let c0 = bias ? v128.load(bias) : f32x4.splat(0);
  let c1 = bias ? v128.load(bias, 16) : f32x4.splat(0);
  let c2 = bias ? v128.load(bias, 32) : f32x4.splat(0);
  let c3 = bias ? v128.load(bias, 48) : f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let w = ws;
    for (let t = 0; t < taps; t++) {
      let xp = xs + <usize>t * xTapStep;
      for (let c = 0; c < run; c++) {
        const xv = v128.load32_splat(xp);
        c0 = f32x4.add(c0, f32x4.mul(xv, v128.load(w)));
        c1 = f32x4.add(c1, f32x4.mul(xv, v128.load(w, 16)));
        c2 = f32x4.add(c2, f32x4.mul(xv, v128.load(w, 32)));
        c3 = f32x4.add(c3, f32x4.mul(xv, v128.load(w, 48)));
        xp += 4;
        w += wStep;
      }
    }
    xs += xRowStep;
    ws += wRowStep;
  }
  v128.store(y, c0);
  v128.store(y, c1, 16);
  v128.store(y, c2, 32);
  v128.store(y, c3, 48);
}

/** 8 output channels of one pixel. */
function block8(
  xs: usize, ws: usize, bias: usize, y: usize, rows: i32, taps: i32, run: i32,
  xRowStep: usize, xTapStep: usize, wRowStep: usize, wStep: usize,
): void {
  let c0 = bias ? v128.load(bias) : f32x4.splat(0);
  let c1 = bias ? v128.load(bias, 16) : f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let w = ws;
    for (let t = 0; t < taps; t++) {
      let xp = xs + <usize>t * xTapStep;
      for (let c = 0; c < run; c++) {
        const xv = v128.load32_splat(xp);
        c0 = f32x4.add(c0, f32x4.mul(xv, v128.load(w)));
        c1 = f32x4.add(c1, f32x4.mul(xv, v128.load(w, 16)));
        xp += 4;
        w += wStep;
      }
    }
    xs += xRowStep;
    ws += wRowStep;
  }
  v128.store(y, c0);
  v128.store(y, c1, 16);
}

/** 4 output channels of one pixel. */
function block4(
  xs: usize, ws: usize, bias: usize, y: usize, rows: i32, taps: i32, run: i32,
  xRowStep: usize, xTapStep: usize, wRowStep: usize, wStep: usize,
): void {
  let c0 = bias ? v128.load(bias) : f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let w = ws;
    for (let t = 0; t < taps; t++) {
      let xp = xs + <usize>t * xTapStep;
      for (let c = 0; c < run; c++) {
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(xp), v128.load(w)));
        xp += 4;
        w += wStep;
      }
    }
    xs += xRowStep;
    ws += wRowStep;
  }
  v128.store(y, c0);
}

/** 8 output channels of two pixels whose windows differ by xPixStep: each kernel load used twice. */
function block8x2(
  xs: usize, xPixStep: usize, ws: usize, bias: usize, y: usize, yPixStep: usize, rows: i32, taps: i32, run: i32,
  xRowStep: usize, xTapStep: usize, wRowStep: usize, wStep: usize,
): void {
  let a0 = bias ? v128.load(bias) : f32x4.splat(0);
  let a1 = bias ? v128.load(bias, 16) : f32x4.splat(0);
  let b0 = a0, b1 = a1;
  for (let r = 0; r < rows; r++) {
    let w = ws;
    for (let t = 0; t < taps; t++) {
      let xp = xs + <usize>t * xTapStep;
      for (let c = 0; c < run; c++) {
        const w0 = v128.load(w), w1 = v128.load(w, 16);
        const xa = v128.load32_splat(xp), xb = v128.load32_splat(xp + xPixStep);
        a0 = f32x4.add(a0, f32x4.mul(xa, w0));
        a1 = f32x4.add(a1, f32x4.mul(xa, w1));
        b0 = f32x4.add(b0, f32x4.mul(xb, w0));
        b1 = f32x4.add(b1, f32x4.mul(xb, w1));
        xp += 4;
        w += wStep;
      }
    }
    xs += xRowStep;
    ws += wRowStep;
  }
  v128.store(y, a0);
  v128.store(y, a1, 16);
  v128.store(y + yPixStep, b0);
  v128.store(y + yPixStep, b1, 16);
}

/** 4 output channels of two pixels whose windows differ by xPixStep. */
function block4x2(
  xs: usize, xPixStep: usize, ws: usize, bias: usize, y: usize, yPixStep: usize, rows: i32, taps: i32, run: i32,
  xRowStep: usize, xTapStep: usize, wRowStep: usize, wStep: usize,
): void {
  let a0 = bias ? v128.load(bias) : f32x4.splat(0);
  let b0 = a0;
  for (let r = 0; r < rows; r++) {
    let w = ws;
    for (let t = 0; t < taps; t++) {
      let xp = xs + <usize>t * xTapStep;
      for (let c = 0; c < run; c++) {
        const w0 = v128.load(w);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), w0));
        b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(xp + xPixStep), w0));
        xp += 4;
        w += wStep;
      }
    }
    xs += xRowStep;
    ws += wRowStep;
  }
  v128.store(y, a0);
  v128.store(y + yPixStep, b0);
}
