// Depthwise convolution, direct NHWC with f32x4 over channels (no im2col): output channel
// o = c·mult + m reads input channel c = o / mult, so a tap's kernel row kernel[ky, kx, :, :] is
// outC = inC·mult contiguous floats in output-channel order, like the output pixel it feeds.
// x [n, inH, inW, inC], kernel [kh, kw, inC, mult] (Keras order), y and dy [n, outH, outW, inC·mult].
// Padding is given as top/left amounts; outH/outW imply the rest. Padded taps are skipped, never read.
import { applyEpilogue } from './epilogue';
import { loadLanes, storeLanes } from './math';
import { at, endTap, firstTap, zeroRun } from './nhwc';

/** The input values under output channels o..o+3 of one pixel (px: its channel 0), o a multiple of 4. */
@inline function inputLanes(px: usize, o: i32, mult: i32): v128 {
  if (mult == 1) return v128.load(at(px, o));
  if ((mult & 3) == 0) return v128.load32_splat(at(px, o / mult)); // all four share one input channel
  return gatherLanes(px, o, mult, 4);
}

/** The input values under output channels o..o+k−1 (k ≤ 4), one lane each; lanes ≥ k are 0. */
@inline function gatherLanes(px: usize, o: i32, mult: i32, k: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(at(px, o / mult)));
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(at(px, (o + 1) / mult)));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(at(px, (o + 2) / mult)));
  if (k > 3) v = f32x4.replace_lane(v, 3, load<f32>(at(px, (o + 3) / mult)));
  return v;
}

/** Like inputLanes for the last k < 4 channels, reading nothing past them. */
@inline function inputTail(px: usize, o: i32, mult: i32, k: i32): v128 {
  return mult == 1 ? loadLanes(at(px, o), k) : gatherLanes(px, o, mult, k);
}

/** Taps from t0 to t1, none when the window lies in the padding. */
@inline function span(t0: i32, t1: i32): i32 {
  return t1 > t0 ? t1 - t0 : 0;
}

/**
 * y = act(depthwise(x, kernel) + bias); bias = 0 means none; act/alpha as the fused epilogue.
 * Each pixel's channels are summed in registers, 8 at a time, then 4, then the last k < 4.
 * y must not alias x or kernel.
 */
export function depthwiseConv2dNHWC(
  x: usize, kernel: usize, bias: usize, y: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  mult: i32, act: i32, alpha: f32,
): void {
  const outC = inC * mult;
  const xRow = <usize>(dilationH * inW * inC) << 2, xCol = <usize>(dilationW * inC) << 2;
  const kRow = <usize>(kw * outC) << 2, kCol = <usize>outC << 2;
  let dst = y;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const rowStart = dst;
      for (let ox = 0; ox < outW; ox++) {
        const ky0 = firstTap(oy, strideH, padTop, dilationH), kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const rows = span(ky0, endTap(oy, strideH, padTop, dilationH, inH, kh));
        const cols = rows ? span(kx0, endTap(ox, strideW, padLeft, dilationW, inW, kw)) : 0;
        // First in-bound tap: its input pixel and kernel row (only read when rows·cols > 0).
        const x0 = at(image, ((oy * strideH - padTop + ky0 * dilationH) * inW + ox * strideW - padLeft + kx0 * dilationW) * inC);
        const k0 = at(kernel, (ky0 * kw + kx0) * outC);
        let j = 0;
        for (; j + 8 <= outC; j += 8) {
          let a0 = bias ? v128.load(at(bias, j)) : f32x4.splat(0);
          let a1 = bias ? v128.load(at(bias, j + 4)) : f32x4.splat(0);
          for (let r = 0; r < rows; r++) {
            let px = x0 + <usize>r * xRow, pk = at(k0 + <usize>r * kRow, j);
            for (let t = 0; t < cols; t++) {
              a0 = f32x4.add(a0, f32x4.mul(inputLanes(px, j, mult), v128.load(pk)));
              a1 = f32x4.add(a1, f32x4.mul(inputLanes(px, j + 4, mult), v128.load(pk, 16)));
              px += xCol; pk += kCol;
            }
          }
          v128.store(at(dst, j), a0);
          v128.store(at(dst, j + 4), a1);
        }
        for (; j < outC; j += 4) {
          const k = min(outC - j, 4);
          let a = bias ? loadLanes(at(bias, j), k) : f32x4.splat(0);
          for (let r = 0; r < rows; r++) {
            let px = x0 + <usize>r * xRow, pk = at(k0 + <usize>r * kRow, j);
            for (let t = 0; t < cols; t++) {
              const xv = k == 4 ? inputLanes(px, j, mult) : inputTail(px, j, mult, k);
              a = f32x4.add(a, f32x4.mul(xv, loadLanes(pk, k)));
              px += xCol; pk += kCol;
            }
          }
          storeLanes(at(dst, j), a, k);
        }
        dst = at(dst, outC);
      }
      applyEpilogue(1, outW * outC, rowStart, 0, 0, act, alpha);
    }
  }
}

