// The recurrent gate kernels (assembly/recurrent.ts) against float64 references at awkward unit
// counts, on strided rows (each kernel reads and writes one step's slice of [batch, steps, ·]
// buffers): every value written where it should be, and nothing written in the gaps.
import { describe, expect, it } from 'vitest';
import { backend, freshSeed, makeRng, maxRelError } from './helpers/kernels.js';
import { CELL_ACTIVATIONS, type CellActivation } from './helpers/recurrent-ref.js';

type Backend = Awaited<ReturnType<typeof backend>>;
const seed = freshSeed();
const UNITS = [1, 3, 5, 7, 17, 33, 127];

/**
 * Every value below is O(1) (inputs in ±3, states in ±2) and passes through at most three
 * activations, each within 1e-6 relative of float64 (kernels-activations), and a few float32
 * products and sums (2^-24 relative each): 4e-6 of the values' scale bounds the difference.
 */
const TOLERANCE = 4e-6;

/** A strided matrix [rows, width] with row stride `stride` in wasm memory; gaps hold NaN, so a stray write shows. */
class Strided {
  readonly ptr: number;
  constructor(private readonly b: Backend, readonly rows: number, readonly width: number, readonly stride: number, values?: ArrayLike<number>) {
    this.ptr = b.arena.alloc(Math.max(rows * stride, 1) * 4);
    b.arena.f32.fill(Number.NaN, this.ptr >>> 2, (this.ptr >>> 2) + rows * stride);
    if (values) for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) this.set(r, j, values[r * width + j]);
  }
  get(r: number, j: number): number { return this.b.arena.f32[(this.ptr >>> 2) + r * this.stride + j]; }
  set(r: number, j: number, v: number): void { this.b.arena.f32[(this.ptr >>> 2) + r * this.stride + j] = v; }
  /** The packed [rows, width] values. */
  values(): Float32Array {
    return Float32Array.from({ length: this.rows * this.width }, (_, i) => this.get(Math.floor(i / this.width), i % this.width));
  }
  /** Whether every gap cell still holds NaN. */
  gapsUntouched(): boolean {
    for (let r = 0; r < this.rows; r++) for (let j = this.width; j < this.stride; j++) if (!Number.isNaN(this.get(r, j))) return false;
    return true;
  }
  release(): void { this.b.arena.release(this.ptr); }
}

