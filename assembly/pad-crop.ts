// Zero padding and cropping of NHWC images as one kernel: the output is the input placed at an
// offset in a zero frame. A positive offset pads, a negative one crops, and each layer's backward
// is the same copy with the offset negated (padding's gradient is a crop, cropping's a pad).
import { at, copyRun, zeroRun } from './nhwc';

/**
 * y [n, outH, outW, c] = x [n, inH, inW, c] placed with its row 0 at output row `top` and its
 * column 0 at output column `left`: y[b, i, j] = x[b, i − top, j − left] where that is inside x,
 * else 0. top/left ≥ 0 pad, < 0 crop. Each output row is one contiguous zero run, copy run (the
 * columns of a row are adjacent in NHWC) and zero run. y must not overlap x.
 */
export function padCrop2dNHWC(x: usize, y: usize, n: i32, inH: i32, inW: i32, c: i32, outH: i32, outW: i32, top: i32, left: i32): void {
  const j0 = max(0, left), j1 = min(outW, inW + left); // output columns read from x
  const rowFloats = outW * c;
  const copied = j1 > j0 ? (j1 - j0) * c : 0;
  const head = copied > 0 ? j0 * c : rowFloats;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      const dst = at(y, (b * outH + i) * rowFloats);
      const si = i - top;
      if (si < 0 || si >= inH || copied === 0) {
        zeroRun(dst, rowFloats);
        continue;
      }
      zeroRun(dst, head);
      copyRun(at(dst, head), at(x, ((b * inH + si) * inW + j0 - left) * c), copied);
      zeroRun(at(dst, head + copied), rowFloats - head - copied);
    }
  }
}
