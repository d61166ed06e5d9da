// Max, average and global average pooling (NHWC): forward, backward, finite differences.
import { describe, expect, it } from 'vitest';
import { allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';
import { axis, centralDifference, dot, padLabel, sampleIndices, tapAt, type Padding } from './helpers/conv-geometry.js';
import type { Backend } from '../src/core/wasm.js';

interface Case { n: number; h: number; w: number; c: number; ph: number; pw: number; sh: number; sw: number; padding: Padding }

function geometry(cs: Case) {
  const y = axis(cs.h, cs.ph, cs.sh, 1, cs.padding, 0), x = axis(cs.w, cs.pw, cs.sw, 1, cs.padding, 1);
  return { ...cs, outH: y.out, outW: x.out, padTop: y.pad, padLeft: x.pad, xCount: cs.n * cs.h * cs.w * cs.c, yCount: cs.n * y.out * x.out * cs.c };
}
type Geo = ReturnType<typeof geometry>;

/** Calls visit(yi, xIndices) per output element with the in-bounds input indices of its window. */
function eachWindow(g: Geo, visit: (yi: number, cells: number[]) => void): void {
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) for (let ch = 0; ch < g.c; ch++) {
    const cells: number[] = [];
    for (let ky = 0; ky < g.ph; ky++) for (let kx = 0; kx < g.pw; kx++) {
      const iy = tapAt(oy, ky, g.sh, 1, g.padTop, g.h), ix = tapAt(ox, kx, g.sw, 1, g.padLeft, g.w);
      if (iy >= 0 && ix >= 0) cells.push(((b * g.h + iy) * g.w + ix) * g.c + ch);
    }
    visit(((b * g.outH + oy) * g.outW + ox) * g.c + ch, cells);
  }
}

function maxPoolRef(g: Geo, x: Float32Array) {
  const y = new Float64Array(g.yCount), arg = new Int32Array(g.yCount);
  eachWindow(g, (yi, cells) => {
    let best = -1;
    for (const i of cells) if (best < 0 || x[i] > x[best]) best = i;
    arg[yi] = best;
    y[yi] = best < 0 ? 0 : x[best];
  });
  return { y, arg };
}

function avgPoolRef(g: Geo, x: Float32Array): Float64Array {
  const y = new Float64Array(g.yCount);
  eachWindow(g, (yi, cells) => { for (const i of cells) y[yi] += x[i] / cells.length; });
  return y;
}

function avgPoolGradRef(g: Geo, dy: Float32Array): Float64Array {
  const dx = new Float64Array(g.xCount);
  eachWindow(g, (yi, cells) => { for (const i of cells) dx[i] += dy[yi] / cells.length; });
  return dx;
}

function poolArgs(g: Geo): [number, number, number, number, number, number, number, number, number, number, number, number] {
  return [g.n, g.h, g.w, g.c, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft, g.outH, g.outW];
}

function maxPoolWasm(b: Backend, g: Geo, x: Float32Array) {
  const px = toWasm(b, x), py = allocWasm(b, g.yCount), parg = allocWasm(b, g.yCount);
  b.kernels.maxPoolForward(px, py, parg, ...poolArgs(g));
  const y = fromWasm(b, py, g.yCount), arg = b.arena.i32.slice(parg >>> 2, (parg >>> 2) + g.yCount);
  for (const p of [px, py, parg]) b.arena.release(p);
  return { y, arg };
}

function maxPoolGradWasm(b: Backend, g: Geo, arg: Int32Array, dy: Float32Array, dx0?: Float32Array): Float32Array {
  const pdy = toWasm(b, dy), parg = toWasm(b, arg), pdx = dx0 ? toWasm(b, dx0) : allocWasm(b, g.xCount);
  b.kernels.maxPoolBackward(pdy, parg, pdx, g.yCount, g.xCount, dx0 ? 1 : 0);
  const dx = fromWasm(b, pdx, g.xCount);
  for (const p of [pdy, parg, pdx]) b.arena.release(p);
  return dx;
}

function avgPoolWasm(b: Backend, g: Geo, x: Float32Array): Float32Array {
  const px = toWasm(b, x), py = allocWasm(b, g.yCount);
  b.kernels.avgPoolForward(px, py, ...poolArgs(g));
  const y = fromWasm(b, py, g.yCount);
  for (const p of [px, py]) b.arena.release(p);
  return y;
}

function avgPoolGradWasm(b: Backend, g: Geo, dy: Float32Array, dx0?: Float32Array): Float32Array {
  const pdy = toWasm(b, dy), pdx = dx0 ? toWasm(b, dx0) : allocWasm(b, g.xCount);
  b.kernels.avgPoolBackward(pdy, pdx, ...poolArgs(g), dx0 ? 1 : 0);
  const dx = fromWasm(b, pdx, g.xCount);
  for (const p of [pdy, pdx]) b.arena.release(p);
  return dx;
}

/** Distinct values spaced 2/count apart in [-1, 1), shuffled: no ties, so max pooling has one arg-max. */
function distinctValues(count: number, rng: () => number): Float32Array {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  return Float32Array.from(order, (k) => -1 + (2 * (k + 0.5)) / count);
}

const c = (n: number, h: number, w: number, ch: number, ph: number, pw: number, sh: number, sw: number, padding: Padding): Case =>
  ({ n, h, w, c: ch, ph, pw, sh, sw, padding });

