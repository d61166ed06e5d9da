// The shape layers (ZeroPadding2D, Cropping2D, Permute, UpSampling2D, RepeatVector,
// GlobalMaxPooling2D, keepdims on the global poolings): values against references, finite-difference
// gradients, bad input named, save and load, and training inside small models.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
});

/** The layer alone in a model on `shape`, run on x. */
function predictAlone(layer: nn.Layer, shape: number[], x: nn.Tensor): nn.Tensor {
  const m = nn.sequential({ layers: [nn.layers.reshape({ inputShape: shape, targetShape: shape }), layer] });
  const y = m.predict(x) as nn.Tensor;
  m.dispose();
  return y;
}

/** Element (sample, i, j, ch) of an NHWC batch. */
function pixel(t: nn.Tensor, s: number, i: number, j: number, ch: number): number {
  const [, h, w, c] = t.shape;
  return t.data[((s * h + i) * w + j) * c + ch];
}

describe(`ZeroPadding2D and Cropping2D (seed ${seed})`, () => {
  it('the three forms of padding and cropping, and the defaults (pad 1, crop 0)', () => {
    const shapes = (layer: nn.Layer, input: number[]): number[] => { layer.build([input]); return layer.outputShape; };
    expect(shapes(nn.layers.zeroPadding2d(), [4, 5, 3])).toEqual([6, 7, 3]);
    expect(shapes(nn.layers.zeroPadding2d({ padding: 2 }), [4, 5, 3])).toEqual([8, 9, 3]);
    expect(shapes(nn.layers.zeroPadding2d({ padding: [1, 3] }), [4, 5, 3])).toEqual([6, 11, 3]);
    expect(shapes(nn.layers.zeroPadding2d({ padding: [[0, 2], [3, 1]] }), [4, 5, 3])).toEqual([6, 9, 3]);
    expect(shapes(nn.layers.cropping2d(), [4, 5, 3])).toEqual([4, 5, 3]);
    expect(shapes(nn.layers.cropping2d({ cropping: 1 }), [4, 5, 3])).toEqual([2, 3, 3]);
    expect(shapes(nn.layers.cropping2d({ cropping: [0, 2] }), [4, 5, 3])).toEqual([4, 1, 3]);
    expect(shapes(nn.layers.cropping2d({ cropping: [[3, 0], [1, 2]] }), [4, 5, 3])).toEqual([1, 2, 3]);
  });

  it('padding puts the image at [top, left] among zeros; cropping cuts it back out exactly', () => {
    const x = batchFor([5, 4, 3], 2, seed);
    const padded = predictAlone(nn.layers.zeroPadding2d({ padding: [[2, 1], [0, 3]] }), [5, 4, 3], x);
    expect(padded.shape).toEqual([2, 8, 7, 3]);
    for (let s = 0; s < 2; s++) for (let i = 0; i < 8; i++) for (let j = 0; j < 7; j++) for (let c = 0; c < 3; c++) {
      const inside = i >= 2 && i < 7 && j < 4;
      expect(pixel(padded, s, i, j, c)).toBe(inside ? pixel(x, s, i - 2, j, c) : 0);
    }
    const cropped = predictAlone(nn.layers.cropping2d({ cropping: [[2, 1], [0, 3]] }), [8, 7, 3], padded);
    expect(Array.from(cropped.data)).toEqual(Array.from(x.data));
  });

  const cases: [string, () => nn.Layer, number[]][] = [
    ['zeroPadding2d [[1, 2], [0, 3]]', () => nn.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), [3, 4, 5]],
    ['zeroPadding2d 1 on 1x1x1', () => nn.layers.zeroPadding2d(), [1, 1, 1]],
    ['cropping2d [[1, 0], [2, 1]]', () => nn.layers.cropping2d({ cropping: [[1, 0], [2, 1]] }), [4, 6, 7]],
    ['cropping2d [1, 1] on 3x3x2', () => nn.layers.cropping2d({ cropping: [1, 1] }), [3, 3, 2]],
  ];
  cases.forEach(([label, make, shape], ci) => {
    it(`${label}: input gradient by central differences`, () => {
      checkLayerGradients({ layer: make(), inputShapes: [shape], batch: 2, rng: makeRng(seed + ci) });
    });
  });

  it('bad input is named: negative or fractional amounts, the wrong rank, a crop that leaves nothing', () => {
    expect(() => nn.layers.zeroPadding2d({ padding: -1 })).toThrow(/ZeroPadding2D 'zero_padding2d(_\d+)?': padding must be an integer ≥ 0, \[height, width\] or \[\[top, bottom\], \[left, right\]\] of them, got -1/);
    expect(() => nn.layers.cropping2d({ cropping: [[1, -2], [0, 0]] })).toThrow(/Cropping2D .*cropping must be .* got \[\[1, -2\], \[0, 0\]\]/);
    expect(() => nn.layers.cropping2d({ cropping: [1.5, 0] })).toThrow(/cropping must be/);
    expect(() => nn.layers.cropping2d({ cropping: [1, 2, 3] as unknown as [number, number] })).toThrow(/got \[1, 2, 3\]/);
    expect(() => nn.layers.zeroPadding2d({ pading: 1 } as unknown as nn.layers.ZeroPadding2DArgs)).toThrow(/did you mean 'padding'/);
    expect(() => nn.layers.zeroPadding2d({ name: 'z' }).build([[4, 5]])).toThrow("ZeroPadding2D 'z': expects rank-4 input [batch, height, width, channels], got [batch, 4, 5]");
    expect(() => nn.layers.cropping2d({ name: 'c', cropping: [[2, 2], [0, 0]] }).build([[4, 5, 3]]))
      .toThrow("Cropping2D 'c': cropping [2,2] rows and [0,0] columns leaves nothing of the 4x5 input (output 0x5)");
  });
});

