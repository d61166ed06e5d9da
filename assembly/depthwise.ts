// Depthwise convolution, direct NHWC with f32x4 over channels (no im2col): output channel
// o = c·mult + m reads input channel c = o / mult, so a tap's kernel row kernel[ky, kx, :, :] is
// outC = inC·mult contiguous floats in output-channel order, like the output pixel it feeds.
// x [n, inH, inW, inC], kernel [kh, kw, inC, mult] (Keras order), y and dy [n, outH, outW, inC·mult].
// Padding is given as top/left amounts; outH/outW imply the rest. Padded taps are skipped, never read.
// Forward sums each pixel's channels in registers over its taps; the gradients walk one output
// row per tap, so a tap's kernel (or kernel-gradient) vectors stay in registers along the row.
import { applyEpilogue } from './epilogue';
import { laneMask, loadLanes, storeLanes } from './math';
import { at, endTap, firstTap, zeroRun } from './nhwc';

// How output channels find their input channel: the same one (mult 1), one per 4-lane vector
// (mult a multiple of 4), or gathered lane by lane. A constant at each call site, so it folds away.
const SAME = 0;
const SPLAT = 1;
const GATHER = 2;

@inline function modeOf(mult: i32): i32 {
  return mult == 1 ? SAME : (mult & 3) == 0 ? SPLAT : GATHER;
}

/** The input values under output channels o..o+3 of one pixel (px: its channel 0), o a multiple of 4. */
@inline function inputLanes(px: usize, o: i32, mult: i32, mode: i32): v128 {
  if (mode == SAME) return v128.load(at(px, o));
  if (mode == SPLAT) return v128.load32_splat(at(px, o / mult));
  return gatherLanes(px, o, mult, 4);
}

/** The input values under output channels o..o+k−1 (k ≤ 4), one lane each; lanes ≥ k are 0. */
@inline function gatherLanes(px: usize, o: i32, mult: i32, k: i32): v128 {
  // One division; each next lane steps to the next input channel every mult outputs.
  let c = o / mult, m = o - c * mult;
  let v = f32x4.splat(load<f32>(at(px, c)));
  if (k > 1) { if (++m == mult) { m = 0; c++; } v = f32x4.replace_lane(v, 1, load<f32>(at(px, c))); }
  if (k > 2) { if (++m == mult) { m = 0; c++; } v = f32x4.replace_lane(v, 2, load<f32>(at(px, c))); }
  if (k > 3) { if (++m == mult) { m = 0; c++; } v = f32x4.replace_lane(v, 3, load<f32>(at(px, c))); }
  return k == 4 ? v : v128.and(v, laneMask(k));
}

/** Like inputLanes for the last k < 4 channels, reading nothing past them. */
@inline function inputTail(px: usize, o: i32, mult: i32, mode: i32, k: i32): v128 {
  return mode == SAME ? loadLanes(at(px, o), k) : gatherLanes(px, o, mult, k);
}

/** Taps from t0 to t1, none when the window lies in the padding. */
@inline function span(t0: i32, t1: i32): i32 {
  return t1 > t0 ? t1 - t0 : 0;
}

/** First output o ≥ 0 whose tap at `offset` (t·dilation) lands at o·stride − pad + offset ≥ 0. */
@inline function firstOut(stride: i32, pad: i32, offset: i32): i32 {
  const need = pad - offset;
  return need <= 0 ? 0 : (need + stride - 1) / stride;
}

/** One past the last output (≤ out) whose tap at `offset` lands inside `size`. */
@inline function endOut(stride: i32, pad: i32, offset: i32, size: i32, out: i32): i32 {
  const limit = size - 1 + pad - offset;
  if (limit < 0) return 0;
  const end = limit / stride + 1;
  return end < out ? end : out;
}

/**
 * y = act(depthwise(x, kernel) + bias); bias = 0 means none; act/alpha as the fused epilogue.
 * y must not alias x or kernel.
 */
