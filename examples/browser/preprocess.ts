/**
 * A drawing as an MNIST digit. MNIST's recipe: the digit's bounding box is scaled (aspect kept)
 * to fit a 20×20 box, anti-aliased, and placed in the 28×28 image so that its centre of mass
 * is the image centre. Here every source pixel is an exact box filter footprint: its square,
 * mapped into the 28×28 grid, adds its ink to each target pixel in proportion to the overlap.
 * Values end in [0, 1] with the darkest stroke at 1. No DOM: runs in Node for the tests.
 */

/** Side of the MNIST image. */
export const SIDE = 28;
/** Side of the box the digit is scaled to fit, as in MNIST. */
export const BOX = 20;

/** What {@link toMnist} found and made. */
export interface Preprocessed {
  /** The 28×28 digit, row-major, values in [0, 1]. */
  pixels: Float32Array;
  /** Centre of mass of the drawing, in source pixels. */
  centre: [number, number];
  /** Source pixels per MNIST pixel. */
  scale: number;
}

/**
 * `ink` holds width×height intensities (row-major; 0 = background, 1 = full ink). Returns null
 * for an empty drawing.
 */
export function toMnist(ink: ArrayLike<number>, width: number, height: number): Preprocessed | null {
  if (ink.length !== width * height) throw new RangeError(`toMnist: expected ${width}×${height} = ${width * height} values, got ${ink.length}`);
  let minX = width, minY = height, maxX = -1, maxY = -1;
  let mass = 0, sumX = 0, sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x];
      if (!(v > 0)) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      mass += v;
      sumX += v * (x + 0.5);
      sumY += v * (y + 0.5);
    }
  }
  if (mass === 0) return null;
  const cx = sumX / mass;
  const cy = sumY / mass;
  const s = BOX / Math.max(maxX - minX + 1, maxY - minY + 1); // MNIST pixels per source pixel
  const pixels = new Float32Array(SIDE * SIDE);
  const half = SIDE / 2;
  for (let y = minY; y <= maxY; y++) {
    const y0 = half + (y - cy) * s;
    const y1 = y0 + s;
    for (let x = minX; x <= maxX; x++) {
      const v = ink[y * width + x];
      if (!(v > 0)) continue;
      const x0 = half + (x - cx) * s;
      const x1 = x0 + s;
      for (let ty = Math.max(0, Math.floor(y0)); ty < Math.min(SIDE, Math.ceil(y1)); ty++) {
        const dy = Math.min(y1, ty + 1) - Math.max(y0, ty);
        for (let tx = Math.max(0, Math.floor(x0)); tx < Math.min(SIDE, Math.ceil(x1)); tx++) {
          const dx = Math.min(x1, tx + 1) - Math.max(x0, tx);
          pixels[ty * SIDE + tx] += v * dx * dy;
        }
      }
    }
  }
  let max = 0;
  for (const v of pixels) if (v > max) max = v;
  if (max > 0) for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, pixels[i] / max);
  return { pixels, centre: [cx, cy], scale: 1 / s };
}

/** Ink of RGBA image data drawn white on black: the mean of the colour channels, in [0, 1]. */
export function inkOf(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = (rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / (3 * 255);
  return ink;
}
