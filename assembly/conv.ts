// im2col / col2im for channels-last (NHWC) convolution: they turn conv2d and both its gradients
// into the GEMM export. With columns C[N·outH·outW, kh·kw·inC] (column index (ky·kw + kx)·inC + c,
// the row order of weights [kh, kw, inC, outC] flattened to [kh·kw·inC, outC]):
//   forward      Y[M, outC]  = C · W                        gemm(0, 0, M, outC, K, C, K, W, outC, Y, outC)
//   weight grad  dW[K, outC] = C^T · dY                     gemm(1, 0, K, outC, M, C, K, dY, outC, dW, outC)
//   input grad   dC[M, K]    = dY · W^T, then col2im(dC)    gemm(0, 1, M, K, outC, dY, outC, W, outC, dC, K)
// where M = N·outH·outW and K = kh·kw·inC. Padding is given as top/left amounts; the caller's
// outH/outW imply the bottom/right padding.
import { addRun, at, clearUnlessAccumulate, copyRun, endTap, firstTap, zeroRun } from './nhwc';

/**
 * Columns for x [n, inH, inW, inC] → cols [n·outH·outW, kh·kw·inC]; padded taps are 0.
 * cols must not alias x.
 */
export function im2colNHWC(
  x: usize, cols: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const tapRow = kw * inC; // one ky slice of a column row
  let dst = cols;
  for (let b = 0; b < n; b++) {
    const image = at(x, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, dilationH);
      const ky1 = endTap(oy, strideH, padTop, dilationH, inH, kh);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const kx1 = endTap(ox, strideW, padLeft, dilationW, inW, kw);
        const ix0 = ox * strideW - padLeft;
        for (let ky = 0; ky < kh; ky++) {
          const seg = at(dst, ky * tapRow);
          if (ky < ky0 || ky >= ky1 || kx0 >= kx1) { zeroRun(seg, tapRow); continue; }
          const inRow = at(image, (iy0 + ky * dilationH) * inW * inC);
          zeroRun(seg, kx0 * inC);
          if (dilationW == 1) {
            // Consecutive taps are consecutive pixels: one contiguous run of (kx1 − kx0)·inC floats.
            copyRun(at(seg, kx0 * inC), at(inRow, (ix0 + kx0) * inC), (kx1 - kx0) * inC);
          } else {
            for (let kx = kx0; kx < kx1; kx++) copyRun(at(seg, kx * inC), at(inRow, (ix0 + kx * dilationW) * inC), inC);
          }
          zeroRun(at(seg, kx1 * inC), (kw - kx1) * inC);
        }
        dst = at(dst, kh * tapRow);
      }
    }
  }
}

/**
 * Adjoint of im2colNHWC: dx [n, inH, inW, inC] (+)= sum of the column entries that read each
 * pixel (padded taps dropped). dx is zeroed first unless accumulate != 0. cols must not alias dx.
 */
export function col2imNHWC(
  cols: usize, dx: usize, n: i32, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  accumulate: i32,
): void {
  clearUnlessAccumulate(dx, n * inH * inW * inC, accumulate);
  const tapRow = kw * inC;
  let src = cols;
  for (let b = 0; b < n; b++) {
    const image = at(dx, b * inH * inW * inC);
    for (let oy = 0; oy < outH; oy++) {
      const ky0 = firstTap(oy, strideH, padTop, dilationH);
      const ky1 = endTap(oy, strideH, padTop, dilationH, inH, kh);
      const iy0 = oy * strideH - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const kx0 = firstTap(ox, strideW, padLeft, dilationW);
        const kx1 = endTap(ox, strideW, padLeft, dilationW, inW, kw);
        const ix0 = ox * strideW - padLeft;
        for (let ky = ky0; ky < ky1; ky++) {
          const seg = at(src, ky * tapRow);
          const inRow = at(image, (iy0 + ky * dilationH) * inW * inC);
          if (dilationW == 1) {
            if (kx0 < kx1) addRun(at(inRow, (ix0 + kx0) * inC), at(seg, kx0 * inC), (kx1 - kx0) * inC);
          } else {
            for (let kx = kx0; kx < kx1; kx++) addRun(at(inRow, (ix0 + kx * dilationW) * inC), at(seg, kx * inC), inC);
          }
        }
        src = at(src, kh * tapRow);
      }
    }
  }
}
