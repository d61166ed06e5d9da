// Conv1D: forward against a float64 reference (valid, same, causal; strides, dilation, groups;
// the direct, im2col + GEMM and pointwise paths) at awkward sizes, finite-difference gradients,
// causality, configs and bad options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** One case: steps, in channels, filters, kernel size, stride, dilation, padding, groups. */
interface Case { steps: number; c: number; f: number; k: number; s: number; d: number; padding: nn.layers.Padding1D; groups: number }
const conv = (steps: number, c: number, f: number, k: number, s: number, d: number, padding: nn.layers.Padding1D, groups = 1): Case => ({ steps, c, f, k, s, d, padding, groups });

/** Output length and leading pad, by Keras's rules ('same': the odd cell after; 'causal': the whole overhang before). */
function geometry({ steps, k, s, d, padding }: Case): { out: number; pad: number } {
  const span = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((steps - span) / s) + 1, pad: 0 };
  if (padding === 'causal') return { out: Math.floor((steps - 1) / s) + 1, pad: span - 1 };
  const out = Math.ceil(steps / s);
  return { out, pad: Math.floor(Math.max((out - 1) * s + span - steps, 0) / 2) };
}

/**
 * y [n, out, f] in float64, and per output the rounding bound of a float32 evaluation: a dot
 * product of K terms plus the bias, each operation rounding once, is within (K + 1)·u·(Σ|x·w| + |b|)
 * of the exact value (u = 2^−24; the summation order does not change the bound).
 */
function reference(c: Case, n: number, x: Float32Array, w: Float32Array, bias: Float32Array): { y: Float64Array; bound: Float64Array } {
  const { out, pad } = geometry(c);
  const cg = c.c / c.groups, fg = c.f / c.groups;
  const y = new Float64Array(n * out * c.f), bound = new Float64Array(n * out * c.f);
  for (let b = 0; b < n; b++) for (let t = 0; t < out; t++) for (let o = 0; o < c.f; o++) {
    const g = Math.floor(o / fg);
    let sum = bias[o], magnitude = Math.abs(bias[o]);
    for (let tap = 0; tap < c.k; tap++) {
      const at = t * c.s - pad + tap * c.d;
      if (at < 0 || at >= c.steps) continue;
      for (let i = 0; i < cg; i++) {
        const p = x[(b * c.steps + at) * c.c + g * cg + i] * w[(tap * cg + i) * c.f + o];
        sum += p;
        magnitude += Math.abs(p);
      }
    }
    const j = (b * out + t) * c.f + o;
    y[j] = sum;
    bound[j] = (c.k * cg + 1) * 2 ** -24 * magnitude;
  }
  return { y, bound };
}

const cases: [string, Case][] = [
  ['valid, 3 taps, 1 channel (direct)', conv(7, 1, 4, 3, 1, 1, 'valid')],
  ['same, stride 2, odd filters (GEMM)', conv(17, 3, 5, 3, 2, 1, 'same')],
  ['causal, dilation 2 (direct)', conv(9, 5, 8, 3, 1, 2, 'causal')],
  ['causal, stride 3, 4 taps (GEMM)', conv(33, 7, 3, 4, 3, 1, 'causal')],
  ['same, dilation 3, one step', conv(1, 3, 7, 3, 1, 3, 'same')],
  ['kernel 1 (pointwise GEMM)', conv(5, 6, 3, 1, 1, 1, 'valid')],
  ['kernel 1, stride 2 (im2col)', conv(7, 3, 4, 1, 2, 1, 'same')],
  ['groups 2, causal', conv(11, 6, 4, 3, 1, 1, 'causal', 2)],
  ['groups 3, same, stride 2', conv(8, 3, 6, 2, 2, 1, 'same', 3)],
  ['patch 75 > 72: GEMM although filters % 4 = 0', conv(6, 25, 8, 3, 1, 1, 'valid')],
];

