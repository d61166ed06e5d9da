// Conv2DTranspose: Keras's output-size rules and errors, predictions against a float64 reference,
// finite-difference gradients of input, kernel and bias, save/load, and TensorFlow.js 4.22 both
// ways (cpu backend; TF.js has no outputPadding and ignores dilation, so those are checked against
// its conv2dTranspose op given Keras's output shape, and against the reference).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';
import { getBackend } from '../src/core/wasm.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel): Promise<nn.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved as nn.io.ModelArtifacts;
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): Float32Array {
  return (model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
}

/**
 * Float64 transposed convolution from Keras 3's definition (its JAX backend): the input, spread
 * `stride` apart, padded by `left` = min(⌈padLen/2⌉, extent − 1) at the top/left (padLen = stride +
 * extent − 2 for 'same', extent + extent mod 2 − 2 + outputPadding with one; extent − 1 for
 * 'valid'), convolved with the flipped kernel. Input pixel i tap k so lands on output
 * i·stride + left − (extent − 1) + k·dilation.
 */
function reference(x: Float32Array, [n, h, w, inC]: number[], kernel: Float32Array, bias: Float32Array, [kh, kw, filters]: number[],
  [sh, sw]: number[], [dh, dw]: number[], padding: 'valid' | 'same', outputPadding: [number, number] | null, [outH, outW]: number[]): Float64Array {
  const shift = (k: number, s: number, d: number, op: number | null) => {
    const extent = (k - 1) * d + 1;
    const padLen = op === null ? s + extent - 2 : extent + (extent % 2) - 2 + op;
    const left = padding === 'valid' ? extent - 1 : Math.min(Math.floor(padLen / 2) + (padLen % 2), extent - 1);
    return extent - 1 - left;
  };
  const pt = shift(kh, sh, dh, outputPadding && outputPadding[0]), pl = shift(kw, sw, dw, outputPadding && outputPadding[1]);
  const y = new Float64Array(n * outH * outW * filters);
  for (let i = 0; i < y.length; i++) y[i] = bias[i % filters];
  for (let b = 0; b < n; b++) for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    const oy = iy * sh - pt + ky * dh, ox = ix * sw - pl + kx * dw;
    if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
    for (let f = 0; f < filters; f++) for (let c = 0; c < inC; c++) {
      y[((b * outH + oy) * outW + ox) * filters + f] += x[((b * h + iy) * w + ix) * inC + c] * kernel[((ky * kw + kx) * filters + f) * inC + c];
    }
  }
  return y;
}

