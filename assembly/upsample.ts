// 2-D upsampling of NHWC images by integer factors, nearest and bilinear, with their backward
// passes; vectorised across the contiguous channel run. Nearest also serves RepeatVector (a
// [features] vector repeated n times is a 1x1 image upsampled n x 1).
import { addRun, addScaledRun, at, copyRun, zeroRun } from './nhwc';

/** y [n, inH·sh, inW·sw, c]: each pixel of x [n, inH, inW, c] repeated over an sh x sw block. y must not overlap x. */
export function upsampleNearestNHWC(x: usize, y: usize, n: i32, inH: i32, inW: i32, c: i32, sh: i32, sw: i32): void {
  const rowFloats = inW * sw * c;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < inH; iy++) {
      const first = at(y, (b * inH + iy) * sh * rowFloats);
      let dst = first;
      for (let ix = 0; ix < inW; ix++) {
        const src = at(x, ((b * inH + iy) * inW + ix) * c);
        for (let q = 0; q < sw; q++) {
          copyRun(dst, src, c);
          dst = at(dst, c);
        }
      }
      // The other sh − 1 output rows of this input row are copies of the first.
      for (let r = 1; r < sh; r++) copyRun(at(first, r * rowFloats), first, rowFloats);
    }
  }
}

/** dx [n, inH, inW, c] = the sum of dy [n, inH·sh, inW·sw, c] over each pixel's sh x sw block (overwrites dx). */
export function upsampleNearestGradNHWC(dy: usize, dx: usize, n: i32, inH: i32, inW: i32, c: i32, sh: i32, sw: i32): void {
  const outW = inW * sw;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const dst = at(dx, ((b * inH + iy) * inW + ix) * c);
        zeroRun(dst, c);
        for (let r = 0; r < sh; r++) {
          const row = (b * inH + iy) * sh + r;
          for (let q = 0; q < sw; q++) addRun(dst, at(dy, (row * outW + ix * sw + q) * c), c);
        }
      }
    }
  }
}

/**
 * Where output coordinate o samples an axis upsampled by s: TF's resize_bilinear with
 * align_corners false, at o/s (TF.js, Keras under TF 1) or, with half-pixel centres, at
 * (o + ½)/s − ½ (TF 2's tf.image.resize, Keras 3). Returns the source position; the callers
 * clamp as TF does: lower = max(0, ⌊p⌋), upper = min(size − 1, ⌈p⌉), weight of upper = p − lower.
 */
@inline function sourcePosition(o: i32, s: i32, halfPixel: i32): f64 {
  return halfPixel ? (<f64>o + 0.5) / <f64>s - 0.5 : <f64>o / <f64>s;
}

@inline function lowerIndex(p: f64): i32 {
  return max(0, <i32>Math.floor(p));
}

@inline function upperIndex(p: f64, size: i32): i32 {
  return min(size - 1, <i32>Math.ceil(p));
}

/**
 * y [n, inH·sh, inW·sw, c] = bilinear interpolation of x [n, inH, inW, c], in TF's order of
 * operations: top = tl + (tr − tl)·fx, bottom = bl + (br − bl)·fx, y = top + (bottom − top)·fy.
 * halfPixel != 0 selects half-pixel centres. y must not overlap x.
 */
export function upsampleBilinearNHWC(x: usize, y: usize, n: i32, inH: i32, inW: i32, c: i32, sh: i32, sw: i32, halfPixel: i32): void {
  const outH = inH * sh, outW = inW * sw;
  const body = c & ~3;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const py = sourcePosition(oy, sh, halfPixel);
      const y0 = lowerIndex(py), y1 = upperIndex(py, inH);
      const fy = <f32>(py - <f64>y0);
      const vfy = f32x4.splat(fy);
      const top = (b * inH + y0) * inW, bottom = (b * inH + y1) * inW;
      for (let ox = 0; ox < outW; ox++) {
        const px = sourcePosition(ox, sw, halfPixel);
        const x0 = lowerIndex(px), x1 = upperIndex(px, inW);
        const fx = <f32>(px - <f64>x0);
        const vfx = f32x4.splat(fx);
        const tl = at(x, (top + x0) * c), tr = at(x, (top + x1) * c);
        const bl = at(x, (bottom + x0) * c), br = at(x, (bottom + x1) * c);
        const dst = at(y, out);
        let ch = 0;
        for (; ch < body; ch += 4) {
          const o = <usize>ch << 2;
          const a = v128.load(tl + o), t = f32x4.add(a, f32x4.mul(f32x4.sub(v128.load(tr + o), a), vfx));
          const d = v128.load(bl + o), u = f32x4.add(d, f32x4.mul(f32x4.sub(v128.load(br + o), d), vfx));
          v128.store(dst + o, f32x4.add(t, f32x4.mul(f32x4.sub(u, t), vfy)));
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          const a = load<f32>(tl + o), t = a + (load<f32>(tr + o) - a) * fx;
          const d = load<f32>(bl + o), u = d + (load<f32>(br + o) - d) * fx;
          store<f32>(dst + o, t + (u - t) * fy);
        }
        out += c;
      }
    }
  }
}

/**
 * dx [n, inH, inW, c] = the gradient of upsampleBilinearNHWC for dy [n, inH·sh, inW·sw, c]: each
 * output's dy goes to its four sources with weights (1 − fy)(1 − fx), (1 − fy)fx, fy(1 − fx),
 * fy·fx (overwrites dx). dx must not overlap dy.
 */
export function upsampleBilinearGradNHWC(dy: usize, dx: usize, n: i32, inH: i32, inW: i32, c: i32, sh: i32, sw: i32, halfPixel: i32): void {
  const outH = inH * sh, outW = inW * sw;
  zeroRun(dx, n * inH * inW * c);
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const py = sourcePosition(oy, sh, halfPixel);
      const y0 = lowerIndex(py), y1 = upperIndex(py, inH);
      const fy = <f32>(py - <f64>y0);
      const top = (b * inH + y0) * inW, bottom = (b * inH + y1) * inW;
      for (let ox = 0; ox < outW; ox++) {
        const px = sourcePosition(ox, sw, halfPixel);
        const x0 = lowerIndex(px), x1 = upperIndex(px, inW);
        const fx = <f32>(px - <f64>x0);
        const g = at(dy, out);
        addScaledRun(at(dx, (top + x0) * c), g, (<f32>1 - fy) * (<f32>1 - fx), c);
        addScaledRun(at(dx, (top + x1) * c), g, (<f32>1 - fy) * fx, c);
        addScaledRun(at(dx, (bottom + x0) * c), g, fy * (<f32>1 - fx), c);
        addScaledRun(at(dx, (bottom + x1) * c), g, fy * fx, c);
        out += c;
      }
    }
  }
}
