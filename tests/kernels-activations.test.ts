// Activation kernels: forward against float64 references, backward (from the output y)
// against the analytic derivative and against central finite differences.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, allocWasm, backend, freshSeed, fromWasm, makeRng, maxRelError, randomArray, toWasm } from './helpers/kernels.js';

type Backend = Awaited<ReturnType<typeof backend>>;
type Kernel = (...args: number[]) => void;

const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;

interface Activation {
  name: string;
  /** Extra kernel arguments after the buffers (alpha). */
  params: number[];
  /** float64 reference of f. */
  f: (x: number) => number;
  /** float64 reference of f'. */
  df: (x: number) => number;
  /** Where it is not differentiable: inputs and finite differences stay away from these. */
  kinks: number[];
  /** Backward takes the input x instead of the output y (hardSwish). */
  fromInput?: boolean;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const elu = (a: number) => (x: number) => (x > 0 ? x : a * Math.expm1(x));
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const hardSigmoid = (slope: number): Activation => ({
  name: 'hardSigmoid', params: [slope], f: (x) => clip(slope * x + 0.5, 0, 1),
  df: (x) => (Math.abs(slope * x) < 0.5 ? slope : 0), kinks: [-0.5 / slope, 0.5 / slope],
});

const ACTIVATIONS: Activation[] = [
  { name: 'relu', params: [], f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), kinks: [0] },
  { name: 'sigmoid', params: [], f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), kinks: [] },
  { name: 'tanh', params: [], f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, kinks: [] },
  { name: 'leakyRelu', params: [0.3], f: (x) => (x > 0 ? x : 0.3 * x), df: (x) => (x > 0 ? 1 : 0.3), kinks: [0] },
  { name: 'leakyRelu', params: [0.01], f: (x) => (x > 0 ? x : 0.01 * x), df: (x) => (x > 0 ? 1 : 0.01), kinks: [0] },
  { name: 'elu', params: [1], f: elu(1), df: (x) => (x > 0 ? 1 : Math.exp(x)), kinks: [0] },
  { name: 'elu', params: [0.7], f: elu(0.7), df: (x) => (x > 0 ? 1 : 0.7 * Math.exp(x)), kinks: [0] },
  { name: 'selu', params: [], f: (x) => SELU_SCALE * elu(SELU_ALPHA)(x), df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)), kinks: [0] },
  { name: 'softplus', params: [], f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), df: sigmoid, kinks: [] },
  { name: 'relu6', params: [], f: (x) => clip(x, 0, 6), df: (x) => (x > 0 && x < 6 ? 1 : 0), kinks: [0, 6] },
  hardSigmoid(0.2), // TF.js, Keras 2
  hardSigmoid(1 / 6), // Keras 3: relu6(x + 3)/6
  {
    name: 'hardSwish', params: [], f: (x) => (x * clip(x + 3, 0, 6)) / 6,
    df: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : (2 * x + 3) / 6), kinks: [-3, 3], fromInput: true,
  },
];

const fround = (x: ArrayLike<number>) => Float32Array.from(x);

function forward(b: Backend, act: Activation, X: Float32Array, inPlace = false): Float32Array {
  const px = toWasm(b, X), py = inPlace ? px : allocWasm(b, X.length);
  (b.kernels[`${act.name}Forward` as keyof typeof b.kernels] as unknown as Kernel)(px, py, X.length, ...act.params);
  const y = fromWasm(b, py, X.length);
  b.arena.release(px);
  if (!inPlace) b.arena.release(py);
  return y;
}

function backward(b: Backend, act: Activation, Y: Float32Array, DY: Float32Array, inPlace = false): Float32Array {
  const py = toWasm(b, Y), pdy = toWasm(b, DY), pdx = inPlace ? pdy : allocWasm(b, Y.length);
  (b.kernels[`${act.name}Backward` as keyof typeof b.kernels] as unknown as Kernel)(py, pdy, pdx, Y.length, ...act.params);
  const dx = fromWasm(b, pdx, Y.length);
  for (const p of inPlace ? [py, pdy] : [py, pdy, pdx]) b.arena.release(p);
  return dx;
}

