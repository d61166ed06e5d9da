// Conv2D with Keras `groups`: forward against a float64 grouped convolution, finite-difference
// gradients, bad channel counts named, and the Keras JSON path (TF.js 4.22 has no groups).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';
import { axis, tapAt, type Padding } from './helpers/conv-geometry.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

interface GroupCase { input: [number, number, number]; filters: number; groups: number; kernelSize: number; strides: number; dilationRate: number; padding: Padding }

/** y[b, oy, ox, f] = bias[f] + Σ over the taps and group(f)'s channels of x · kernel, in float64. */
function groupedRef(c: GroupCase, n: number, x: Float32Array, kernel: Float32Array, bias: Float32Array): { y: Float64Array; abs: Float64Array } {
  const [h, w, inC] = c.input, k = c.kernelSize, cg = inC / c.groups, fg = c.filters / c.groups;
  const ay = axis(h, k, c.strides, c.dilationRate, c.padding, 0), ax = axis(w, k, c.strides, c.dilationRate, c.padding, 1);
  const y = new Float64Array(n * ay.out * ax.out * c.filters), abs = new Float64Array(y.length);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < ay.out; oy++) for (let ox = 0; ox < ax.out; ox++) for (let f = 0; f < c.filters; f++) {
    const yi = ((b * ay.out + oy) * ax.out + ox) * c.filters + f, grp = Math.floor(f / fg);
    let s = bias[f], a = Math.abs(bias[f]);
    for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
      const iy = tapAt(oy, ky, c.strides, c.dilationRate, ay.pad, h), ix = tapAt(ox, kx, c.strides, c.dilationRate, ax.pad, w);
      if (iy < 0 || ix < 0) continue;
      for (let j = 0; j < cg; j++) {
        const p = x[((b * h + iy) * w + ix) * inC + grp * cg + j] * kernel[((ky * k + kx) * cg + j) * c.filters + f];
        s += p; a += Math.abs(p);
      }
    }
    y[yi] = s; abs[yi] = a;
  }
  return { y, abs };
}

const CASES: GroupCase[] = [
  { input: [6, 7, 4], filters: 6, groups: 2, kernelSize: 3, strides: 1, dilationRate: 1, padding: 'same' },
  { input: [7, 6, 9], filters: 6, groups: 3, kernelSize: 3, strides: 2, dilationRate: 1, padding: 'valid' },
  { input: [8, 7, 6], filters: 9, groups: 3, kernelSize: 2, strides: 1, dilationRate: 2, padding: 'same' },
  { input: [5, 5, 6], filters: 4, groups: 2, kernelSize: 1, strides: 1, dilationRate: 1, padding: 'valid' }, // pointwise: no im2col
  { input: [5, 4, 5], filters: 5, groups: 5, kernelSize: 3, strides: 1, dilationRate: 1, padding: 'same' }, // one channel per group
];

