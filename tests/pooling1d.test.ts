// MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D: forward against
// float64 references at awkward sizes, finite-difference gradients, keepdims, configs, bad options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** Runs one layer on x [n, ...inputShape] through a one-layer model. */
function run(layer: nn.Layer, inputShape: number[], x: Float32Array, n: number): nn.Tensor {
  const input = nn.input({ shape: inputShape });
  const model = nn.model({ inputs: input, outputs: layer.apply(input) });
  const y = model.predict(nn.tensor(x, [n, ...inputShape])) as nn.Tensor;
  model.dispose();
  return y;
}

/**
 * Max and mean of each window of steps in float64, over in-bounds steps only (tfjs and Keras).
 * 'same' puts the odd padded cell after the last step.
 */
function poolRef(x: Float32Array, n: number, steps: number, c: number, size: number, stride: number, padding: 'valid' | 'same') {
  const out = padding === 'valid' ? Math.floor((steps - size) / stride) + 1 : Math.ceil(steps / stride);
  const pad = padding === 'valid' ? 0 : Math.floor(Math.max((out - 1) * stride + size - steps, 0) / 2);
  const max: number[] = [], mean: number[] = [];
  for (let b = 0; b < n; b++) for (let t = 0; t < out; t++) for (let ch = 0; ch < c; ch++) {
    let m = -Infinity, s = 0, cells = 0;
    for (let k = 0; k < size; k++) {
      const at = t * stride - pad + k;
      if (at < 0 || at >= steps) continue;
      const v = x[(b * steps + at) * c + ch];
      m = Math.max(m, v); s += v; cells++;
    }
    max.push(m); mean.push(s / cells);
  }
  return { out, max, mean, cells: size };
}

// [steps, channels, poolSize, strides, padding]
const windows: [number, number, number, number, 'valid' | 'same'][] = [
  [7, 3, 2, 2, 'valid'], [17, 5, 3, 2, 'same'], [5, 1, 5, 1, 'valid'], [1, 7, 2, 1, 'same'], [33, 4, 4, 3, 'same'], [9, 9, 3, 1, 'valid'],
];

describe(`MaxPooling1D and AveragePooling1D (seed ${seed})`, () => {
  windows.forEach(([steps, c, size, stride, padding], ci) => {
    it(`steps ${steps}, channels ${c}, pool ${size}, stride ${stride}, ${padding}: forward against float64`, () => {
      const rng = makeRng(seed + ci);
      const n = 2;
      const x = randomArray(n * steps * c, rng);
      const ref = poolRef(x, n, steps, c, size, stride, padding);
      const max = run(nn.layers.maxPooling1d({ poolSize: size, strides: stride, padding }), [steps, c], x, n);
      const avg = run(nn.layers.averagePooling1d({ poolSize: [size], strides: [stride], padding }), [steps, c], x, n);
      expect(max.shape).toEqual([n, ref.out, c]);
      expect(Array.from(max.data)).toEqual(ref.max.map(Math.fround)); // a max is exact
      // A mean of m float32 values: m − 1 rounded additions and one rounded scaling by 1/m
      // (itself rounded) stay within (m + 1)·u·max|x| of the exact mean, |x| < 1.
      ref.mean.forEach((want, i) => expect(Math.abs(avg.data[i] - want), `output ${i}`).toBeLessThanOrEqual((size + 1) * 2 ** -24));
    });

    it(`steps ${steps}, channels ${c}, pool ${size}, stride ${stride}, ${padding}: input gradients by finite differences`, () => {
      // Distinct, well separated values keep each window's maximum away from ties.
      const distinct = (rng: () => number) => (i: number) => ((i * 7919) % 1009) / 1009 + rng() * 1e-4;
      for (const make of [nn.layers.maxPooling1d, nn.layers.averagePooling1d]) {
        const rng = makeRng(seed + 20 + ci);
        checkLayerGradients({ layer: make({ poolSize: size, strides: stride, padding }), inputShapes: [[steps, c]], batch: 2, rng, input: distinct(rng), h: 1e-4 });
      }
    });
  });

  it('defaults as Keras: poolSize 2, strides = poolSize, valid', () => {
    const layer = nn.layers.maxPooling1d();
    layer.build([[9, 2]]);
    expect([layer.poolSize, layer.strides, layer.padding, layer.outputShape]).toEqual([2, 2, 'valid', [4, 2]]);
  });
});