describe(`Conv1D forward against float64 (seed ${seed})`, () => {
  cases.forEach(([label, c], ci) => {
    it(`${label}: steps ${c.steps}, channels ${c.c} → filters ${c.f}`, () => {
      const rng = makeRng(seed + ci);
      const layer = nn.layers.conv1d({ inputShape: [c.steps, c.c], filters: c.f, kernelSize: c.k, strides: c.s, dilationRate: c.d, padding: c.padding, groups: c.groups });
      const model = nn.sequential({ layers: [layer] });
      layer.build([[c.steps, c.c]]);
      const n = 3;
      const x = randomArray(n * c.steps * c.c, rng);
      const [w, bias] = layer.getWeights().map((t) => nn.tensor(randomArray(t.size, rng), [...t.shape]));
      layer.setWeights([w, bias]);
      expect(w.shape).toEqual([c.k, c.c / c.groups, c.f]); // Keras's layout
      const got = model.predict(nn.tensor(x, [n, c.steps, c.c])) as nn.Tensor;
      const { out } = geometry(c);
      expect(got.shape).toEqual([n, out, c.f]);
      const { y, bound } = reference(c, n, x, w.data, bias.data);
      for (let i = 0; i < y.length; i++) expect(Math.abs(got.data[i] - y[i]), `output ${i}`).toBeLessThanOrEqual(bound[i]);
      model.dispose();
    });
  });

  it('the paths the cases claim are the ones taken', () => {
    const direct = (c: Case) => {
      const layer = nn.layers.conv1d({ filters: c.f, kernelSize: c.k, strides: c.s, dilationRate: c.d, padding: c.padding, groups: c.groups });
      layer.build([[c.steps, c.c]]);
      const d = layer.direct;
      layer.dispose();
      return d;
    };
    expect(cases.map(([label, c]) => [label, direct(c)]).filter(([label]) => /direct|GEMM/.test(label as string)))
      .toEqual(cases.filter(([label]) => /direct|GEMM/.test(label)).map(([label]) => [label, /\(direct\)/.test(label)]));
  });

  it('causal: output step t does not depend on input steps after t', () => {
    const rng = makeRng(seed + 50);
    const steps = 9, c = 3;
    const model = nn.sequential({ layers: [nn.layers.conv1d({ inputShape: [steps, c], filters: 4, kernelSize: 3, dilationRate: 2, padding: 'causal' })] });
    const x = randomArray(steps * c, rng);
    const before = (model.predict(nn.tensor(x, [1, steps, c])) as nn.Tensor).data;
    const t = 4;
    for (let i = (t + 1) * c; i < steps * c; i++) x[i] = rng() * 10;
    const after = (model.predict(nn.tensor(x, [1, steps, c])) as nn.Tensor).data;
    expect(Array.from(after.subarray(0, (t + 1) * 4))).toEqual(Array.from(before.subarray(0, (t + 1) * 4)));
    model.dispose();
  });
});

describe(`Conv1D gradients by finite differences (seed ${seed})`, () => {
  const activations: nn.ActivationName[] = ['tanh', 'linear', 'sigmoid', 'relu', 'hardSwish'];
  cases.forEach(([label, c], ci) => {
    const activation = activations[ci % activations.length];
    it(`${label}, ${activation}: kernel, bias and input`, () => {
      nn.setSeed(seed + ci);
      const layer = nn.layers.conv1d({ filters: c.f, kernelSize: c.k, strides: c.s, dilationRate: c.d, padding: c.padding, groups: c.groups, activation });
      checkLayerGradients({ layer, inputShapes: [[c.steps, c.c]], batch: 2, rng: makeRng(seed + 10 + ci), h: 1e-3 });
      layer.dispose();
    });
  });
});

describe('Conv1D options and configs', () => {
  it('saves and loads back with the same config and predictions (causal, groups, dilation, regulariser)', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.conv1d({ inputShape: [12, 4], filters: 6, kernelSize: 3, padding: 'causal', dilationRate: 2, groups: 2, activation: 'relu', kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }) }),
      nn.layers.conv1d({ filters: 3, kernelSize: [2], strides: [2], padding: 'same', useBias: false }),
    ] });
    const artifacts = await artifactsOf(model);
    const topology = artifacts.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    expect(topology.config.layers[0].config).toMatchObject({ kernel_size: [3], strides: [1], dilation_rate: [2], padding: 'causal', groups: 2, data_format: 'channels_last' });
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.tensor(randomArray(2 * 12 * 4, makeRng(seed + 60)), [2, 12, 4]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  it('bad options and inputs are named', () => {
    expect(() => nn.layers.conv1d({ filters: 2, kernel_size: 3 } as unknown as nn.layers.Conv1DArgs)).toThrow(/Conv1D: unknown option 'kernel_size'; did you mean 'kernelSize'\?/);
    expect(() => nn.layers.conv1d({ filters: 0, kernelSize: 3 })).toThrow(/Conv1D 'conv1d(_\d+)?': filters must be a positive integer, got 0/);
    expect(() => nn.layers.conv1d({ filters: 2, kernelSize: [3, 3] as unknown as [number] })).toThrow(/kernelSize must be a positive integer or a list of one, got \[3,3\]/);
    expect(() => nn.layers.conv1d({ filters: 3, kernelSize: 2, groups: 2 })).toThrow(/filters \(3\) must be divisible by groups \(2\)/);
    expect(() => nn.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'full' as 'same' })).toThrow(/padding must be 'valid', 'same' or 'causal', got "full"/);
    const layer = (options: Partial<nn.layers.Conv1DArgs>) => nn.layers.conv1d({ filters: 2, kernelSize: 3, ...options });
    expect(() => layer({}).build([[5, 4, 3]])).toThrow(/Conv1D 'conv1d(_\d+)?': expects rank-3 input \[batch, steps, channels\], got \[batch, 5, 4, 3\]/);
    expect(() => layer({ dilationRate: 2 }).build([[4, 1]])).toThrow(/the window of 5 steps \(size 3, dilation 2\) is longer than the 4 input steps/);
    expect(() => layer({ groups: 2 }).build([[4, 3]])).toThrow(/input channels \(3\) must be divisible by groups \(2\)/);
  });
});