describe(`Permute (seed ${seed})`, () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 1], [3, 5], [5, 3]],
    [[1], [7], [7]],
    [[3, 1, 2], [2, 3, 5], [5, 2, 3]],
    [[2, 1, 3], [4, 3, 6], [3, 4, 6]],
    [[4, 2, 3, 1], [2, 3, 1, 5], [5, 3, 1, 2]],
    [[5, 3, 1, 4, 2], [2, 1, 3, 2, 3], [3, 3, 2, 2, 1]],
  ];
  cases.forEach(([dims, input, output], ci) => {
    it(`dims ${JSON.stringify(dims)} on [batch, ${input}]: output [batch, ${output}], values moved as numpy.transpose, gradient by central differences`, () => {
      const x = batchFor(input, 2, seed + ci);
      const y = predictAlone(nn.layers.permute({ dims }), input, x);
      expect(y.shape).toEqual([2, ...output]);
      const size = x.size / 2;
      const strides = input.map((_, a) => input.slice(a + 1).reduce((p, d) => p * d, 1));
      for (let s = 0; s < 2; s++) for (let k = 0; k < size; k++) {
        let rest = k, src = s * size;
        for (let i = output.length - 1; i >= 0; i--) { src += (rest % output[i]) * strides[dims[i] - 1]; rest = Math.floor(rest / output[i]); }
        expect(y.data[s * size + k]).toBe(x.data[src]);
      }
      checkLayerGradients({ layer: nn.layers.permute({ dims }), inputShapes: [input], batch: 2, rng: makeRng(seed + ci) });
    });
  });

  it('bad dims and a rank that does not match are named', () => {
    expect(() => nn.layers.permute({ dims: [1, 3] })).toThrow(/Permute 'permute(_\d+)?': dims must be a permutation of 1..k \(1 ≤ k ≤ 5: the axes after the batch, counted from 1\), got \[1, 3\]/);
    expect(() => nn.layers.permute({ dims: [0, 1] })).toThrow(/got \[0, 1\]/);
    expect(() => nn.layers.permute({ dims: [1, 1] })).toThrow(/got \[1, 1\]/);
    expect(() => nn.layers.permute({ dims: [1, 2, 3, 4, 5, 6] })).toThrow(/dims must be a permutation/);
    expect(() => nn.layers.permute({} as nn.layers.PermuteArgs)).toThrow(/got undefined/);
    expect(() => nn.layers.permute({ name: 'p', dims: [2, 1] }).build([[3, 4, 5]]))
      .toThrow("Permute 'p': dims [2,1] permute 2 axes, but the input [batch, 3, 4, 5] has 3 besides the batch");
  });
});