describe(`GlobalAveragePooling1D and GlobalMaxPooling1D (seed ${seed})`, () => {
  [[1, 1], [3, 5], [17, 7], [8, 33]].forEach(([steps, c], ci) => {
    it(`steps ${steps}, channels ${c}: forward against float64, keepdims, gradients`, () => {
      const rng = makeRng(seed + 40 + ci);
      const n = 3;
      const x = randomArray(n * steps * c, rng);
      const ref = poolRef(x, n, steps, c, steps, steps, 'valid');
      for (const keepdims of [false, true]) {
        const avg = run(nn.layers.globalAveragePooling1d({ keepdims }), [steps, c], x, n);
        const max = run(nn.layers.globalMaxPooling1d({ keepdims }), [steps, c], x, n);
        expect(avg.shape).toEqual(keepdims ? [n, 1, c] : [n, c]);
        expect(max.shape).toEqual(avg.shape);
        expect(Array.from(max.data)).toEqual(ref.max.map(Math.fround));
        // Sum of `steps` values, then one scaling: (steps + 1)·u·max|x| as for the windowed mean.
        ref.mean.forEach((want, i) => expect(Math.abs(avg.data[i] - want)).toBeLessThanOrEqual((steps + 1) * 2 ** -24));
      }
      const distinct = (r: () => number) => (i: number) => ((i * 7919) % 1009) / 1009 + r() * 1e-4;
      checkLayerGradients({ layer: nn.layers.globalMaxPooling1d(), inputShapes: [[steps, c]], batch: 2, rng, input: distinct(rng), h: 1e-4 });
      checkLayerGradients({ layer: nn.layers.globalAveragePooling1d({ keepdims: true }), inputShapes: [[steps, c]], batch: 2, rng });
    });
  });
});

describe('1-D pooling configs and errors', () => {
  it('saves and loads back with the same config and predictions', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.maxPooling1d({ inputShape: [10, 3], poolSize: 3, strides: 1, padding: 'same' }),
      nn.layers.averagePooling1d({ poolSize: 2 }),
      nn.layers.globalMaxPooling1d({ keepdims: true }),
      nn.layers.globalAveragePooling1d(),
    ] });
    const artifacts = await artifactsOf(model);
    const configs = (artifacts.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers.map((l) => l.config);
    expect(configs[0]).toMatchObject({ pool_size: [3], strides: [1], padding: 'same' });
    expect(configs[2].keepdims).toBe(true);
    expect('keepdims' in configs[3]).toBe(false); // written only when true: tfjs 4.22 has no such option
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.tensor(randomArray(2 * 30, makeRng(seed + 60)), [2, 10, 3]);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    loaded.dispose();
  });

  it('bad options and inputs are named', () => {
    expect(() => nn.layers.maxPooling1d({ pool_size: 2 } as unknown as nn.layers.Pooling1DArgs)).toThrow(/MaxPooling1D: unknown option 'pool_size'; did you mean 'poolSize'\?/);
    expect(() => nn.layers.averagePooling1d({ padding: 'causal' as 'same' })).toThrow(/AveragePooling1D 'average_pooling1d(_\d+)?': padding must be 'valid' or 'same', got "causal"/);
    expect(() => nn.layers.maxPooling1d({ poolSize: 0 })).toThrow(/poolSize must be a positive integer or a list of one, got 0/);
    expect(() => nn.layers.globalMaxPooling1d({ keepdims: 1 as unknown as boolean })).toThrow(/keepdims must be true or false, got 1/);
    expect(() => nn.layers.globalMaxPooling1d({ keepDims: true } as unknown as nn.layers.GlobalPooling1DArgs)).toThrow(/did you mean 'keepdims'\?/);
    expect(() => nn.layers.maxPooling1d().build([[4, 4, 2]])).toThrow(/expects rank-3 input \[batch, steps, channels\], got \[batch, 4, 4, 2\]/);
    expect(() => nn.layers.globalAveragePooling1d().build([[6]])).toThrow(/GlobalAveragePooling1D 'global_average_pooling1d(_\d+)?': expects rank-3 input/);
    expect(() => nn.layers.averagePooling1d({ poolSize: 5 }).build([[3, 2]])).toThrow(/the window of 5 steps \(size 5, dilation 1\) is longer than the 3 input steps/);
  });
});