describe(`Conv2D with groups (seed ${seed})`, () => {
  CASES.forEach((c, ci) => {
    const label = `x[${c.input}] → ${c.filters} filters, groups ${c.groups}, k${c.kernelSize} s${c.strides} d${c.dilationRate} ${c.padding}`;
    it(`${label}: forward matches a float64 grouped convolution within its rounding bound`, () => {
      nn.setSeed(seed + ci);
      const layer = nn.layers.conv2d({ inputShape: c.input, filters: c.filters, groups: c.groups, kernelSize: c.kernelSize, strides: c.strides,
        dilationRate: c.dilationRate, padding: c.padding, biasInitializer: 'glorotUniform' });
      const model = nn.sequential({ layers: [layer] });
      const n = 2, x = randomArray(n * c.input[0] * c.input[1] * c.input[2], makeRng(seed + ci));
      const got = (model.predict(nn.tensor(x, [n, ...c.input])) as nn.Tensor).data;
      const [kernel, bias] = layer.getWeights();
      expect([...kernel.shape]).toEqual([c.kernelSize, c.kernelSize, c.input[2] / c.groups, c.filters]);
      const { y, abs } = groupedRef(c, n, x, kernel.data, bias.data);
      const terms = c.kernelSize * c.kernelSize * (c.input[2] / c.groups) + 1;
      for (let i = 0; i < y.length; i++) {
        if (!(Math.abs(got[i] - y[i]) <= (terms + 2) * 2 ** -24 * abs[i] + 1e-30)) expect.fail(`element ${i}: got ${got[i]}, want ${y[i]}`);
      }
      model.dispose();
    });
    it(`${label}: gradients of kernel, bias and input (relu6 fused)`, () => {
      nn.setSeed(seed + 10 + ci);
      const layer = nn.layers.conv2d({ filters: c.filters, groups: c.groups, kernelSize: c.kernelSize, strides: c.strides,
        dilationRate: c.dilationRate, padding: c.padding, activation: 'relu6', biasInitializer: 'ones' });
      checkLayerGradients({ layer, inputShapes: [c.input], batch: 2, rng: makeRng(seed + 20 + ci), h: 1e-3 });
      layer.dispose();
    });
  });

  it('channel counts not divisible by groups are named', () => {
    expect(() => nn.layers.conv2d({ filters: 5, kernelSize: 3, groups: 2 })).toThrow(/Conv2D 'conv2d(_\d+)?': filters \(5\) must be divisible by groups \(2\)/);
    expect(() => nn.layers.conv2d({ filters: 4, kernelSize: 3, groups: 0 })).toThrow(/groups must be a positive integer, got 0/);
    const layer = nn.layers.conv2d({ filters: 4, kernelSize: 3, groups: 2 });
    expect(() => layer.build([[5, 5, 3]])).toThrow(/input channels \(3\) must be divisible by groups \(2\)/);
  });

  function grouped(): nn.Sequential {
    return nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [6, 6, 4], filters: 6, kernelSize: 3, groups: 2, padding: 'same', activation: 'hardSwish' }),
      nn.layers.conv2d({ filters: 6, kernelSize: 1, groups: 3 }),
      nn.layers.conv2d({ filters: 4, kernelSize: 2 }),
    ] });
  }

  it('the Keras config carries groups (only when > 1) and the model saves and loads back the same', async () => {
    const model = grouped();
    randomizeWeights(model, seed);
    expect(model.layers.map((l) => l.getConfig().groups)).toEqual([2, 3, undefined]);
    const loaded = await nn.loadModel(await artifactsOf(model));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.tensor(randomArray(3 * 6 * 6 * 4, makeRng(seed + 1)), [3, 6, 6, 4]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    loaded.dispose();
    model.dispose();
  });

  it("a file whose groups do not divide the input channels is refused naming the layer; Keras's groups: 1 loads", async () => {
    const model = grouped();
    const artifacts = await artifactsOf(model);
    const edit = (change: (configs: Record<string, unknown>[]) => void): nn.io.ModelArtifacts => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      change(topology.config.layers.map((l) => l.config));
      return { ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] };
    };
    await expect(nn.loadModel(edit((c) => { c[1].groups = 4; c[1].filters = 8; }))).rejects.toThrow(/conv2d(_\d+)?.*input channels \(6\) must be divisible by groups \(4\)/);
    const ones = await nn.loadModel(edit((c) => { c[2].groups = 1; }));
    expect(ones.layers[2].getConfig().groups).toBeUndefined();
    ones.dispose();
    model.dispose();
  });

  it('TF.js 4.22 has no groups: a grouped model is refused by tf.loadLayersModel, never loaded as an ungrouped one', async () => {
    const model = nn.sequential({ layers: [nn.layers.conv2d({ inputShape: [5, 5, 4], filters: 6, kernelSize: 3, groups: 2, activation: 'relu' })] });
    await expect(tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(model) as tf.io.ModelArtifacts))).rejects.toThrow(/shape/i);
    model.dispose();
  });

  it('equals the concatenation of ungrouped convolutions over channel slices (tfjs ops as the reference)', () => {
    const layer = nn.layers.conv2d({ inputShape: [7, 6, 6], filters: 4, kernelSize: 3, groups: 2, strides: 2, padding: 'same' });
    const model = nn.sequential({ layers: [layer] });
    randomizeWeights(model, seed + 3);
    const x = randomArray(2 * 7 * 6 * 6, makeRng(seed + 4));
    const got = (model.predict(nn.tensor(x, [2, 7, 6, 6])) as nn.Tensor).data;
    const [kernel, bias] = layer.getWeights();
    const tx = tf.tensor4d(x, [2, 7, 6, 6]), tk = tf.tensor4d(kernel.data, [3, 3, 3, 4]);
    const halves = [0, 1].map((g) => tf.conv2d(tx.slice([0, 0, 0, 3 * g], [2, 7, 6, 3]), tk.slice([0, 0, 0, 2 * g], [3, 3, 3, 2]), 2, 'same'));
    const want = tf.add(tf.concat(halves, 3), tf.tensor1d(bias.data)).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    model.dispose();
  });
});