/** Nearest or bilinear upsampling of one NHWC batch in float64, TF's sampling (o/s, or half-pixel centres). */
function upsampleRef(x: nn.Tensor, [sh, sw]: [number, number], bilinear: boolean, halfPixel: boolean): Float64Array {
  const [n, h, w, c] = x.shape;
  const out = new Float64Array(n * h * sh * w * sw * c);
  const src = (o: number, s: number, size: number) => {
    const p = bilinear && halfPixel ? (o + 0.5) / s - 0.5 : o / s;
    const lo = Math.max(0, Math.floor(p));
    return { lo, hi: Math.min(size - 1, Math.ceil(p)), f: bilinear ? p - lo : 0 };
  };
  let k = 0;
  for (let s = 0; s < n; s++) for (let oy = 0; oy < h * sh; oy++) for (let ox = 0; ox < w * sw; ox++) for (let ch = 0; ch < c; ch++) {
    const a = src(oy, sh, h), b = src(ox, sw, w);
    const top = pixel(x, s, a.lo, b.lo, ch) * (1 - b.f) + pixel(x, s, a.lo, b.hi, ch) * b.f;
    const bottom = pixel(x, s, a.hi, b.lo, ch) * (1 - b.f) + pixel(x, s, a.hi, b.hi, ch) * b.f;
    out[k++] = top * (1 - a.f) + bottom * a.f;
  }
  return out;
}

describe(`UpSampling2D (seed ${seed})`, () => {
  const cases: [string, nn.layers.UpSampling2DArgs, number[], [number, number]][] = [
    ['default (nearest, 2x2)', {}, [3, 4, 5], [2, 2]],
    ['nearest [3, 1]', { size: [3, 1] }, [2, 5, 3], [3, 1]],
    ['bilinear 2', { size: 2, interpolation: 'bilinear' }, [3, 4, 5], [2, 2]],
    ['bilinear [3, 2] half-pixel centres', { size: [3, 2], interpolation: 'bilinear', halfPixelCenters: true }, [4, 3, 7], [3, 2]],
    ['bilinear [1, 4] on 1 row', { size: [1, 4], interpolation: 'bilinear' }, [1, 3, 2], [1, 4]],
  ];
  cases.forEach(([label, options, input, size], ci) => {
    it(`${label}: values against a float64 reference, gradient by central differences`, () => {
      const x = batchFor(input, 2, seed + ci);
      const y = predictAlone(nn.layers.upSampling2d(options), input, x);
      expect(y.shape).toEqual([2, input[0] * size[0], input[1] * size[1], input[2]]);
      const want = upsampleRef(x, size, options.interpolation === 'bilinear', options.halfPixelCenters ?? false);
      // |x| ≤ 1: nearest copies; bilinear's float32 evaluation is within 32u (tests/kernels-shape.test.ts).
      for (let i = 0; i < want.length; i++) expect(Math.abs(y.data[i] - want[i])).toBeLessThanOrEqual(32 * 2 ** -24);
      checkLayerGradients({ layer: nn.layers.upSampling2d(options), inputShapes: [input], batch: 2, rng: makeRng(seed + ci) });
    });
  });

  it('bad options and input are named', () => {
    expect(() => nn.layers.upSampling2d({ size: 0 })).toThrow(/UpSampling2D 'up_sampling2d(_\d+)?': size must be a positive integer or a pair of them, got 0/);
    expect(() => nn.layers.upSampling2d({ size: [2, 1.5] })).toThrow(/size must be a positive integer/);
    expect(() => nn.layers.upSampling2d({ interpolation: 'bicubic' as 'nearest' })).toThrow(/interpolation must be 'nearest', 'bilinear', got 'bicubic'/);
    expect(() => nn.layers.upSampling2d({ halfPixelCenters: true })).toThrow(/halfPixelCenters applies to interpolation 'bilinear' only/);
    expect(() => nn.layers.upSampling2d({ interpolation: 'bilinear', halfPixelCenters: 1 as unknown as boolean })).toThrow(/halfPixelCenters must be true or false, got 1/);
    expect(() => nn.layers.upSampling2d({ name: 'u' }).build([[4, 5]])).toThrow("UpSampling2D 'u': expects rank-4 input [batch, height, width, channels], got [batch, 4, 5]");
  });
});

describe(`RepeatVector (seed ${seed})`, () => {
  for (const [n, features] of [[1, 5], [3, 7], [4, 1], [2, 33]]) {
    it(`n=${n} on [batch, ${features}]: copies, gradient by central differences`, () => {
      const x = batchFor([features], 3, seed + n);
      const y = predictAlone(nn.layers.repeatVector({ n }), [features], x);
      expect(y.shape).toEqual([3, n, features]);
      for (let s = 0; s < 3; s++) for (let r = 0; r < n; r++) for (let f = 0; f < features; f++) expect(y.data[(s * n + r) * features + f]).toBe(x.data[s * features + f]);
      checkLayerGradients({ layer: nn.layers.repeatVector({ n }), inputShapes: [[features]], batch: 3, rng: makeRng(seed + n) });
    });
  }

  it('n is required and positive; the input must be [batch, features]', () => {
    expect(() => nn.layers.repeatVector({} as nn.layers.RepeatVectorArgs)).toThrow(/RepeatVector 'repeat_vector(_\d+)?': n must be a positive integer, got undefined/);
    expect(() => nn.layers.repeatVector({ n: 0 })).toThrow(/n must be a positive integer, got 0/);
    expect(() => nn.layers.repeatVector({ name: 'r', n: 2 }).build([[3, 4]])).toThrow("RepeatVector 'r': expects rank-2 input [batch, features], got [batch, 3, 4]");
  });
});

