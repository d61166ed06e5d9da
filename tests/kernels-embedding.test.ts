// Embedding kernels against float64 references at awkward sizes: the index check (first invalid
// position, in the SIMD body and in the tail), the row gather (exact), and the scatter-add of
// the table gradient with repeated indices (a bound from the f32 sums' rounding).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/core/wasm.js';
import { embeddingFirstInvalid, embeddingGather, embeddingKernelArgs, embeddingScatterAdd } from '../src/core/kernels/embedding.js';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

const seed = freshSeed();
let b: Backend;
beforeAll(async () => { b = await backend(); });

/** `count` valid indices below `rows`, as float32 values. */
function indices(count: number, rows: number, rng: () => number): Float32Array {
  return Float32Array.from({ length: count }, () => Math.floor(rng() * rows));
}

/** The smallest float32 above x ≥ 0. */
function nextFloat32(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer);
  bits[0]++;
  return new Float32Array(bits.buffer)[0];
}

describe(`embeddingFirstInvalid (seed ${seed})`, () => {
  const bad: [string, (rows: number) => number][] = [
    ['NaN', () => NaN], ['−1', () => -1], ['rows', (rows) => rows], ['rows + 0.5', (rows) => rows + 0.5], ['a fraction', () => 0.5],
    ['−0.25', () => -0.25], ['+Infinity', () => Infinity], ['−Infinity', () => -Infinity], ['the next float32 above rows − 1', (rows) => nextFloat32(rows - 1)],
  ];
  AWKWARD_SIZES.forEach((count, ci) => {
    it(`${count} values: −1 when all are valid (0 and rows − 1 included), else the first bad position`, () => {
      const rng = makeRng(seed + ci);
      const rows = 1 + Math.floor(rng() * 40);
      const values = indices(count, rows, rng);
      values[0] = rows - 1;
      values[count - 1] = 0;
      const ptr = toWasm(b, values);
      expect(embeddingFirstInvalid({ indices: ptr, count, rows })).toBe(-1);
      for (const [label, make] of bad) {
        // Two bad values: the first one's position must be reported, wherever it falls (body or tail).
        const first = Math.floor(rng() * count);
        const copy = values.slice();
        copy[first] = make(rows);
        if (first + 1 < count) copy[count - 1] = NaN;
        b.arena.f32.set(copy, ptr >>> 2);
        expect(embeddingFirstInvalid({ indices: ptr, count, rows }), `${label} at ${first}`).toBe(first);
      }
      b.arena.release(ptr);
    });
  });

  it('rows = 2^24 accepts 2^24 − 1 and refuses 2^24', () => {
    const rows = 2 ** 24;
    const ptr = toWasm(b, new Float32Array([0, 1, rows - 1, 3, rows - 1]));
    expect(embeddingFirstInvalid({ indices: ptr, count: 5, rows })).toBe(-1);
    b.arena.f32[(ptr >>> 2) + 4] = rows;
    expect(embeddingFirstInvalid({ indices: ptr, count: 5, rows })).toBe(4);
    b.arena.release(ptr);
  });
});

describe(`embeddingGather and embeddingScatterAdd (seed ${seed})`, () => {
  AWKWARD_SIZES.forEach((dim, ci) => {
    const count = AWKWARD_SIZES[(ci + 3) % AWKWARD_SIZES.length];
    it(`dim ${dim}, ${count} indices: rows copied exactly; the gradient is the float64 sum within its rounding bound`, () => {
      const rng = makeRng(seed + 100 + ci);
      // Few rows, so indices repeat and the scatter sums several gradient rows into one.
      const rows = 1 + Math.floor(rng() * 5);
      const table = randomArray(rows * dim, rng);
      const idx = indices(count, rows, rng);
      const grad = randomArray(count * dim, rng);
      const e = embeddingKernelArgs(rows, dim);
      e.count = count;
      e.indices = toWasm(b, idx); e.table = toWasm(b, table); e.output = allocWasm(b, count * dim);
      e.gradOutput = toWasm(b, grad); e.gradTable = allocWasm(b, rows * dim);
      embeddingGather(e);
      const out = fromWasm(b, e.output, count * dim);
      for (let i = 0; i < count; i++) expect(Array.from(out.subarray(i * dim, (i + 1) * dim))).toEqual(Array.from(table.subarray(idx[i] * dim, (idx[i] + 1) * dim)));
      embeddingScatterAdd(e);
      const got = fromWasm(b, e.gradTable, rows * dim);
      // A sum of m float32 terms added in order is within (m − 1)·u·Σ|terms| of the exact sum (u = 2^−24),
      // and a row no index hit is exactly 0 (the kernel zeroes the table first).
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < dim; j++) {
          let exact = 0, magnitude = 0, terms = 0;
          for (let i = 0; i < count; i++) if (idx[i] === r) { exact += grad[i * dim + j]; magnitude += Math.abs(grad[i * dim + j]); terms++; }
          const bound = Math.max(terms - 1, 0) * 2 ** -24 * magnitude;
          expect(Math.abs(got[r * dim + j] - exact), `row ${r} col ${j} (${terms} terms)`).toBeLessThanOrEqual(bound);
        }
      }
      for (const ptr of [e.indices, e.table, e.output, e.gradOutput, e.gradTable]) b.arena.release(ptr);
    });
  });
});
