// Packed, cache-blocked, register-blocked f32x4 GEMM (GotoBLAS/BLIS loop structure).
// Loops, outermost first: jc over NC columns (the packed B block stays in L2/L3),
// pc over KC depth, ic over MC rows (the packed A block stays in L2), then jr over
// 8-column B panels (one B panel stays in L1) and ir over MR-row A panels, each one
// call of the MR x 8 micro-kernel. Blocks are split evenly, so no block is a thin remainder.
import { ACT_LINEAR } from './activation-lanes';
import { applyEpilogue } from './epilogue';
import { rowTimesMatrix } from './gemm/gemv';
import { microKernel5x8 } from './gemm/micro';
import { packA, packB } from './gemm/pack';
import { storeTile, storeTileTransposed } from './gemm/tile';

/** Rows of the register tile: 5x8 is the largest tile that V8 keeps in registers. */
const MR = 5;
/** Columns of the register tile: two f32x4. */
const NR = 8;
/** Depth of a block: an A panel (80 B per step) and a B panel (32 B per step) fit L1 (28 KiB) together. */
const KC = 256;
/** Rows of a packed A block (multiple of MR): 80 x 256 pre-splatted values = 320 KiB of L2. */
const MC = 80;
/** Columns of a packed B block (multiple of NR): 256 x 1024 floats = 1 MiB, from L2/L3. */
const NC = 1024;

const A_BYTES = MC * KC * 16; // pre-splatted: 16 bytes per value
const B_BYTES = KC * NC * 4;
const TILE_BYTES = MR * NR * 4;

/** Bytes of scratch `gemm` needs for packed panels, whatever the sizes. */
export function gemmScratchBytes(): i32 {
  return A_BYTES + B_BYTES + TILE_BYTES;
}

/**
 * C[m,n] = act((C +) op(A)[m,k] · op(B)[k,n] + bias), row-major.
 * op(A) = transA ? A^T : A, where A is stored with row stride lda (elements); likewise B with ldb.
 * accumulate != 0 adds into C, else C is overwritten. bias: n floats added to every row (0: none);
 * act: an ACT_ code of activation-lanes.ts with its alpha, applied as each tile is written back
 * after its last depth block. scratch: gemmScratchBytes() bytes.
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, bias: usize, act: i32, alpha: f32, scratch: usize,
): void {
  gemmPart(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, act, alpha, scratch, 0, 1);
}

/**
 * Part `part` of `parts` of gemm(...): the same C, split by blocks of the output (MR rows or
 * NR columns of whichever side has more tiles) so threads can share one GEMM. Each element of C
 * runs the same instructions in the same order whatever the split: the depth blocks depend on k
 * only and the C^T choice on the whole problem, so results are bit-identical for every `parts`.
 * One-row and empty-depth problems are not split: part 0 does them whole.
 */
export function gemmPart(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, bias: usize, act: i32, alpha: f32, scratch: usize, part: i32, parts: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0) {
    if (part != 0) return;
    if (!accumulate) zeroC(m, n, c, ldc);
    applyEpilogue(m, n, c, ldcBytes, bias, act, alpha);
    return;
  }
  if (m == 1 && !transB) {
    if (part != 0) return;
    // One row of C (batch-1 inference): stream B once instead of padding the row to a tile.
    rowTimesMatrix(k, n, a, transA ? lda : 1, b, ldb, c, accumulate);
    applyEpilogue(1, n, c, ldcBytes, bias, act, alpha);
    return;
  }
  if (swapPays(m, n, k)) {
    // C^T = op(B)^T · op(A)^T: the narrow side of C becomes the MR side, so it is the
    // one padded to MR and pre-splatted; tiles are written back transposed.
    blockedPart(<i32>(transB == 0), <i32>(transA == 0), n, m, k, b, ldb, a, lda, c, ldc, accumulate, scratch, 1, bias, act, alpha, part, parts);
  } else {
    blockedPart(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, scratch, 0, bias, act, alpha, part, parts);
  }
}

/** Tiles of a GEMM's larger side, the most parts it can be split into (1 when it is not split). */
export function gemmTiles(transB: i32, m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0 || (m == 1 && !transB)) return 1;
  const swap = swapPays(m, n, k);
  const rows = swap ? n : m, cols = swap ? m : n;
  return max(ceilDiv(rows, MR), ceilDiv(cols, NR));
}

/** This part's rows (or columns) of the oriented problem, then the blocked loops over them. */
function blockedPart(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, scratch: usize, cT: i32, bias: usize, act: i32, alpha: f32, part: i32, parts: i32,
): void {
  const rowTiles = ceilDiv(m, MR), colTiles = ceilDiv(n, NR);
  if (rowTiles >= colTiles) {
    const lo = min(m, <i32>(<i64>rowTiles * part / parts) * MR);
    const hi = min(m, <i32>(<i64>rowTiles * (part + 1) / parts) * MR);
    if (lo >= hi) return;
    // Rows of this call's C are columns of the stored C when cT; the bias runs along them then.
    const cAt = c + (cT ? <usize>lo << 2 : (<usize>lo * <usize>ldc) << 2);
    const biasAt: usize = bias == 0 || !cT ? bias : bias + (<usize>lo << 2);
    blocked(transA, transB, hi - lo, n, k, a + offset(transA, lo, 0, lda), lda, b, ldb, cAt, ldc, accumulate, scratch, cT, biasAt, act, alpha);
  } else {
    const lo = min(n, <i32>(<i64>colTiles * part / parts) * NR);
    const hi = min(n, <i32>(<i64>colTiles * (part + 1) / parts) * NR);
    if (lo >= hi) return;
    const cAt = c + (cT ? (<usize>lo * <usize>ldc) << 2 : <usize>lo << 2);
    const biasAt: usize = bias == 0 || cT ? bias : bias + (<usize>lo << 2);
    blocked(transA, transB, m, hi - lo, k, a, lda, b + offset(transB, 0, lo, ldb), ldb, cAt, ldc, accumulate, scratch, cT, biasAt, act, alpha);
  }
}