describe(`GlobalMaxPooling2D and keepdims (seed ${seed})`, () => {
  /** Distinct values at least 0.01 apart, shuffled: no two within a probe's ±h of each other, so no probe moves a maximum. */
  function spaced(count: number, rng: () => number): (i: number) => number {
    const v = Array.from({ length: count }, (_, i) => (i - count / 2) * 0.01);
    for (let i = count - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [v[i], v[j]] = [v[j], v[i]]; }
    return (i) => v[i];
  }

  for (const [input, keepdims] of [[[3, 4, 5], false], [[1, 1, 7], true], [[5, 2, 33], true]] as [number[], boolean][]) {
    it(`[batch, ${input}]${keepdims ? ' keepdims' : ''}: the maximum per channel, gradient by central differences`, () => {
      const x = batchFor(input, 2, seed + input[2]);
      const y = predictAlone(nn.layers.globalMaxPooling2d({ keepdims }), input, x);
      const [h, w, c] = input;
      expect(y.shape).toEqual(keepdims ? [2, 1, 1, c] : [2, c]);
      for (let s = 0; s < 2; s++) for (let ch = 0; ch < c; ch++) {
        let best = -Infinity;
        for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) best = Math.max(best, pixel(x, s, i, j, ch));
        expect(y.data[s * c + ch]).toBe(best);
      }
      const rng = makeRng(seed + input[2]);
      checkLayerGradients({ layer: nn.layers.globalMaxPooling2d({ keepdims }), inputShapes: [input], batch: 2, rng, input: spaced(2 * h * w * c, rng), h: 1e-3 });
    });
  }

  it('globalAveragePooling2d keepdims: [batch, 1, 1, C] with the same values; gradient by central differences', () => {
    const x = batchFor([4, 3, 5], 2, seed);
    const flat = predictAlone(nn.layers.globalAveragePooling2d(), [4, 3, 5], x);
    const kept = predictAlone(nn.layers.globalAveragePooling2d({ keepdims: true }), [4, 3, 5], x);
    expect(flat.shape).toEqual([2, 5]);
    expect(kept.shape).toEqual([2, 1, 1, 5]);
    expect(Array.from(kept.data)).toEqual(Array.from(flat.data));
    checkLayerGradients({ layer: nn.layers.globalAveragePooling2d({ keepdims: true }), inputShapes: [[4, 3, 5]], batch: 2, rng: makeRng(seed) });
  });

  it('keepdims must be a boolean; the input must be rank 4', () => {
    expect(() => nn.layers.globalMaxPooling2d({ keepdims: 'yes' as unknown as boolean })).toThrow(/GlobalMaxPooling2D 'global_max_pooling2d(_\d+)?': keepdims must be true or false, got 'yes'/);
    expect(() => nn.layers.globalAveragePooling2d({ keepDims: true } as nn.layers.GlobalPooling2DArgs)).toThrow(/did you mean 'keepdims'/);
    expect(() => nn.layers.globalMaxPooling2d({ name: 'g' }).build([[4, 5]])).toThrow("GlobalMaxPooling2D 'g': expects rank-4 input [batch, height, width, channels], got [batch, 4, 5]");
  });
});

/**
 * A CNN through every shape layer: conv, pad, crop, upsample (both), permute, a global pooling (max unless
 * `average`), repeat, dense.
 */