/** Random inputs in [-6, 6] (wider to pass every kink), kept at least `gap` away from the activation's kinks. */
function inputs(n: number, rng: () => number, act: Activation, gap = 0.05): Float32Array {
  const range = Math.max(6, ...act.kinks.map((k) => Math.abs(k) + 2));
  const x = randomArray(n, rng, -range, range);
  for (const kink of act.kinks) {
    // Pushed by at most gap + 1 < 2: kinks are at least 2 apart, so no other kink is reached.
    for (let i = 0; i < n; i++) if (Math.abs(x[i] - kink) < gap) x[i] = kink + (x[i] < kink ? -gap - rng() : gap + rng());
  }
  return x;
}

for (const act of ACTIVATIONS) {
  const label = `${act.name}${act.params.length ? `(${act.params})` : ''}`;
  describe(label, () => {
    const seed = freshSeed();
    for (const n of AWKWARD_SIZES) {
      it(`forward and in-place forward n=${n} (seed ${seed})`, async () => {
        const b = await backend();
        const X = inputs(n, makeRng(seed + n), act, 0);
        const want = Array.from(X, act.f);
        expect(maxRelError(forward(b, act, X), want, 1e-30)).toBeLessThan(1e-6);
        expect(maxRelError(forward(b, act, X, true), want, 1e-30)).toBeLessThan(1e-6);
      });
      it(`backward from y matches dy·f'(x), also in place, n=${n} (seed ${seed})`, async () => {
        const b = await backend();
        const rng = makeRng(seed + 7 * n);
        const X = inputs(n, rng, act), DY = randomArray(n, rng);
        const Y = act.fromInput ? X : forward(b, act, X);
        const want = Array.from(X, (x, i) => DY[i] * act.df(x));
        expect(maxRelError(backward(b, act, Y, DY), want, 1e-2)).toBeLessThan(1e-4);
        expect(maxRelError(backward(b, act, Y, DY, true), want, 1e-2)).toBeLessThan(1e-4);
      });
    }
    it(`backward matches central differences of the f64 reference and of the kernel's forward (seed ${seed})`, async () => {
      const b = await backend();
      const rng = makeRng(seed + 999);
      const n = 127, h = 1e-2;
      const X = inputs(n, rng, act), DY = randomArray(n, rng);
      const dx = backward(b, act, act.fromInput ? X : forward(b, act, X), DY);
      const refFd = Array.from(X, (x, i) => (DY[i] * (act.f(x + 1e-6) - act.f(x - 1e-6))) / 2e-6);
      expect(maxRelError(dx, refFd, 1e-2)).toBeLessThan(1e-4);
      // Element-wise, so one forward pass perturbs every element at once; the step is re-measured in f32.
      const XP = fround(Array.from(X, (x) => x + h)), XM = fround(Array.from(X, (x) => x - h));
      const YP = forward(b, act, XP), YM = forward(b, act, XM);
      const kernelFd = Array.from(X, (_, i) => (DY[i] * (YP[i] - YM[i])) / (XP[i] - XM[i]));
      expect(maxRelError(dx, kernelFd, 1)).toBeLessThan(1e-3);
    });
    it('extremes stay finite and accurate: ±100, ±30, tiny and zero inputs', async () => {
      const b = await backend();
      const X = fround([-100, -30, -1e-20, -1e-6, 0, 1e-20, 1e-6, 30, 100]);
      const Y = forward(b, act, X);
      expect(maxRelError(Y, Array.from(X, act.f), 1e-30)).toBeLessThan(1e-6);
      const dx = backward(b, act, act.fromInput ? X : Y, fround(X.map(() => 1)));
      expect(dx.every(Number.isFinite)).toBe(true);
    });
  });
}

describe('tanh near zero', () => {
  const seed = freshSeed();
  it(`keeps relative accuracy for |x| from 1e-30 to 0.7 (seed ${seed})`, async () => {
    const b = await backend();
    const rng = makeRng(seed);
    const X = fround(Array.from({ length: 4001 }, () => (rng() < 0.5 ? -1 : 1) * Math.exp(-69 + 68.6 * rng())));
    const Y = forward(b, ACTIVATIONS[2], X);
    expect(maxRelError(Y, Array.from(X, Math.tanh), 1e-38)).toBeLessThan(3e-7);
  });
  it('passes NaN through every forward', async () => {
    const b = await backend();
    for (const act of ACTIVATIONS) expect(Number.isNaN(forward(b, act, fround([NaN]))[0])).toBe(true);
  });
});
