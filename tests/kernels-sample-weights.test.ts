// weightSamples: weighted sum of per-sample loss terms and per-sample scaling of the gradient,
// against a float64 reference at awkward sizes; zero weights leave a sample out entirely.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';

const seed = freshSeed();

describe(`weightSamples (seed ${seed})`, () => {
  for (const samples of AWKWARD_SIZES) {
    for (const [termsPerSample, gradPerSample] of [[1, 1], [1, 10], [3, 7], [7, 33], [5, 5]]) {
      it(`${samples} samples, ${termsPerSample} terms and ${gradPerSample} gradient values each`, async () => {
        const b = await backend();
        const rng = makeRng(seed + samples * 131 + termsPerSample * 17 + gradPerSample);
        const terms = randomArray(samples * termsPerSample, rng, 0, 5);
        const grad = randomArray(samples * gradPerSample, rng, -3, 3);
        const weights = Float32Array.from({ length: samples }, (_, s) => (s % 3 === 1 ? 0 : rng() * 4));
        // A left-out sample's loss and gradient may be anything, even not finite.
        weights.forEach((w, s) => { if (w === 0) { terms[s * termsPerSample] = Infinity; grad[s * gradPerSample] = Number.NaN; } });
        const pt = toWasm(b, terms), pw = toWasm(b, weights), pg = toWasm(b, grad);
        const guard = allocWasm(b, 4, 7); // another block: must stay untouched
        const total = b.kernels.weightSamples(pt, pw, pg, samples, termsPerSample, gradPerSample);
        let want = 0;
        for (let s = 0; s < samples; s++) {
          if (weights[s] === 0) continue;
          let rowSum = 0;
          for (let j = 0; j < termsPerSample; j++) rowSum += terms[s * termsPerSample + j];
          want += weights[s] * rowSum;
        }
        // f64 accumulation of f32 terms: only the final rounding differs from the reference.
        expect(Math.abs(total - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
        const got = fromWasm(b, pg, samples * gradPerSample);
        const expected = Float32Array.from(grad, (g, i) => { const w = weights[Math.floor(i / gradPerSample)]; return w === 0 ? 0 : Math.fround(w * g); });
        expect(got).toEqual(expected); // one f32 product per value: exact
        expect(Array.from(fromWasm(b, guard, 4))).toEqual([7, 7, 7, 7]);
        for (const p of [pt, pw, pg, guard]) b.arena.release(p);
      });
    }
  }

  it('grad = 0 only sums, and writes nothing', async () => {
    const b = await backend();
    const rng = makeRng(seed ^ 0x5eed);
    const terms = randomArray(9 * 3, rng, 0, 2), weights = randomArray(9, rng, 0, 2);
    const pt = toWasm(b, terms), pw = toWasm(b, weights);
    const before = b.arena.f32.slice(0, 64);
    const total = b.kernels.weightSamples(pt, pw, 0, 9, 3, 5);
    let want = 0;
    for (let s = 0; s < 9; s++) want += weights[s] * (terms[3 * s] + terms[3 * s + 1] + terms[3 * s + 2]);
    expect(Math.abs(total - want)).toBeLessThanOrEqual(1e-12 * want);
    expect(b.arena.f32.slice(0, 64)).toEqual(before);
    expect(fromWasm(b, pt, 27)).toEqual(terms);
    b.arena.release(pt);
    b.arena.release(pw);
  });
});