/**
 * Whether computing C^T is cheaper, in rough instruction counts: padded micro-kernel steps
 * (~35 each: tiles x depth), packing (a pre-splatted row costs more than a plain one) and,
 * on the C^T side, the transposing write-back of every tile after every depth block (~80).
 */
function swapPays(m: i32, n: i32, k: i32): bool {
  if (n >= m) return false;
  const kd = <f64>k;
  const direct = 35 * <f64>(ceilDiv(m, MR) * ceilDiv(n, NR)) * kd + <f64>(5 * m + 3 * n) * kd;
  const tilesT = <f64>(ceilDiv(n, MR) * ceilDiv(m, NR));
  const swapped = 35 * tilesT * kd + <f64>(5 * n + 3 * m) * kd + 80 * tilesT * <f64>ceilDiv(k, KC);
  return swapped < direct;
}

/**
 * The blocked loops for C (+)= op(A)·op(B), or C^T (+)= ... when `cT` (C is then addressed
 * transposed and the bias runs along the rows of this call's C^T).
 */
function blocked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, scratch: usize, cT: i32, bias: usize, act: i32, alpha: f32,
): void {
  const packedA = scratch;
  const packedB = scratch + A_BYTES;
  const tile = packedB + B_BYTES;
  const ldcBytes = <usize>ldc << 2;
  const ncStep = evenSplit(n, NC, NR);
  const kcStep = evenSplit(k, KC, 1);
  const mcStep = evenSplit(m, MC, MR);
  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      // Later depth blocks add to what the first one wrote.
      const beta = pc > 0 ? 1 : accumulate;
      // The epilogue runs once, on the tiles of the last depth block.
      const fuse = pc + kc >= k && (bias != 0 || act != ACT_LINEAR);
      packB(transB, kc, nc, b + offset(transB, pc, jc, ldb), ldb, packedB);
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = min(mcStep, m - ic);
        packA(transA, mc, kc, a + offset(transA, ic, pc, lda), lda, packedA, MR);
        const cBlock = c + (cT ? offset(0, jc, ic, ldc) : offset(0, ic, jc, ldc));
        const biasBlock: usize = bias == 0 ? 0 : bias + (<usize>(cT ? ic : jc) << 2);
        macroKernel(mc, nc, kc, packedA, packedB, cBlock, ldcBytes, beta, tile, cT, fuse, biasBlock, act, alpha);
      }
    }
  }
}

/**
 * Runs the micro-kernel over every MR x 8 tile of one packed A block times one packed B block;
 * when `fuse`, each tile of C gets bias (from `bias`, at this block's first column) and activation.
 */
function macroKernel(
  mc: i32, nc: i32, kc: i32, packedA: usize, packedB: usize,
  c: usize, ldcBytes: usize, beta: i32, tile: usize, cT: i32,
  fuse: bool, bias: usize, act: i32, alpha: f32,
): void {
  const aPanelBytes = <usize>kc * (MR << 4);
  const bPanelBytes = <usize>kc * (NR << 2);
  let pb = packedB;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let pa = packedA;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      if (cT) {
        microKernel5x8(kc, pa, pb, tile, NR << 2);
        const cTile = c + <usize>jr * ldcBytes + (<usize>ir << 2);
        storeTileTransposed(rows, cols, tile, cTile, ldcBytes, beta);
        // In C this tile is cols rows by rows columns; its columns are this call's rows.
        if (fuse) applyEpilogue(cols, rows, cTile, ldcBytes, bias == 0 ? 0 : bias + (<usize>ir << 2), act, alpha);
      } else {
        const cTile = c + <usize>ir * ldcBytes + (<usize>jr << 2);
        if (rows == MR && cols == NR && !beta) {
          microKernel5x8(kc, pa, pb, cTile, ldcBytes);
        } else {
          // Edge tile or accumulation: compute the tile aside, then add / copy the valid part.
          microKernel5x8(kc, pa, pb, tile, NR << 2);
          storeTile(rows, cols, tile, cTile, ldcBytes, beta);
        }
        if (fuse) applyEpilogue(rows, cols, cTile, ldcBytes, bias == 0 ? 0 : bias + (<usize>jr << 2), act, alpha);
      }
      pa += aPanelBytes;
    }
    pb += bPanelBytes;
  }
}

/** Byte offset of element (row, col) of op(X), X stored row-major with stride ld (X^T when trans). */
@inline function offset(trans: i32, row: i32, col: i32, ld: i32): usize {
  return trans ? (<usize>col * <usize>ld + <usize>row) << 2 : (<usize>row * <usize>ld + <usize>col) << 2;
}

/** Block size <= max (a multiple of `unit`) splitting `total` into equal blocks. */
function evenSplit(total: i32, max: i32, unit: i32): i32 {
  const blocks = ceilDiv(total, max);
  return min(max, ceilDiv(ceilDiv(total, blocks), unit) * unit);
}

@inline function ceilDiv(x: i32, y: i32): i32 {
  return (x + y - 1) / y;
}

/** C = 0, for k == 0 without accumulate (an empty sum). */
function zeroC(m: i32, n: i32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * <usize>ldc) << 2), 0, <usize>n << 2);
}