function shapeCnn(average = false): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [5, 4, 2], filters: 3, kernelSize: 2, activation: 'tanh' }),
    nn.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]] }),
    nn.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }),
    nn.layers.cropping2d({ cropping: [[0, 1], [1, 2]] }),
    nn.layers.permute({ dims: [2, 1, 3] }),
    nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
    nn.layers.upSampling2d({ size: 2 }),
    average ? nn.layers.globalAveragePooling2d({ keepdims: true }) : nn.layers.globalMaxPooling2d({ keepdims: true }),
    nn.layers.flatten(),
    nn.layers.repeatVector({ n: 3 }),
    nn.layers.permute({ dims: [2, 1] }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

describe(`shape layers inside models (seed ${seed})`, () => {
  it('parameter gradients of a CNN through every shape layer match central differences of its loss', () => {
    // Global average pooling here: a weight step of h moves many activations at once, and global max pooling's
    // maximum may then change places between the ± evaluations (its own check above keeps its inputs apart).
    const m = shapeCnn(true);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    randomizeWeights(m, seed);
    const x = batchFor([5, 4, 2], 4, seed + 1);
    const y = nn.data.toCategorical(Uint8Array.from([0, 1, 2, 1]), 3);
    checkModelGradients(m, x, y);
    m.dispose();
  });

  it('a model with every shape layer trains: the loss falls over 30 Adam steps, and so does one with bilinear half-pixel upsampling and average pooling', async () => {
    nn.setSeed(seed);
    const rng = makeRng(seed + 2);
    const x = nn.tensor(randomArray(16 * 40, rng), [16, 5, 4, 2]);
    const y = nn.data.toCategorical(Uint8Array.from({ length: 16 }, () => Math.floor(rng() * 3)), 3);
    const other = nn.sequential({ layers: [
      nn.layers.zeroPadding2d({ inputShape: [5, 4, 2], padding: 1 }),
      nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      nn.layers.upSampling2d({ interpolation: 'bilinear', halfPixelCenters: true }),
      nn.layers.cropping2d({ cropping: 1 }),
      nn.layers.globalAveragePooling2d({ keepdims: true }),
      nn.layers.permute({ dims: [3, 1, 2] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    for (const m of [shapeCnn(), other]) {
      m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy' });
      const history = await m.fit(x, y, { batchSize: 16, epochs: 30, shuffle: false, verbose: 0 });
      const loss = history.history.loss as number[];
      expect(loss[29], `${loss[0]} → ${loss[29]}`).toBeLessThan(loss[0] * 0.8);
      m.dispose();
    }
  });

  it('save and load: the same configs and predictions, bit for bit', async () => {
    const m = shapeCnn();
    randomizeWeights(m, seed + 3);
    const loaded = await nn.loadModel(await artifactsOf(m));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const x = batchFor([5, 4, 2], 3, seed + 4);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('half-pixel bilinear saves with Keras 3\'s dtype object and loads back half-pixel; the configs read Keras\'s keys', async () => {
    const m = nn.sequential({ layers: [
      nn.layers.upSampling2d({ inputShape: [3, 4, 2], size: [2, 3], interpolation: 'bilinear', halfPixelCenters: true }),
      nn.layers.globalAveragePooling2d({ keepdims: true }),
    ] });
    const artifacts = await artifactsOf(m);
    const layers = (artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    expect(layers[0].config).toMatchObject({ size: [2, 3], interpolation: 'bilinear', data_format: 'channels_last', dtype: { class_name: 'DTypePolicy' } });
    expect(layers[1].config).toMatchObject({ keepdims: true, data_format: 'channels_last' });
    const loaded = await nn.loadModel(artifacts);
    expect((loaded.layers[0] as nn.layers.UpSampling2D).halfPixelCenters).toBe(true);
    const x = batchFor([3, 4, 2], 2, seed + 5);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('options a file may hold that simdnn cannot honour are refused by name', async () => {
    const m = nn.sequential({ layers: [nn.layers.zeroPadding2d({ inputShape: [3, 3, 1] }), nn.layers.upSampling2d(), nn.layers.flatten(), nn.layers.repeatVector({ n: 2 })] });
    const artifacts = await artifactsOf(m);
    m.dispose();
    const edit = async (layer: number, change: Record<string, unknown>): Promise<unknown> => {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      Object.assign(topology.config.layers[layer].config, change);
      return nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] });
    };
    await expect(edit(0, { data_format: 'channels_first' })).rejects.toThrow(/data_format/);
    await expect(edit(0, { padding: [[1, -1], [0, 0]] })).rejects.toThrow(/padding must be an integer ≥ 0/);
    await expect(edit(1, { interpolation: 'bicubic' })).rejects.toThrow(/interpolation 'bicubic' is not supported; supported: nearest, bilinear/);
    await expect(edit(1, { size: [2, 0] })).rejects.toThrow(/size/);
    await expect(edit(3, { n: 0 })).rejects.toThrow(/config 'n' must be a positive integer, got 0/);
  });
});