describe(`Conv2DTranspose output size (seed ${seed})`, () => {
  // [per-sample input, options, Keras's output]: deconv_output_length by hand.
  const cases: [number[], Partial<nn.layers.Conv2DTransposeArgs>, number[]][] = [
    [[7, 7, 2], { kernelSize: 3, strides: 2, padding: 'same' }, [14, 14, 3]], // 7·2
    [[7, 5, 2], { kernelSize: 3, strides: 2 }, [15, 11, 3]], // 7·2 + max(3 − 2, 0)
    [[5, 4, 1], { kernelSize: 2, strides: 3 }, [15, 12, 3]], // 5·3 + max(2 − 3, 0)
    [[5, 5, 2], { kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }, [10, 10, 3]], // (5 − 1)·2 + 3 mod 2 + 1
    [[5, 5, 2], { kernelSize: 3, strides: 2, outputPadding: 1 }, [12, 12, 3]], // (5 − 1)·2 + 3 + 1
    [[4, 4, 2], { kernelSize: 4, strides: 2, padding: 'same', outputPadding: 0 }, [6, 6, 3]], // (4 − 1)·2 + 0 + 0
    [[4, 6, 2], { kernelSize: 3, dilationRate: 2 }, [8, 10, 3]], // extent 5: 4 + 4
    [[3, 3, 2], { kernelSize: [3, 4], strides: [2, 3], padding: 'same', outputPadding: [1, 2] }, [6, 8, 3]], // (3 − 1)·s + k mod 2 + op
    [[3, 3, 2], { kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', outputPadding: 0 }, [3, 2, 3]], // extents 5 and 4: (3 − 1) + e mod 2
    [[6, 5, 4], { kernelSize: [1, 3], strides: [1, 2], padding: 'valid' }, [6, 11, 3]],
  ];
  cases.forEach(([input, options, output]) => {
    it(`${JSON.stringify(options)} on [${input}] → [${output}]`, () => {
      const layer = nn.layers.conv2dTranspose({ filters: 3, ...options } as nn.layers.Conv2DTransposeArgs);
      expect(layer.weightShapes([input])).toEqual([['kernel', [...layer.kernelSize, 3, input[2]]], ['bias', [3]]]);
      layer.build([input]);
      expect(layer.outputShape).toEqual(output);
      layer.dispose();
    });
  });

  it('TF.js 4.22 gives the same sizes without outputPadding', () => {
    for (const [input, options, output] of cases.filter(([, o]) => o.outputPadding === undefined && o.dilationRate === undefined)) {
      const layer = tf.layers.conv2dTranspose({ filters: 3, ...options } as never);
      expect(layer.computeOutputShape([null, ...input])).toEqual([null, ...output]);
    }
  });

  it('bad options are refused, naming the layer, the option and the values', () => {
    const make = (options: Record<string, unknown>) => () => nn.layers.conv2dTranspose({ name: 'up', filters: 2, kernelSize: 3, ...options } as never);
    expect(make({ strides: 2, outputPadding: 2 })).toThrow("Conv2DTranspose 'up': outputPadding must be smaller than strides on each axis, got outputPadding [2, 2] with strides [2, 2]");
    expect(make({ outputPadding: 1 })).toThrow('got outputPadding [1, 1] with strides [1, 1]');
    expect(make({ strides: [3, 1], outputPadding: [2, 1] })).toThrow('got outputPadding [2, 1] with strides [3, 1]');
    expect(make({ strides: 2, outputPadding: -1 })).toThrow("Conv2DTranspose 'up': outputPadding must be a non-negative integer or a pair of them, got -1");
    expect(make({ strides: 2, outputPadding: [1] })).toThrow('got [1]');
    expect(make({ padding: 'causal' })).toThrow("Conv2DTranspose 'up': padding must be 'valid' or 'same', got \"causal\"");
    expect(make({ padding: [[1, 1], [1, 1]] })).toThrow("padding must be 'valid' or 'same'");
    expect(make({ filters: 0 })).toThrow("Conv2DTranspose 'up': filters must be a positive integer, got 0");
    expect(make({ strides: [1, 2], dilationRate: [2, 1] })).toThrow("Conv2DTranspose 'up': strides > 1 together with dilationRate > 1 is not supported (nor by Keras), got strides [1, 2] and dilationRate [2, 1]");
    expect(make({ output_padding: 1 })).toThrow("Conv2DTranspose: unknown option 'output_padding'; did you mean 'outputPadding'?");
    const empty = nn.layers.conv2dTranspose({ name: 'empty', filters: 1, kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 });
    expect(() => empty.build([[1, 3, 1]])).toThrow("Conv2DTranspose 'empty': output size 0x4 would be empty");
    expect(() => nn.layers.conv2dTranspose({ filters: 1, kernelSize: 2 }).build([[4, 4]])).toThrow('expects rank-4 input');
  });
});

describe(`Conv2DTranspose layer (seed ${seed})`, () => {
  // [label, options, per-sample input]
  const cases: [string, nn.layers.Conv2DTransposeArgs, number[]][] = [
    ['3x3 stride 2 same, relu', { filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', biasInitializer: 'ones' }, [3, 4, 5]],
    ['2x3 stride [3, 2] valid, tanh', { filters: 5, kernelSize: [2, 3], strides: [3, 2], activation: 'tanh' }, [3, 2, 3]],
    ['outputPadding, no bias', { filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0], useBias: false }, [2, 3, 7]],
    ['dilation [2, 3], sigmoid', { filters: 4, kernelSize: 3, dilationRate: [2, 3], padding: 'same', activation: 'sigmoid' }, [2, 3, 2]],
    ['dilation 2, valid, outputPadding 0', { filters: 3, kernelSize: [2, 3], dilationRate: 2, outputPadding: 0 }, [3, 2, 2]],
    ['kernel shorter than the stride', { filters: 1, kernelSize: 2, strides: 3 }, [3, 3, 1]],
    ['even kernel, same, outputPadding 0 (taps cut at the end, as Keras 3)', { filters: 2, kernelSize: [4, 2], strides: 2, padding: 'same', outputPadding: 0 }, [3, 4, 2]],
  ];
  cases.forEach(([label, options, input], ci) => {
    it(`${label}: gradients of input, kernel and bias`, () => {
      nn.setSeed(seed + ci);
      const layer = nn.layers.conv2dTranspose(options);
      checkLayerGradients({ layer, inputShapes: [input], batch: 2, rng: makeRng(seed + ci), h: 1e-3 });
      layer.dispose();
    });

    it(`${label}: predictions against the float64 reference`, () => {
      nn.setSeed(seed + 10 + ci);
      const layer = nn.layers.conv2dTranspose({ ...options, inputShape: input });
      const model = nn.sequential({ layers: [layer] });
      randomizeWeights(model, seed + 11 + ci);
      const n = 3, x = batchFor(input, n, seed + 12 + ci);
      const [kernel, bias] = layer.getWeights();
      const linear = reference(x.data, [n, ...input], kernel.data, bias?.data ?? new Float32Array(options.filters), [...layer.kernelSize, options.filters],
        layer.strides, layer.dilationRate, layer.padding, layer.outputPadding, layer.outputShape);
      const f = { relu: (v: number) => Math.max(v, 0), tanh: Math.tanh, sigmoid: (v: number) => 1 / (1 + Math.exp(-v)) }[options.activation as string] ?? ((v: number) => v);
      const y = model.predict(x) as nn.Tensor;
      expect(y.shape).toEqual([n, ...layer.outputShape]);
      // Sums of at most 9·7 products of values below 1 in magnitude: f32 rounding stays far below 1e-5.
      expect(maxAbsDiff(y.data, linear.map(f))).toBeLessThan(1e-5);
      model.dispose();
    });
  });

  // TF computes the padding from the output shape it is given, which must give the input back under
  // the forward 'same' rule (an even kernel with 'same' needs outputPadding ≥ 1); these do.
  it('outputPadding agrees with tf.conv2dTranspose given Keras\'s output shape (same and valid)', () => {
    for (const [padding, outputPadding, strides] of [['same', [1, 1], [2, 2]], ['valid', [2, 1], [3, 2]], ['same', [0, 2], [2, 3]]] as const) {
      const layer = nn.layers.conv2dTranspose({ inputShape: [4, 3, 3], filters: 2, kernelSize: [3, 4], strides: [...strides], padding, outputPadding: [...outputPadding] });
      const model = nn.sequential({ layers: [layer] });
      randomizeWeights(model, seed + 20);
      const x = batchFor([4, 3, 3], 2, seed + 21);
      const [kernel, bias] = layer.getWeights();
      const want = tf.add(tf.conv2dTranspose(tf.tensor(x.data, [2, 4, 3, 3]) as tf.Tensor4D, tf.tensor(kernel.data, [3, 4, 2, 3]) as tf.Tensor4D,
        [2, layer.outputShape[0], layer.outputShape[1], 2], [...strides], padding), tf.tensor(bias.data, [2]));
      expect(maxAbsDiff((model.predict(x) as nn.Tensor).data, want.dataSync())).toBeLessThan(1e-5);
      model.dispose();
    }
  });

  it('a convolutional autoencoder: loss gradients of every weight through conv2d and conv2dTranspose', () => {
    nn.setSeed(seed + 30);
    const model = nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [7, 6, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
      nn.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [0, 1], activation: 'tanh' }),
      nn.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 1], padding: 'valid', activation: 'sigmoid' }),
    ] });
    expect(model.outputShape).toEqual([8, 6, 2]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const rng = makeRng(seed + 31);
    const x = nn.tensor(randomArray(3 * 7 * 6 * 2, rng), [3, 7, 6, 2]);
    const y = nn.tensor(randomArray(3 * 8 * 6 * 2, rng, 0, 1), [3, 8, 6, 2]);
    checkModelGradients(model, x, y, 1e-2, 2e-2);
    model.dispose();
  });
});

