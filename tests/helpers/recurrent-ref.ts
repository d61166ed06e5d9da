// Float64 references of the recurrent cells, step by step as Keras writes them: the activations by
// name (with their derivative from the output, as the gate kernels take it), and SimpleRNN, LSTM
// and GRU (reset before and after) over a whole sequence.

const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clip = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** A cell activation: f in float64, f' from the output y, and the kernels' code and alpha. */
export interface CellActivation {
  name: string;
  code: number;
  alpha: number;
  f: (x: number) => number;
  slope: (y: number) => number;
}

/** Every activation a recurrent cell accepts, by the layer option's name. */
export const CELL_ACTIVATIONS: Record<string, CellActivation> = {
  linear: { name: 'linear', code: 0, alpha: 0, f: (x) => x, slope: () => 1 },
  relu: { name: 'relu', code: 1, alpha: 0, f: (x) => Math.max(x, 0), slope: (y) => (y > 0 ? 1 : 0) },
  leakyRelu: { name: 'leakyRelu', code: 2, alpha: 0.3, f: (x) => (x > 0 ? x : 0.3 * x), slope: (y) => (y > 0 ? 1 : 0.3) },
  elu: { name: 'elu', code: 3, alpha: 1, f: (x) => (x > 0 ? x : Math.expm1(x)), slope: (y) => (y > 0 ? 1 : y + 1) },
  selu: {
    name: 'selu', code: 4, alpha: 0, f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    slope: (y) => (y > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA),
  },
  sigmoid: { name: 'sigmoid', code: 5, alpha: 0, f: sigmoid, slope: (y) => y * (1 - y) },
  tanh: { name: 'tanh', code: 6, alpha: 0, f: Math.tanh, slope: (y) => 1 - y * y },
  softplus: { name: 'softplus', code: 7, alpha: 0, f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), slope: (y) => -Math.expm1(-y) },
  relu6: { name: 'relu6', code: 8, alpha: 0, f: (x) => clip(x, 0, 6), slope: (y) => (y > 0 && y < 6 ? 1 : 0) },
  hardSigmoid: { name: 'hardSigmoid', code: 9, alpha: 0.2, f: (x) => clip(0.2 * x + 0.5, 0, 1), slope: (y) => (y > 0 && y < 1 ? 0.2 : 0) },
  hardSigmoidKeras3: { name: 'hardSigmoidKeras3', code: 9, alpha: 1 / 6, f: (x) => clip(x / 6 + 0.5, 0, 1), slope: (y) => (y > 0 && y < 1 ? 1 / 6 : 0) },
};

/** Which cell and how it is configured. */
export interface CellConfig {
  kind: 'SimpleRNN' | 'LSTM' | 'GRU';
  units: number;
  activation: string;
  recurrentActivation: string;
  resetAfter: boolean;
  goBackwards: boolean;
}

/** The layer's weights as Keras stores them: kernel [F, k·u], recurrent [u, k·u], bias [k·u] or [2, k·u] (GRU reset after), or null. */
export interface CellWeights {
  kernel: ArrayLike<number>;
  recurrent: ArrayLike<number>;
  bias: ArrayLike<number> | null;
}

/** Gate blocks per step. */
export function gateCount(kind: CellConfig['kind']): number {
  return kind === 'SimpleRNN' ? 1 : kind === 'GRU' ? 3 : 4;
}

/**
 * Runs the cell over x [n, T, F] in float64 from zero states. Returns the state after every
 * processed step, [n, T, u] in processing order (what returnSequences outputs), the final h, and
 * for an LSTM the final c.
 */
export function runCell(cfg: CellConfig, w: CellWeights, x: ArrayLike<number>, n: number, T: number, F: number):
  { sequence: Float64Array; h: Float64Array; c: Float64Array | null } {
  const u = cfg.units, G = gateCount(cfg.kind) * u;
  const act = CELL_ACTIVATIONS[cfg.activation], rec = CELL_ACTIVATIONS[cfg.recurrentActivation];
  const sequence = new Float64Array(n * T * u);
  const hOut = new Float64Array(n * u), cOut = new Float64Array(n * u);
  for (let b = 0; b < n; b++) {
    let h = new Float64Array(u), c = new Float64Array(u);
    for (let s = 0; s < T; s++) {
      const t = cfg.goBackwards ? T - 1 - s : s;
      // xw = x_t·W + b_input, hu = h·U (+ b_recurrent for GRU reset after)
      const xw = new Float64Array(G), hu = new Float64Array(G);
      for (let g = 0; g < G; g++) {
        let sx = w.bias ? w.bias[g] : 0;
        for (let f = 0; f < F; f++) sx += x[(b * T + t) * F + f] * w.kernel[f * G + g];
        xw[g] = sx;
        let sh = cfg.kind === 'GRU' && cfg.resetAfter && w.bias ? w.bias[G + g] : 0;
        for (let k = 0; k < u; k++) sh += h[k] * w.recurrent[k * G + g];
        hu[g] = sh;
      }
      const next = new Float64Array(u), nextC = new Float64Array(u);
      // GRU: every unit's reset gate first, since reset before multiplies (r·h) by U_h.
      const r = Float64Array.from({ length: cfg.kind === 'GRU' ? u : 0 }, (_, k) => rec.f(xw[u + k] + hu[u + k]));
      for (let j = 0; j < u; j++) {
        if (cfg.kind === 'SimpleRNN') {
          next[j] = act.f(xw[j] + hu[j]);
        } else if (cfg.kind === 'LSTM') {
          const i = rec.f(xw[j] + hu[j]), f = rec.f(xw[u + j] + hu[u + j]);
          const g = act.f(xw[2 * u + j] + hu[2 * u + j]), o = rec.f(xw[3 * u + j] + hu[3 * u + j]);
          nextC[j] = f * c[j] + i * g;
          next[j] = o * act.f(nextC[j]);
        } else {
          const z = rec.f(xw[j] + hu[j]);
          let pre = xw[2 * u + j];
          if (cfg.resetAfter) pre += r[j] * hu[2 * u + j];
          else for (let k = 0; k < u; k++) pre += r[k] * h[k] * w.recurrent[k * G + 2 * u + j];
          const hh = act.f(pre);
          next[j] = z * h[j] + (1 - z) * hh;
        }
      }
      h = next;
      if (cfg.kind === 'LSTM') c = nextC;
      for (let j = 0; j < u; j++) sequence[(b * T + s) * u + j] = h[j];
    }
    hOut.set(h, b * u);
    cOut.set(c, b * u);
  }
  return { sequence, h: hOut, c: cfg.kind === 'LSTM' ? cOut : null };
}

/**
 * Bound on |float32 − float64| of a cell's states after T steps, for inputs in ±1 and weights in
 * ±1/(F + u + 1) (every pre-activation then sums F + u + 1 terms of magnitude ≤ 1/(F + u + 1)).
 * Each step's two GEMMs round those sums to within (F + u + 1)·2^-23, and the gate kernel's
 * activations are each within 1e-6 relative of float64 (kernels-activations), at most 8 of them
 * reaching h. The step map is then contracting in h (Σ|U| per output < 1, slopes ≤ 1.05), so h's
 * error stays within T steps' worth; an LSTM's c carries every earlier step's error forward
 * (|f| ≤ 1) and grows by one step's worth per step, so its bound (and h's through it) is T(T+1)/2 steps' worth.
 */
export function stepTolerance(kind: CellConfig['kind'], steps: number, features: number, units: number): number {
  const perStep = (features + units + 1) * 2 ** -23 + 8e-6;
  return perStep * (kind === 'LSTM' ? (steps * (steps + 1)) / 2 : steps);
}