export function depthwiseConv2dNHWC(
  x: usize, kernel: usize, bias: usize, y: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  mult: i32, act: i32, alpha: f32,
): void {
  const mode = modeOf(mult);
  if (mode == SAME) forward(x, kernel, bias, y, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, 1, SAME, false);
  else if (mode == SPLAT) forward(x, kernel, bias, y, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, mult, SPLAT, false);
  else forward(x, kernel, bias, y, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, mult, GATHER, false);
  const outC = inC * mult;
  // Bias and taps are summed in registers; the activation over each image's output, still warm.
  for (let b = 0; b < n; b++) applyEpilogue(outH, outW * outC, at(y, b * outH * outW * outC), <usize>(outW * outC) << 2, 0, act, alpha);
}

/** The forward loops for one channel mode: each pixel's channels 16, then 4, then k < 4 at a time. */
@inline function forward(
  x: usize, kernel: usize, bias: usize, y: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  mult: i32, mode: i32, flip: bool,
): void {
  const outC = inC * mult;
  const xRow = <usize>(dilationH * inW * inC) << 2, xCol = <usize>(dilationW * inC) << 2;
  // A flipped kernel is walked backwards: the steps wrap around as unsigned offsets.
  const kRow = flip ? 0 - (<usize>(kw * outC) << 2) : <usize>(kw * outC) << 2;
  const kCol = flip ? 0 - (<usize>outC << 2) : <usize>outC << 2;
  const lastTap = (kw - 1) * dilationW;
  let dst = y;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, dilationH);
      const rows = span(ky0, endTap(oy, strideH, padTop, dilationH, inH, kh));
      const iy0 = oy * strideH - padTop + ky0 * dilationH;
      for (let ox = 0; ox < outW; ox++) {
        const start = ox * strideW - padLeft;
        // Interior pixels (every tap inside) skip firstTap/endTap's divisions.
        const inside = start >= 0 && start + lastTap < inW;
        const kx0 = inside ? 0 : firstTap(ox, strideW, padLeft, dilationW);
        const cols = rows == 0 ? 0 : inside ? kw : span(kx0, endTap(ox, strideW, padLeft, dilationW, inW, kw));
        const x0 = at(image, (iy0 * inW + start + kx0 * dilationW) * inC);
        const k0 = at(kernel, (flip ? (kh - 1 - ky0) * kw + kw - 1 - kx0 : ky0 * kw + kx0) * outC);
        let j = 0;
        for (; j + 16 <= outC; j += 16) {
          let a0 = bias ? v128.load(at(bias, j)) : f32x4.splat(0);
          let a1 = bias ? v128.load(at(bias, j + 4)) : f32x4.splat(0);
          let a2 = bias ? v128.load(at(bias, j + 8)) : f32x4.splat(0);
          let a3 = bias ? v128.load(at(bias, j + 12)) : f32x4.splat(0);
          for (let r = 0; r < rows; r++) {
            let px = x0 + <usize>r * xRow, pk = at(k0 + <usize>r * kRow, j);
            for (let t = 0; t < cols; t++) {
              a0 = f32x4.add(a0, f32x4.mul(inputLanes(px, j, mult, mode), v128.load(pk)));
              a1 = f32x4.add(a1, f32x4.mul(inputLanes(px, j + 4, mult, mode), v128.load(pk, 16)));
              a2 = f32x4.add(a2, f32x4.mul(inputLanes(px, j + 8, mult, mode), v128.load(pk, 32)));
              a3 = f32x4.add(a3, f32x4.mul(inputLanes(px, j + 12, mult, mode), v128.load(pk, 48)));
              px += xCol; pk += kCol;
            }
          }
          v128.store(at(dst, j), a0);
          v128.store(at(dst, j + 4), a1);
          v128.store(at(dst, j + 8), a2);
          v128.store(at(dst, j + 12), a3);
        }
        for (; j < outC; j += 4) {
          const k = min(outC - j, 4);
          let a = bias ? loadLanes(at(bias, j), k) : f32x4.splat(0);
          for (let r = 0; r < rows; r++) {
            let px = x0 + <usize>r * xRow, pk = at(k0 + <usize>r * kRow, j);
            for (let t = 0; t < cols; t++) {
              const xv = k == 4 ? inputLanes(px, j, mult, mode) : inputTail(px, j, mult, mode, k);
              a = f32x4.add(a, f32x4.mul(xv, loadLanes(pk, k)));
              px += xCol; pk += kCol;
            }
          }
          storeLanes(at(dst, j), a, k);
        }
        dst = at(dst, outC);
      }
    }
  }
}