describe(`Conv2DTranspose in training (seed ${seed})`, () => {
  it('30 steps leave wasm memory as it was after the first (every buffer is planned; layer normalisation too)', async () => {
    const { arena } = getBackend();
    nn.setSeed(seed + 35);
    const model = nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      nn.layers.layerNormalization(),
      nn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, activation: 'sigmoid' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const rng = makeRng(seed + 36);
    const x = nn.tensor(randomArray(30 * 8 * 64, rng, 0, 1), [30 * 8, 8, 8, 1]);
    const sizes: number[] = [], inUse: number[] = [];
    const history = await model.fit(x, x, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { sizes.push(arena.byteLength); inUse.push(arena.bytesInUse); } }] });
    expect(sizes).toHaveLength(30);
    expect(new Set(sizes).size).toBe(1);
    expect(new Set(inUse).size).toBe(1);
    expect(Number.isFinite(history.history.loss[0])).toBe(true);
    model.dispose();
  });
});

describe(`Conv2DTranspose save, load and TF.js 4.22 (seed ${seed})`, () => {
  function model(keras = true): nn.Sequential {
    return nn.sequential({ layers: [
      nn.layers.conv2dTranspose({ inputShape: [4, 3, 3], filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      nn.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [1, 2], useBias: false, kernelRegularizer: nn.regularizers.l2({ l2: 1e-3 }),
        ...(keras ? { outputPadding: [0, 1] as [number, number] } : {}) }),
      ...(keras ? [nn.layers.conv2dTranspose({ filters: 3, kernelSize: 2, dilationRate: [2, 1], padding: 'same' })] : []),
      nn.layers.flatten(),
    ] });
  }

  it('saves and loads back with the same config and predictions (outputPadding and dilation kept)', async () => {
    const m = model();
    randomizeWeights(m, seed + 40);
    const loaded = await nn.loadModel(await artifactsOf(m));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(loaded.layers[1].getConfig()).toMatchObject({ output_padding: [0, 1] });
    expect(loaded.layers[2].getConfig()).toMatchObject({ dilation_rate: [2, 1], output_padding: null });
    const x = batchFor([4, 3, 3], 3, seed + 41);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    m.dispose();
    loaded.dispose();
  });

  it('simdnn → tf.loadLayersModel predicts the same within 1e-5', async () => {
    const m = model(false);
    randomizeWeights(m, seed + 42);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    expect(loaded.outputs[0].shape).toEqual([null, 9 * 13 * 2]); // 8x6 → 8·1 + (2 − 1), 6·2 + (3 − 2)
    const x = batchFor([4, 3, 3], 3, seed + 43);
    expect(maxAbsDiff(tfPredict(loaded, x), (m.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel predicts the same within 1e-5', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.conv2dTranspose({ inputShape: [5, 4, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.conv2dTranspose({ filters: 3, kernelSize: [2, 3], strides: [3, 2], padding: 'valid', activation: 'tanh' }),
      tf.layers.flatten(),
    ] });
    const rng = makeRng(seed + 44);
    m.setWeights(m.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((a: number, b) => a * (b as number), 1), rng, -0.8, 0.8), w.shape as number[])));
    const loaded = await nn.loadModel(await tfjsArtifacts(m));
    expect(loaded.layers.map((l) => l.className)).toEqual(['Conv2DTranspose', 'Conv2DTranspose', 'Flatten']);
    const x = batchFor([5, 4, 3], 3, seed + 45);
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(m, x))).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it("TF.js 4.22 reads outputPadding and dilation files but computes without them (its output shape shows it)", async () => {
    for (const [options, ours, theirs] of [[{ strides: 2, outputPadding: 1 }, [10, 10, 2], [9, 9, 2]], [{ dilationRate: 2 }, [8, 8, 2], [6, 6, 2]]] as const) {
      const m = nn.sequential({ layers: [nn.layers.conv2dTranspose({ inputShape: [4, 4, 2], filters: 2, kernelSize: 3, ...options })] });
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
      expect(m.outputShape).toEqual(ours);
      expect(loaded.outputs[0].shape).toEqual([null, ...theirs]);
      loaded.dispose();
      m.dispose();
    }
  });

  it('a file with groups, a constraint or channels_first is refused by name', async () => {
    const m = model();
    const artifacts = await artifactsOf(m);
    m.dispose();
    for (const [key, value] of [['groups', 2], ['kernel_constraint', { class_name: 'NonNeg', config: {} }], ['data_format', 'channels_first'], ['output_padding', [2, 2]]] as const) {
      const topology = structuredClone(artifacts.modelTopology) as { config: { layers: { config: Record<string, unknown> }[] } };
      topology.config.layers[1].config[key] = value;
      await expect(nn.loadModel({ ...artifacts, modelTopology: topology as unknown as nn.io.ModelArtifacts['modelTopology'] }), key).rejects.toThrow(key === 'output_padding' ? /outputPadding must be smaller than strides/ : new RegExp(key));
    }
  });
});