/** gradKernel = Σ over pixels and in-bound taps of x ⊙ dy (overwritten). */
export function depthwiseConv2dKernelGradNHWC(
  x: usize, dy: usize, gradKernel: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, mult: i32,
): void {
  const outC = inC * mult;
  const xRow = <usize>(dilationH * inW * inC) << 2, xCol = <usize>(dilationW * inC) << 2;
  const kRow = <usize>(kw * outC) << 2, kCol = <usize>outC << 2;
  zeroRun(gradKernel, kh * kw * outC);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const ky0 = firstTap(oy, strideH, padTop, dilationH), kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const rows = span(ky0, endTap(oy, strideH, padTop, dilationH, inH, kh));
        const cols = rows ? span(kx0, endTap(ox, strideW, padLeft, dilationW, inW, kw)) : 0;
        // First in-bound tap: its input pixel and kernel row (only read when rows·cols > 0).
        const x0 = at(image, ((oy * strideH - padTop + ky0 * dilationH) * inW + ox * strideW - padLeft + kx0 * dilationW) * inC);
        const k0 = at(gradKernel, (ky0 * kw + kx0) * outC);
        for (let r = 0; r < rows; r++) {
          let px = x0 + <usize>r * xRow, pk = k0 + <usize>r * kRow;
          for (let t = 0; t < cols; t++) {
            let j = 0;
            for (; j + 4 <= outC; j += 4) {
              v128.store(at(pk, j), f32x4.add(v128.load(at(pk, j)), f32x4.mul(inputLanes(px, j, mult), v128.load(at(g, j)))));
            }
            if (j < outC) {
              const k = outC - j;
              storeLanes(at(pk, j), f32x4.add(loadLanes(at(pk, j), k), f32x4.mul(inputTail(px, j, mult, k), loadLanes(at(g, j), k))), k);
            }
            px += xCol; pk += kCol;
          }
        }
        g = at(g, outC);
      }
    }
  }
}

/** gradInput = each dy scattered back through the kernel to the input pixels it read (overwritten). */
export function depthwiseConv2dInputGradNHWC(
  dy: usize, kernel: usize, gradInput: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, mult: i32,
): void {
  const outC = inC * mult;
  const xRow = <usize>(dilationH * inW * inC) << 2, xCol = <usize>(dilationW * inC) << 2;
  const kRow = <usize>(kw * outC) << 2, kCol = <usize>outC << 2;
  zeroRun(gradInput, n * inH * inW * inC);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const image = at(gradInput, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const ky0 = firstTap(oy, strideH, padTop, dilationH), kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const rows = span(ky0, endTap(oy, strideH, padTop, dilationH, inH, kh));
        const cols = rows ? span(kx0, endTap(ox, strideW, padLeft, dilationW, inW, kw)) : 0;
        // First in-bound tap: its input pixel and kernel row (only read when rows·cols > 0).
        const x0 = at(image, ((oy * strideH - padTop + ky0 * dilationH) * inW + ox * strideW - padLeft + kx0 * dilationW) * inC);
        const k0 = at(kernel, (ky0 * kw + kx0) * outC);
        for (let r = 0; r < rows; r++) {
          let px = x0 + <usize>r * xRow, pk = k0 + <usize>r * kRow;
          for (let t = 0; t < cols; t++) {
            if (mult == 1) scatterRun(px, pk, g, inC);
            else scatterGroups(px, pk, g, inC, mult);
            px += xCol; pk += kCol;
          }
        }
        g = at(g, outC);
      }
    }
  }
}

/** dx[c] += dy[c]·k[c] for c < count (depth multiplier 1). */
@inline function scatterRun(dx: usize, k: usize, dy: usize, count: i32): void {
  let c = 0;
  for (; c + 4 <= count; c += 4) {
    v128.store(at(dx, c), f32x4.add(v128.load(at(dx, c)), f32x4.mul(v128.load(at(dy, c)), v128.load(at(k, c)))));
  }
  if (c < count) {
    const r = count - c;
    storeLanes(at(dx, c), f32x4.add(loadLanes(at(dx, c), r), f32x4.mul(loadLanes(at(dy, c), r), loadLanes(at(k, c), r))), r);
  }
}

/** dx[c] += Σ_m dy[c·mult + m]·k[c·mult + m]: each input channel sums its mult outputs. */
@inline function scatterGroups(dx: usize, k: usize, dy: usize, inC: i32, mult: i32): void {
  for (let c = 0; c < inC; c++) {
    let s: f32 = 0;
    const o = c * mult;
    for (let m = 0; m < mult; m++) s += load<f32>(at(dy, o + m)) * load<f32>(at(k, o + m));
    store<f32>(at(dx, c), load<f32>(at(dx, c)) + s);
  }
}