/** gradKernel = Σ over pixels and in-bound taps of x ⊙ dy (overwritten). */
export function depthwiseConv2dKernelGradNHWC(
  x: usize, dy: usize, gradKernel: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, mult: i32,
): void {
  zeroRun(gradKernel, kh * kw * inC * mult);
  const mode = modeOf(mult);
  if (mode == SAME) kernelGrad(x, dy, gradKernel, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, 1, SAME);
  else if (mode == SPLAT) kernelGrad(x, dy, gradKernel, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, mult, SPLAT);
  else kernelGrad(x, dy, gradKernel, n, inH, inW, inC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, mult, GATHER);
}

/** For each output row and tap: the tap's gradient vectors summed along the row in registers. */
@inline function kernelGrad(
  x: usize, dy: usize, gradKernel: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  mult: i32, mode: i32,
): void {
  const outC = inC * mult;
  const xStep = <usize>(strideW * inC) << 2, gStep = <usize>outC << 2;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const gRow = at(dy, ((b * outH) + oy) * outW * outC);
      const ky1 = endTap(oy, strideH, padTop, dilationH, inH, kh);
      for (let ky = firstTap(oy, strideH, padTop, dilationH); ky < ky1; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        for (let kx = 0; kx < kw; kx++) {
          const o0 = firstOut(strideW, padLeft, kx * dilationW), o1 = endOut(strideW, padLeft, kx * dilationW, inW, outW);
          if (o1 <= o0) continue;
          const xs = at(image, (iy * inW + o0 * strideW - padLeft + kx * dilationW) * inC), gs = at(gRow, o0 * outC);
          const dk = at(gradKernel, (ky * kw + kx) * outC);
          let j = 0;
          for (; j + 16 <= outC; j += 16) {
            let a0 = v128.load(at(dk, j)), a1 = v128.load(at(dk, j + 4)), a2 = v128.load(at(dk, j + 8)), a3 = v128.load(at(dk, j + 12));
            let px = xs, pg = at(gs, j);
            for (let o = o0; o < o1; o++) {
              a0 = f32x4.add(a0, f32x4.mul(inputLanes(px, j, mult, mode), v128.load(pg)));
              a1 = f32x4.add(a1, f32x4.mul(inputLanes(px, j + 4, mult, mode), v128.load(pg, 16)));
              a2 = f32x4.add(a2, f32x4.mul(inputLanes(px, j + 8, mult, mode), v128.load(pg, 32)));
              a3 = f32x4.add(a3, f32x4.mul(inputLanes(px, j + 12, mult, mode), v128.load(pg, 48)));
              px += xStep; pg += gStep;
            }
            v128.store(at(dk, j), a0); v128.store(at(dk, j + 4), a1); v128.store(at(dk, j + 8), a2); v128.store(at(dk, j + 12), a3);
          }
          for (; j < outC; j += 4) {
            const k = min(outC - j, 4);
            let a = loadLanes(at(dk, j), k);
            let px = xs, pg = at(gs, j);
            for (let o = o0; o < o1; o++) {
              const xv = k == 4 ? inputLanes(px, j, mult, mode) : inputTail(px, j, mult, mode, k);
              a = f32x4.add(a, f32x4.mul(xv, loadLanes(pg, k)));
              px += xStep; pg += gStep;
            }
            storeLanes(at(dk, j), a, k);
          }
        }
      }
    }
  }
}

