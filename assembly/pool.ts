// 2-D pooling over channels-last (NHWC) tensors, vectorised across the contiguous channel run.
// Windows use the same output → input mapping as convolution (nhwc.ts) with dilation 1; padding
// is top/left amounts, outH/outW imply bottom/right. Padded cells never count: max ignores them,
// average divides by the number of in-bounds cells (as tfjs/Keras 'same').
import { addRun, addScaledRun, at, clearUnlessAccumulate, endTap, firstTap, scaleRun, zeroRun } from './nhwc';

/**
 * y [n, outH, outW, c] = window max of x [n, inH, inW, c]; argmax [n, outH, outW, c] (i32) gets
 * the absolute element index into x of each max (first one on ties), or −1 with y = 0 for a
 * window that lies wholly in the padding. y must not alias x.
 */
export function maxPoolForward(
  x: usize, y: usize, argmax: usize, n: i32, inH: i32, inW: i32, c: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const body = c & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  let out = 0; // element index of y / argmax at the current output position
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, 1), ky1 = endTap(oy, strideH, padTop, 1, inH, poolH);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const kx0 = firstTap(ox, strideW, padLeft, 1), kx1 = endTap(ox, strideW, padLeft, 1, inW, poolW);
        const ix0 = ox * strideW - padLeft;
        if (ky0 >= ky1 || kx0 >= kx1) {
          zeroRun(at(y, out), c);
          for (let ch = 0; ch < c; ch++) store<i32>(at(argmax, out + ch), -1);
          out += c;
          continue;
        }
        let ch = 0;
        for (; ch < body; ch += 4) {
          let best = f32x4.splat(<f32>-Infinity);
          let bestIdx = i32x4.splat(-1);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const idx = ((b * inH + iy0 + ky) * inW + ix0 + kx) * c + ch;
              const v = v128.load(at(x, idx));
              const better = f32x4.gt(v, best); // strict: the first max wins ties
              best = v128.bitselect(v, best, better);
              bestIdx = v128.bitselect(i32x4.add(i32x4.splat(idx), lanes), bestIdx, better);
            }
          }
          v128.store(at(y, out + ch), best);
          v128.store(at(argmax, out + ch), bestIdx);
        }
        for (; ch < c; ch++) {
          let best = <f32>-Infinity;
          let bestIdx: i32 = -1;
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const idx = ((b * inH + iy0 + ky) * inW + ix0 + kx) * c + ch;
              const v = load<f32>(at(x, idx));
              if (v > best) { best = v; bestIdx = idx; }
            }
          }
          store<f32>(at(y, out + ch), best);
          store<i32>(at(argmax, out + ch), bestIdx);
        }
        out += c;
      }
    }
  }
}

/**
 * dx [xCount] (+)= dy scattered through argmax: dx[argmax[i]] += dy[i] for i < yCount, skipping −1.
 * dx is zeroed first unless accumulate != 0. Shape-free because argmax indices are absolute.
 */
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, yCount: i32, xCount: i32, accumulate: i32): void {
  clearUnlessAccumulate(dx, xCount, accumulate);
  // A scatter: wasm SIMD has no scatter store, and overlapping windows may hit one cell twice.
  for (let i = 0; i < yCount; i++) {
    const j = load<i32>(at(argmax, i));
    if (j >= 0) store<f32>(at(dx, j), load<f32>(at(dx, j)) + load<f32>(at(dy, i)));
  }
}

/**
 * y [n, outH, outW, c] = mean of x [n, inH, inW, c] over the in-bounds cells of each window
 * (0 for a window wholly in the padding). y must not alias x.
 */
export function avgPoolForward(
  x: usize, y: usize, n: i32, inH: i32, inW: i32, c: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const body = c & ~3;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, 1), ky1 = endTap(oy, strideH, padTop, 1, inH, poolH);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const kx0 = firstTap(ox, strideW, padLeft, 1), kx1 = endTap(ox, strideW, padLeft, 1, inW, poolW);
        const ix0 = ox * strideW - padLeft;
        const cells = ky1 > ky0 && kx1 > kx0 ? (ky1 - ky0) * (kx1 - kx0) : 0;
        const inv: f32 = cells > 0 ? <f32>1 / <f32>cells : 0;
        let ch = 0;
        for (; ch < body; ch += 4) {
          let sum = f32x4.splat(0);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              sum = f32x4.add(sum, v128.load(at(x, ((b * inH + iy0 + ky) * inW + ix0 + kx) * c + ch)));
            }
          }
          v128.store(at(y, out + ch), f32x4.mul(sum, f32x4.splat(inv)));
        }
        for (; ch < c; ch++) {
          let sum: f32 = 0;
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) sum += load<f32>(at(x, ((b * inH + iy0 + ky) * inW + ix0 + kx) * c + ch));
          }
          store<f32>(at(y, out + ch), sum * inv);
        }
        out += c;
      }
    }
  }
}

/**
 * dx [n, inH, inW, c] (+)= each dy [n, outH, outW, c] spread evenly over its window's in-bounds
 * cells. dx is zeroed first unless accumulate != 0. dx must not alias dy.
 */
export function avgPoolBackward(
  dy: usize, dx: usize, n: i32, inH: i32, inW: i32, c: i32,
  poolH: i32, poolW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  accumulate: i32,
): void {
  clearUnlessAccumulate(dx, n * inH * inW * c, accumulate);
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, 1), ky1 = endTap(oy, strideH, padTop, 1, inH, poolH);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const kx0 = firstTap(ox, strideW, padLeft, 1), kx1 = endTap(ox, strideW, padLeft, 1, inW, poolW);
        const ix0 = ox * strideW - padLeft;
        if (ky1 > ky0 && kx1 > kx0) {
          const inv = <f32>1 / <f32>((ky1 - ky0) * (kx1 - kx0));
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              addScaledRun(at(dx, ((b * inH + iy0 + ky) * inW + ix0 + kx) * c), at(dy, out), inv, c);
            }
          }
        }
        out += c;
      }
    }
  }
}

/** y [n, c] = mean of x [n, hw, c] over the hw = H·W positions. y must not alias x. */
export function globalAvgPoolForward(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  const inv = <f32>1 / <f32>hw;
  for (let b = 0; b < n; b++) {
    const row = at(y, b * c);
    zeroRun(row, c);
    for (let p = 0; p < hw; p++) addRun(row, at(x, (b * hw + p) * c), c);
    scaleRun(row, row, inv, c);
  }
}

/** dx [n, hw, c] (+)= dy [n, c] / hw at every position. dx is zeroed first unless accumulate != 0. */
export function globalAvgPoolBackward(dy: usize, dx: usize, n: i32, hw: i32, c: i32, accumulate: i32): void {
  clearUnlessAccumulate(dx, n * hw * c, accumulate);
  const inv = <f32>1 / <f32>hw;
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) addScaledRun(at(dx, (b * hw + p) * c), at(dy, b * c), inv, c);
  }
}
