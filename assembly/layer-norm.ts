// Layer normalisation (Keras LayerNormalization): each row of x [rows, cols] is normalised over
// its own cols values (one sample's normalised trailing axes, flattened), then scaled and shifted
// per column: y = γ·(x − mean)·invStd + β with invStd = 1/√(variance + ε), variance biased as
// Keras's. gamma/beta [cols] may be 0 (Keras scale=false / center=false), meaning γ = 1 / β = 0.
// Statistics are two-pass (mean, then centred squares) so a large mean does not cancel the
// variance. f32x4 over columns with scalar tails; rows are independent.
import { at } from './nhwc';
import { hsum } from './math';

/** Four per-column values from [c, c+4), or `fallback` in each lane when the pointer is 0. */
@inline function vecOr(p: usize, c: i32, fallback: f32): v128 {
  return p ? v128.load(at(p, c)) : f32x4.splat(fallback);
}

/** The per-column value at c, or `fallback` when the pointer is 0. */
@inline function scalarOr(p: usize, c: i32, fallback: f32): f32 {
  return p ? load<f32>(at(p, c)) : fallback;
}

/** Σ row[0..cols), four lanes then the tail. */
@inline function rowSum(row: usize, cols: i32): f32 {
  const body = cols & ~3;
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c < body; c += 4) acc = f32x4.add(acc, v128.load(at(row, c)));
  let s = hsum(acc);
  for (; c < cols; c++) s += load<f32>(at(row, c));
  return s;
}

/** Σ (row[c] − mu)² over c < cols. */
@inline function centredSquares(row: usize, mu: f32, cols: i32): f32 {
  const body = cols & ~3;
  const vmu = f32x4.splat(mu);
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c < body; c += 4) {
    const d = f32x4.sub(v128.load(at(row, c)), vmu);
    acc = f32x4.add(acc, f32x4.mul(d, d));
  }
  let s = hsum(acc);
  for (; c < cols; c++) {
    const d = load<f32>(at(row, c)) - mu;
    s += d * d;
  }
  return s;
}

/**
 * Forward: per row, mean[r] and invStd[r] (kept for backward), then y = γ·(x − mean)·invStd + β.
 * y may alias x; mean and invStd [rows] alias nothing.
 */
export function layerNormForward(
  x: usize, gamma: usize, beta: usize, y: usize, mean: usize, invStd: usize, rows: i32, cols: i32, epsilon: f32,
): void {
  const body = cols & ~3;
  const invCols = <f32>1 / <f32>cols;
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * cols), out = at(y, r * cols);
    const mu = rowSum(row, cols) * invCols;
    const inv = <f32>1 / Mathf.sqrt(centredSquares(row, mu, cols) * invCols + epsilon);
    store<f32>(at(mean, r), mu);
    store<f32>(at(invStd, r), inv);
    const vmu = f32x4.splat(mu), vinv = f32x4.splat(inv);
    let c = 0;
    for (; c < body; c += 4) {
      const h = f32x4.mul(f32x4.sub(v128.load(at(row, c)), vmu), vinv);
      v128.store(at(out, c), f32x4.add(f32x4.mul(vecOr(gamma, c, 1), h), vecOr(beta, c, 0)));
    }
    for (; c < cols; c++) {
      const h = (load<f32>(at(row, c)) - mu) * inv;
      store<f32>(at(out, c), scalarOr(gamma, c, 1) * h + scalarOr(beta, c, 0));
    }
  }
}

/**
 * Backward from dy [rows, cols], the input x and the forward's mean and invStd. With
 * x̂ = (x − mean)·invStd and g = γ·dy: dx = invStd·(g − mean_c(g) − x̂·mean_c(g·x̂)) per row;
 * dgamma = Σ_rows dy·x̂ and dbeta = Σ_rows dy ([cols], overwritten). A pointer of 0 skips that
 * output (dx, dgamma, dbeta). dx may alias dy or x.
 */
export function layerNormBackward(
  dy: usize, x: usize, mean: usize, invStd: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, cols: i32,
): void {
  const body = cols & ~3;
  const invCols = <f32>1 / <f32>cols;
  if (dgamma) memory.fill(dgamma, 0, <usize>cols << 2);
  if (dbeta) memory.fill(dbeta, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const mu = load<f32>(at(mean, r)), inv = load<f32>(at(invStd, r));
    const vmu = f32x4.splat(mu), vinv = f32x4.splat(inv);
    // Pass 1: the row's Σg and Σg·x̂, and the parameter gradients' share of this row.
    let accG = f32x4.splat(0), accGX = f32x4.splat(0);
    let c = 0;
    for (; c < body; c += 4) {
      const d = v128.load(at(dy, off + c));
      const h = f32x4.mul(f32x4.sub(v128.load(at(x, off + c)), vmu), vinv);
      const g = f32x4.mul(vecOr(gamma, c, 1), d);
      accG = f32x4.add(accG, g);
      accGX = f32x4.add(accGX, f32x4.mul(g, h));
      if (dgamma) v128.store(at(dgamma, c), f32x4.add(v128.load(at(dgamma, c)), f32x4.mul(d, h)));
      if (dbeta) v128.store(at(dbeta, c), f32x4.add(v128.load(at(dbeta, c)), d));
    }
    let sumG = hsum(accG), sumGX = hsum(accGX);
    for (; c < cols; c++) {
      const d = load<f32>(at(dy, off + c));
      const h = (load<f32>(at(x, off + c)) - mu) * inv;
      const g = scalarOr(gamma, c, 1) * d;
      sumG += g;
      sumGX += g * h;
      if (dgamma) store<f32>(at(dgamma, c), load<f32>(at(dgamma, c)) + d * h);
      if (dbeta) store<f32>(at(dbeta, c), load<f32>(at(dbeta, c)) + d);
    }
    if (!dx) continue;
    // Pass 2: dx, element by element (reads of dy and x at an index precede its write).
    const meanG = sumG * invCols, meanGX = sumGX * invCols;
    const vmeanG = f32x4.splat(meanG), vmeanGX = f32x4.splat(meanGX);
    c = 0;
    for (; c < body; c += 4) {
      const h = f32x4.mul(f32x4.sub(v128.load(at(x, off + c)), vmu), vinv);
      const g = f32x4.mul(vecOr(gamma, c, 1), v128.load(at(dy, off + c)));
      const v = f32x4.mul(vinv, f32x4.sub(f32x4.sub(g, vmeanG), f32x4.mul(h, vmeanGX)));
      v128.store(at(dx, off + c), v);
    }
    for (; c < cols; c++) {
      const h = (load<f32>(at(x, off + c)) - mu) * inv;
      const g = scalarOr(gamma, c, 1) * load<f32>(at(dy, off + c));
      store<f32>(at(dx, off + c), inv * (g - meanG - h * meanGX));
    }
  }
}