/** gradInput = each dy scattered back through the kernel to the input pixels it read (overwritten). */
export function depthwiseConv2dInputGradNHWC(
  dy: usize, kernel: usize, gradInput: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, mult: i32,
): void {
  if (mult == 1 && strideH == 1 && strideW == 1) {
    // Stride 1: dx is dy convolved with the flipped kernel, a forward pass summed in registers.
    forward(dy, kernel, 0, gradInput, n, outH, outW, inC, kh, kw, 1, 1, dilationH, dilationW,
      (kh - 1) * dilationH - padTop, (kw - 1) * dilationW - padLeft, inH, inW, 1, SAME, true);
    return;
  }
  const outC = inC * mult;
  zeroRun(gradInput, n * inH * inW * inC);
  const xStep = <usize>(strideW * inC) << 2, gStep = <usize>outC << 2;
  for (let b = 0; b < n; b++) {
    const image = at(gradInput, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const gRow = at(dy, ((b * outH) + oy) * outW * outC);
      const ky1 = endTap(oy, strideH, padTop, dilationH, inH, kh);
      for (let ky = firstTap(oy, strideH, padTop, dilationH); ky < ky1; ky++) {
        const iy = oy * strideH - padTop + ky * dilationH;
        for (let kx = 0; kx < kw; kx++) {
          const o0 = firstOut(strideW, padLeft, kx * dilationW), o1 = endOut(strideW, padLeft, kx * dilationW, inW, outW);
          if (o1 <= o0) continue;
          const xs = at(image, (iy * inW + o0 * strideW - padLeft + kx * dilationW) * inC), gs = at(gRow, o0 * outC);
          const k0 = at(kernel, (ky * kw + kx) * outC);
          if (mult == 1) scatterRow(xs, gs, k0, o1 - o0, inC, xStep, gStep);
          else scatterGroupsRow(xs, gs, k0, o1 - o0, inC, mult, xStep, gStep);
        }
      }
    }
  }
}

/** Along `count` pixels of a row: dx[c] += dy[c]·k[c] (multiplier 1), k's vectors kept in registers. */
@inline function scatterRow(dx: usize, dy: usize, k: usize, count: i32, inC: i32, xStep: usize, gStep: usize): void {
  let c = 0;
  for (; c + 8 <= inC; c += 8) {
    const k0 = v128.load(at(k, c)), k1 = v128.load(at(k, c + 4));
    let px = at(dx, c), pg = at(dy, c);
    for (let o = 0; o < count; o++) {
      v128.store(px, f32x4.add(v128.load(px), f32x4.mul(v128.load(pg), k0)));
      v128.store(px, f32x4.add(v128.load(px, 16), f32x4.mul(v128.load(pg, 16), k1)), 16);
      px += xStep; pg += gStep;
    }
  }
  for (; c < inC; c += 4) {
    const r = min(inC - c, 4);
    const kv = loadLanes(at(k, c), r);
    let px = at(dx, c), pg = at(dy, c);
    for (let o = 0; o < count; o++) {
      storeLanes(px, f32x4.add(loadLanes(px, r), f32x4.mul(loadLanes(pg, r), kv)), r);
      px += xStep; pg += gStep;
    }
  }
}

/** Along `count` pixels of a row: dx[c] += Σ_m dy[c·mult + m]·k[c·mult + m]. */
@inline function scatterGroupsRow(dx: usize, dy: usize, k: usize, count: i32, inC: i32, mult: i32, xStep: usize, gStep: usize): void {
  let px = dx, pg = dy;
  for (let o = 0; o < count; o++) {
    for (let c = 0; c < inC; c++) {
      let s: f32 = 0;
      for (let m = 0; m < mult; m++) s += load<f32>(at(pg, c * mult + m)) * load<f32>(at(k, c * mult + m));
      store<f32>(at(px, c), load<f32>(at(px, c)) + s);
    }
    px += xStep; pg += gStep;
  }
}