/** n float32 values in [lo, hi). */
function draw(rng: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/** A matrix of `width` columns whose row stride leaves a gap of 3 (rows of a [batch, steps, ·] buffer). */
function strided(b: Backend, rows: number, width: number, values?: ArrayLike<number>): Strided {
  return new Strided(b, rows, width, 2 * width + 3, values);
}

/** A packed matrix (stride = width). */
function packed(b: Backend, rows: number, width: number, values?: ArrayLike<number>): Strided {
  return new Strided(b, rows, width, width, values);
}

const PAIRS: [string, string][] = [['tanh', 'hardSigmoid'], ['tanh', 'sigmoid'], ['relu', 'hardSigmoidKeras3'], ['elu', 'sigmoid']];

describe(`SimpleRNN step kernels (seed ${seed})`, () => {
  for (const act of Object.values(CELL_ACTIVATIONS)) {
    it(`${act.name}: forward h = act(pre) and backward (dhNext + dy)·act'(h), units ${UNITS.join(', ')}`, async () => {
      const b = await backend();
      const rng = makeRng(seed + act.code * 31 + act.alpha * 1000);
      for (const u of UNITS) {
        const rows = 3;
        const pre = draw(rng, rows * u, -3, 3);
        const p = strided(b, rows, u, pre), h = strided(b, rows, u);
        b.kernels.simpleRnnStepForward(p.ptr, p.stride, h.ptr, h.stride, rows, u, act.code, act.alpha);
        const hv = h.values();
        expect(maxRelError(hv, Array.from(pre, act.f), 1)).toBeLessThan(TOLERANCE);
        const dhNext = draw(rng, rows * u, -1, 1), dy = draw(rng, rows * u, -1, 1);
        const dn = packed(b, rows, u, dhNext), d = strided(b, rows, u, dy);
        for (const withDy of [true, false]) {
          b.kernels.simpleRnnStepBackward(h.ptr, h.stride, dn.ptr, withDy ? d.ptr : 0, d.stride, p.ptr, p.stride, rows, u, act.code, act.alpha);
          const want = Array.from(hv, (y, i) => (dhNext[i] + (withDy ? dy[i] : 0)) * act.slope(y));
          expect(maxRelError(p.values(), want, 1)).toBeLessThan(TOLERANCE);
        }
        expect([p, h, d].every((m) => m.gapsUntouched())).toBe(true);
        for (const m of [p, h, dn, d]) m.release();
      }
    });
  }
});

/** The i-th of k blocks of `units` in row r of packed gate values. */
const gate = (g: ArrayLike<number>, r: number, k: number, u: number, i: number, j: number): number => g[(r * k + i) * u + j];

describe(`LSTM step kernels (seed ${seed})`, () => {
  for (const [actName, recName] of PAIRS) {
    it(`${actName} cell, ${recName} gates: forward and backward, with and without a previous cell state`, async () => {
      const b = await backend();
      const act = CELL_ACTIVATIONS[actName], rec = CELL_ACTIVATIONS[recName];
      const rng = makeRng(seed + 1000 + act.code * 10 + rec.code);
      for (const u of UNITS) for (const first of [false, true]) {
        const rows = 3, w = 4 * u;
        const pre = draw(rng, rows * w, -3, 3), cPrev = draw(rng, rows * u, -2, 2);
        const g = strided(b, rows, w, pre), cp = strided(b, rows, u, cPrev), c = strided(b, rows, u), tc = strided(b, rows, u), h = strided(b, rows, u);
        b.kernels.lstmStepForward(g.ptr, g.stride, first ? 0 : cp.ptr, cp.stride, c.ptr, c.stride, tc.ptr, tc.stride, h.ptr, h.stride, rows, u,
          act.code, act.alpha, rec.code, rec.alpha);
        const gates = g.values(), cv = c.values(), tcv = tc.values();
        const wantGates: number[] = [], wantC: number[] = [], wantH: number[] = [];
        for (let r = 0; r < rows; r++) {
          for (let k = 0; k < 4; k++) for (let j = 0; j < u; j++) wantGates.push((k === 2 ? act : rec).f(gate(pre, r, 4, u, k, j)));
          for (let j = 0; j < u; j++) {
            const [i, f, gg, o] = [0, 1, 2, 3].map((k) => wantGates[(r * 4 + k) * u + j]);
            const cNew = f * (first ? 0 : cPrev[r * u + j]) + i * gg;
            wantC.push(cNew);
            wantH.push(o * act.f(cNew));
          }
        }
        expect(maxRelError(gates, wantGates, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(cv, wantC, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(tcv, wantC.map(act.f), 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(h.values(), wantH, 1)).toBeLessThan(TOLERANCE);
        // Backward from the kernel's own activations and act(c).
        const dhNext = draw(rng, rows * u, -1, 1), dy = draw(rng, rows * u, -1, 1), dcNext = draw(rng, rows * u, -1, 1);
        const dn = packed(b, rows, u, dhNext), d = strided(b, rows, u, dy), dc = packed(b, rows, u, dcNext);
        b.kernels.lstmStepBackward(g.ptr, g.stride, first ? 0 : cp.ptr, cp.stride, tc.ptr, tc.stride, dn.ptr, d.ptr, d.stride, dc.ptr, rows, u,
          act.code, act.alpha, rec.code, rec.alpha);
        const wantD: number[] = [], wantDc: number[] = [];
        for (let r = 0; r < rows; r++) {
          const block = Array.from({ length: 4 }, () => new Array<number>(u));
          for (let j = 0; j < u; j++) {
            const [i, f, gg, o] = [0, 1, 2, 3].map((k) => gate(gates, r, 4, u, k, j));
            const dh = dhNext[r * u + j] + dy[r * u + j];
            const t = tcv[r * u + j];
            const dC = dcNext[r * u + j] + dh * o * act.slope(t);
            block[0][j] = dC * gg * rec.slope(i);
            block[1][j] = dC * (first ? 0 : cPrev[r * u + j]) * rec.slope(f);
            block[2][j] = dC * i * act.slope(gg);
            block[3][j] = dh * t * rec.slope(o);
            wantDc.push(dC * f);
          }
          wantD.push(...block.flat());
        }
        expect(maxRelError(g.values(), wantD, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(dc.values(), wantDc, 1)).toBeLessThan(TOLERANCE);
        expect([g, cp, c, tc, h, d].every((m) => m.gapsUntouched())).toBe(true);
        for (const m of [g, cp, c, tc, h, dn, d, dc]) m.release();
      }
    });
  }
});

/** The reference reset-after step: gate activations [z, r, hh] and h from x·W + b and inner = hPrev·U + b'. */
function gruAfterRef(act: CellActivation, rec: CellActivation, xw: Float32Array, inner: Float32Array, hPrev: Float32Array | null, rows: number, u: number) {
  const gates: number[] = [], h: number[] = [];
  for (let r = 0; r < rows; r++) {
    const z = [], rr = [], hh = [];
    for (let j = 0; j < u; j++) {
      z.push(rec.f(gate(xw, r, 3, u, 0, j) + gate(inner, r, 3, u, 0, j)));
      rr.push(rec.f(gate(xw, r, 3, u, 1, j) + gate(inner, r, 3, u, 1, j)));
      hh.push(act.f(gate(xw, r, 3, u, 2, j) + rr[j] * gate(inner, r, 3, u, 2, j)));
      const hp = hPrev ? hPrev[r * u + j] : 0;
      h.push(z[j] * hp + (1 - z[j]) * hh[j]);
    }
    gates.push(...z, ...rr, ...hh);
  }
  return { gates, h };
}

describe(`GRU step kernels (seed ${seed})`, () => {
  for (const [actName, recName] of PAIRS) {
    it(`reset after, ${actName} candidate, ${recName} gates: forward and backward`, async () => {
      const b = await backend();
      const act = CELL_ACTIVATIONS[actName], rec = CELL_ACTIVATIONS[recName];
      const rng = makeRng(seed + 2000 + act.code * 10 + rec.code);
      for (const u of UNITS) for (const first of [false, true]) {
        const rows = 3, w = 3 * u;
        const xw = draw(rng, rows * w, -3, 3), inner = draw(rng, rows * w, -3, 3), hPrev = draw(rng, rows * u, -1, 1);
        const g = strided(b, rows, w, xw), inn = packed(b, rows, w, inner), hp = strided(b, rows, u, hPrev);
        const innerH = strided(b, rows, u), h = strided(b, rows, u);
        b.kernels.gruStepForward(g.ptr, g.stride, inn.ptr, first ? 0 : hp.ptr, hp.stride, innerH.ptr, innerH.stride, h.ptr, h.stride, rows, u,
          act.code, act.alpha, rec.code, rec.alpha);
        const want = gruAfterRef(act, rec, xw, inner, first ? null : hPrev, rows, u);
        const gates = g.values();
        expect(maxRelError(gates, want.gates, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(h.values(), want.h, 1)).toBeLessThan(TOLERANCE);
        expect(Array.from(innerH.values())).toEqual(Array.from({ length: rows * u }, (_, i) => inner[Math.floor(i / u) * w + 2 * u + (i % u)]));
        const dhNext = draw(rng, rows * u, -1, 1), dy = draw(rng, rows * u, -1, 1);
        const dn = packed(b, rows, u, dhNext), d = strided(b, rows, u, dy);
        b.kernels.gruStepBackward(g.ptr, g.stride, first ? 0 : hp.ptr, hp.stride, innerH.ptr, innerH.stride, dn.ptr, d.ptr, d.stride, inn.ptr,
          rows, u, act.code, act.alpha, rec.code, rec.alpha);
        const wantG: number[] = [], wantInner: number[] = [], wantDh: number[] = [];
        for (let r = 0; r < rows; r++) {
          const dz = [], dr = [], dhh = [], dhhR = [];
          for (let j = 0; j < u; j++) {
            const [z, rr, hh] = [0, 1, 2].map((k) => gate(gates, r, 3, u, k, j));
            const dh = dhNext[r * u + j] + dy[r * u + j], prev = first ? 0 : hPrev[r * u + j];
            dz.push(dh * (prev - hh) * rec.slope(z));
            dhh.push(dh * (1 - z) * act.slope(hh));
            dr.push(dhh[j] * gate(inner, r, 3, u, 2, j) * rec.slope(rr));
            dhhR.push(dhh[j] * rr);
            wantDh.push(dh * z);
          }
          wantG.push(...dz, ...dr, ...dhh);
          wantInner.push(...dz, ...dr, ...dhhR);
        }
        expect(maxRelError(g.values(), wantG, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(inn.values(), wantInner, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(dn.values(), wantDh, 1)).toBeLessThan(TOLERANCE);
        expect([g, hp, innerH, h, d].every((m) => m.gapsUntouched())).toBe(true);
        for (const m of [g, inn, hp, innerH, h, dn, d]) m.release();
      }
    });

    it(`reset before, ${actName} candidate, ${recName} gates: both halves forward and backward`, async () => {
      const b = await backend();
      const act = CELL_ACTIVATIONS[actName], rec = CELL_ACTIVATIONS[recName];
      const rng = makeRng(seed + 3000 + act.code * 10 + rec.code);
      for (const u of UNITS) for (const first of [false, true]) {
        const rows = 3, w = 3 * u;
        const pre = draw(rng, rows * w, -3, 3), hPrev = draw(rng, rows * u, -1, 1);
        const g = strided(b, rows, w, pre), hp = strided(b, rows, u, hPrev), rh = packed(b, rows, u), h = strided(b, rows, u);
        const prev = (r: number, j: number): number => (first ? 0 : hPrev[r * u + j]);
        b.kernels.gruResetGatesForward(g.ptr, g.stride, first ? 0 : hp.ptr, hp.stride, rh.ptr, rows, u, rec.code, rec.alpha);
        const z = Array.from({ length: rows * u }, (_, i) => rec.f(gate(pre, Math.floor(i / u), 3, u, 0, i % u)));
        const r = Array.from({ length: rows * u }, (_, i) => rec.f(gate(pre, Math.floor(i / u), 3, u, 1, i % u)));
        expect(maxRelError(rh.values(), r.map((v, i) => v * prev(Math.floor(i / u), i % u)), 1)).toBeLessThan(TOLERANCE);
        b.kernels.gruResetOutputForward(g.ptr, g.stride, first ? 0 : hp.ptr, hp.stride, h.ptr, h.stride, rows, u, act.code, act.alpha);
        const hh = Array.from({ length: rows * u }, (_, i) => act.f(gate(pre, Math.floor(i / u), 3, u, 2, i % u)));
        const gates = g.values();
        const wantGates = Array.from({ length: rows }, (_, row) => [z, r, hh].flatMap((v) => v.slice(row * u, row * u + u))).flat();
        expect(maxRelError(gates, wantGates, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(h.values(), hh.map((v, i) => z[i] * prev(Math.floor(i / u), i % u) + (1 - z[i]) * v), 1)).toBeLessThan(TOLERANCE);
        // Backward: first half from dh, then the second half given dRh (drawn here: the layer gets it from a GEMM).
        const dhNext = draw(rng, rows * u, -1, 1), dy = draw(rng, rows * u, -1, 1), dRh = draw(rng, rows * u, -1, 1);
        const dn = packed(b, rows, u, dhNext), d = strided(b, rows, u, dy);
        b.kernels.gruResetOutputBackward(g.ptr, g.stride, first ? 0 : hp.ptr, hp.stride, dn.ptr, d.ptr, d.stride, rows, u, act.code, act.alpha, rec.code, rec.alpha);
        b.arena.f32.set(dRh, rh.ptr >>> 2);
        b.kernels.gruResetGatesBackward(g.ptr, g.stride, first ? 0 : hp.ptr, hp.stride, rh.ptr, dn.ptr, rows, u, rec.code, rec.alpha);
        const wantG: number[] = [], wantDh: number[] = [], wantRh: number[] = [];
        for (let row = 0; row < rows; row++) {
          const dz = [], dr = [], dhh = [];
          for (let j = 0; j < u; j++) {
            const i = row * u + j, [zz, rr, hv] = [0, 1, 2].map((k) => gate(gates, row, 3, u, k, j));
            const dh = dhNext[i] + dy[i];
            dz.push(dh * (prev(row, j) - hv) * rec.slope(zz));
            dhh.push(dh * (1 - zz) * act.slope(hv));
            dr.push(dRh[i] * prev(row, j) * rec.slope(rr));
            wantDh.push(dh * zz + dRh[i] * rr);
            wantRh.push(rr * prev(row, j));
          }
          wantG.push(...dz, ...dr, ...dhh);
        }
        expect(maxRelError(g.values(), wantG, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(dn.values(), wantDh, 1)).toBeLessThan(TOLERANCE);
        expect(maxRelError(rh.values(), wantRh, 1)).toBeLessThan(TOLERANCE);
        expect([g, hp, h, d].every((m) => m.gapsUntouched())).toBe(true);
        for (const m of [g, hp, rh, h, dn, d]) m.release();
      }
    });
  }
});