const CASES: Case[] = [
  c(2, 7, 9, 3, 2, 2, 2, 2, 'valid'),
  c(1, 9, 7, 5, 3, 3, 1, 1, 'same'),
  c(2, 11, 9, 6, 3, 2, 3, 2, 'same'),
  c(1, 7, 7, 1, 3, 3, 2, 2, [[1, 0], [2, 1]]),
  c(1, 5, 9, 5, 2, 3, 3, 3, [[0, 2], [1, 1]]),
  c(2, 9, 9, 6, 3, 3, 2, 2, 'same'),
  // Windows wholly in the padding: max gives 0 with arg-max −1, average gives 0.
  c(1, 3, 5, 3, 2, 2, 1, 1, [[3, 0], [0, 1]]),
];

describe('pooling', () => {
  const seed = freshSeed();
  CASES.forEach((cs, ci) => {
    const g = geometry(cs);
    const name = `x[${g.n},${g.h},${g.w},${g.c}] pool ${g.ph}x${g.pw} s${g.sh}x${g.sw} ${padLabel(g.padding)} → ${g.outH}x${g.outW} (seed ${seed})`;
    const data = () => {
      const rng = makeRng(seed + 31 * ci);
      return { rng, x: distinctValues(g.xCount, rng), dy: randomArray(g.yCount, rng) };
    };

    it(`max pool forward and arg-max match the reference: ${name}`, async () => {
      const b = await backend();
      const { x } = data();
      const got = maxPoolWasm(b, g, x), ref = maxPoolRef(g, x);
      expect(maxRelError(got.y, ref.y)).toBe(0);
      expect(Array.from(got.arg)).toEqual(Array.from(ref.arg));
    });

    it(`max pool backward matches the scatter reference and central differences: ${name}`, async () => {
      const b = await backend();
      const { rng, x, dy } = data();
      const { arg } = maxPoolRef(g, x);
      const ref = new Float64Array(g.xCount);
      arg.forEach((j, i) => { if (j >= 0) ref[j] += dy[i]; });
      const dx = maxPoolGradWasm(b, g, arg, dy);
      expect(maxRelError(dx, ref)).toBeLessThan(1e-6);
      const dx0 = randomArray(g.xCount, rng);
      expect(maxRelError(maxPoolGradWasm(b, g, arg, dy, dx0), ref.map((v, i) => v + dx0[i]))).toBeLessThan(1e-6);
      // Probe winners and random cells; a step of a quarter of the value spacing never reorders a window.
      const winners = [...new Set(Array.from(arg).filter((j) => j >= 0))];
      const probes = [...sampleIndices(winners.length, 3, rng).map((k) => winners[k]), ...sampleIndices(g.xCount, 3, rng)];
      const fd = probes.map((i) => centralDifference(x, i, 0.5 / g.xCount, (v) => dot(dy, maxPoolWasm(b, g, v).y)));
      expect(maxRelError(probes.map((i) => dx[i]), fd)).toBeLessThan(1e-3);
    });

    it(`average pool forward, backward and central differences: ${name}`, async () => {
      const b = await backend();
      const { rng, dy } = data();
      const x = randomArray(g.xCount, rng);
      expect(maxRelError(avgPoolWasm(b, g, x), avgPoolRef(g, x))).toBeLessThan(1e-6);
      const ref = avgPoolGradRef(g, dy);
      const dx = avgPoolGradWasm(b, g, dy);
      expect(maxRelError(dx, ref)).toBeLessThan(1e-6);
      const dx0 = randomArray(g.xCount, rng);
      expect(maxRelError(avgPoolGradWasm(b, g, dy, dx0), ref.map((v, i) => v + dx0[i]))).toBeLessThan(1e-6);
      const probes = sampleIndices(g.xCount, 6, rng);
      const fd = probes.map((i) => centralDifference(x, i, 0.05, (v) => dot(dy, avgPoolWasm(b, g, v))));
      expect(maxRelError(probes.map((i) => dx[i]), fd)).toBeLessThan(1e-3);
    });
  });

  for (const [n, hw, ch] of [[2, 35, 3], [1, 9, 6], [3, 1, 5], [2, 49, 1]] as const) {
    it(`global average pool forward, backward and central differences: n=${n} hw=${hw} c=${ch} (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + hw * 7 + ch);
      const x = randomArray(n * hw * ch, rng), dy = randomArray(n * ch, rng);
      const forward = (v: Float32Array) => {
        const px = toWasm(b, v), py = allocWasm(b, n * ch);
        b.kernels.globalAvgPoolForward(px, py, n, hw, ch);
        const y = fromWasm(b, py, n * ch);
        b.arena.release(px); b.arena.release(py);
        return y;
      };
      const backward = (dx0?: Float32Array) => {
        const pdy = toWasm(b, dy), pdx = dx0 ? toWasm(b, dx0) : allocWasm(b, x.length);
        b.kernels.globalAvgPoolBackward(pdy, pdx, n, hw, ch, dx0 ? 1 : 0);
        const dx = fromWasm(b, pdx, x.length);
        b.arena.release(pdy); b.arena.release(pdx);
        return dx;
      };
      const yRef = new Float64Array(n * ch), dxRef = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const o = Math.floor(i / (hw * ch)) * ch + (i % ch);
        yRef[o] += x[i] / hw;
        dxRef[i] = dy[o] / hw;
      }
      expect(maxRelError(forward(x), yRef)).toBeLessThan(1e-6);
      const dx = backward();
      expect(maxRelError(dx, dxRef)).toBeLessThan(1e-6);
      const dx0 = randomArray(x.length, rng);
      expect(maxRelError(backward(dx0), dxRef.map((v, i) => v + dx0[i]))).toBeLessThan(1e-6);
      const probes = sampleIndices(x.length, 5, rng);
      const fd = probes.map((i) => centralDifference(x, i, 0.05, (v) => dot(dy, forward(v))));
      expect(maxRelError(probes.map((i) => dx[i]), fd)).toBeLessThan(1e-3);
    });
  }
});
