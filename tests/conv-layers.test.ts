import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { checkLayerGradients, checkModelGradients } from './helpers/gradcheck.js';
import { freshSeed, makeRng, maxRelError, randomArray } from './helpers/kernels.js';
import { standaloneCall } from '../src/layers/standalone.js';
import { getBackend } from '../src/core/wasm.js';
import type { Layer } from '../src/layers/layer.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

/** Direct float64 NHWC convolution. */
function convRef(x: Float32Array, [n, h, w, c]: number[], k: Float32Array, [kh, kw, , oc]: number[],
  [sh, sw]: number[], [dh, dw]: number[], [pt, pl]: number[], [oh, ow]: number[]): Float64Array {
  const y = new Float64Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < oc; o++) {
    let s = 0;
    for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const yi = i * sh - pt + u * dh, xj = j * sw - pl + v * dw;
      if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
      for (let ci = 0; ci < c; ci++) s += x[((b * h + yi) * w + xj) * c + ci] * k[((u * kw + v) * c + ci) * oc + o];
    }
    y[((b * oh + i) * ow + j) * oc + o] = s;
  }
  return y;
}

describe(`ops.conv2d and pooling against float64 references (seed ${seed})`, () => {
  const cases: [number[], number[], number, number, nn.layers.Padding, number[], number[]][] = [
    // x shape, kernel shape, stride, dilation, padding, expected pads [top, left], out [h, w]
    [[2, 7, 5, 3], [3, 3, 3, 5], 1, 1, 'valid', [0, 0], [5, 3]],
    [[1, 9, 8, 5], [3, 2, 5, 6], 2, 1, 'same', [1, 0], [5, 4]],
    [[2, 11, 7, 1], [3, 3, 1, 7], 1, 2, 'same', [2, 2], [11, 7]],
    [[1, 8, 9, 6], [2, 3, 6, 3], 3, 1, [[1, 2], [0, 1]], [1, 0], [4, 3]],
    [[1, 5, 5, 2], [1, 1, 2, 3], 1, 1, 'valid', [0, 0], [5, 5]],
  ];
  cases.forEach(([xs, ks, stride, dilation, padding, pads, out], ci) => {
    it(`case ${ci}: x [${xs}] kernel [${ks}] stride ${stride} dilation ${dilation} padding ${JSON.stringify(padding)}`, () => {
      const rng = makeRng(seed + ci);
      const x = randomArray(xs.reduce((a, b) => a * b), rng);
      const k = randomArray(ks.reduce((a, b) => a * b), rng);
      const y = nn.ops.conv2d(nn.tensor(x, xs), nn.tensor(k, ks), { strides: stride, dilations: dilation, padding });
      expect(y.shape).toEqual([xs[0], out[0], out[1], ks[3]]);
      expect(maxRelError(y.data, convRef(x, xs, k, ks, [stride, stride], [dilation, dilation], pads, out))).toBeLessThan(1e-5);
    });
  });

  it('maxPool2d, avgPool2d and globalAvgPool2d', () => {
    const rng = makeRng(seed + 99);
    const [n, h, w, c] = [2, 5, 7, 3];
    const x = randomArray(n * h * w * c, rng);
    const at = (b: number, i: number, j: number, ch: number) => x[((b * h + i) * w + j) * c + ch];
    const max = nn.ops.maxPool2d(nn.tensor(x, [n, h, w, c]), { poolSize: 3, strides: 2, padding: 'same' });
    const avg = nn.ops.avgPool2d(nn.tensor(x, [n, h, w, c]), { poolSize: 3, strides: 2, padding: 'same' });
    expect(max.shape).toEqual([n, 3, 4, c]);
    const wantMax: number[] = [], wantAvg: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let ch = 0; ch < c; ch++) {
      let m = -Infinity, s = 0, cnt = 0;
      for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) {
        const yi = i * 2 - 1 + u, xj = j * 2 - 1 + v; // 'same' pads 1 before: total (3-1)*2+3-5 = 2
        if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
        m = Math.max(m, at(b, yi, xj, ch)); s += at(b, yi, xj, ch); cnt++;
      }
      wantMax.push(m); wantAvg.push(s / cnt);
    }
    expect(maxRelError(max.data, wantMax)).toBe(0);
    expect(maxRelError(avg.data, wantAvg)).toBeLessThan(1e-6);
    const gap = nn.ops.globalAvgPool2d(nn.tensor(x, [n, h, w, c]));
    expect(gap.shape).toEqual([n, c]);
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s += at(b, i, j, ch);
      expect(gap.data[b * c + ch]).toBeCloseTo(s / (h * w), 6);
    }
  });
});

describe(`layer gradients by finite differences (seed ${seed})`, () => {
  const distinct = (rng: () => number) => (i: number) => ((i * 7919) % 1009) / 1009 + rng() * 1e-4;
  const layerCases: [string, () => Layer, number[][], ((rng: () => number) => (i: number) => number)?][] = [
    ['conv2d 3x3 same tanh', () => nn.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }), [[6, 5, 3]]],
    ['conv2d 2x3 stride 2 valid', () => nn.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2 }), [[7, 8, 2]]],
    ['conv2d dilation 2 explicit padding', () => nn.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: [[1, 2], [2, 0]] }), [[6, 6, 3]]],
    ['conv2d direct path: 1 channel in, 8 filters, 3x3 same', () => nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'tanh' }), [[6, 7, 1]]],
    ['conv2d direct path: 2 channels, 4 filters, stride 2 dilation 2, no bias', () => nn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, dilationRate: 2, padding: 'same', useBias: false }), [[7, 8, 2]]],
    ['conv2d 1x1 pointwise, no bias', () => nn.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false }), [[4, 3, 5]]],
    ['maxPooling2d 2x2', () => nn.layers.maxPooling2d({ poolSize: 2 }), [[6, 5, 3]], distinct],
    ['maxPooling2d 3x3 stride 2 same', () => nn.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [[7, 6, 2]], distinct],
    ['averagePooling2d 3x3 stride 2 same', () => nn.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [[7, 5, 3]]],
    ['globalAveragePooling2d', () => nn.layers.globalAveragePooling2d(), [[3, 4, 5]]],
    ['flatten', () => nn.layers.flatten(), [[3, 2, 5]]],
    ['reshape', () => nn.layers.reshape({ targetShape: [5, -1] }), [[3, 2, 5]]],
    ['batchNormalization over channels', () => nn.layers.batchNormalization(), [[3, 2, 5]]],
    ['batchNormalization without scale or center', () => nn.layers.batchNormalization({ scale: false, center: false }), [[7]]],
    ['activation elu', () => nn.layers.activation({ activation: 'elu' }), [[3, 5]]],
    ['add of three', () => nn.layers.add(), [[2, 3, 5], [2, 3, 5], [2, 3, 5]]],
    ['concatenate', () => nn.layers.concatenate(), [[2, 3, 5], [2, 3, 1], [2, 3, 2]]],
  ];
  for (const [name, make, shapes, input] of layerCases) {
    it(name, () => {
      const rng = makeRng(seed + name.length);
      nn.setSeed(seed);
      const layer = make();
      checkLayerGradients({ layer, inputShapes: shapes, batch: 3, rng, h: 1e-3, input: input?.(rng) });
      layer.dispose();
    });
  }

  it('dropout: backward applies the same mask as forward, scaled by 1/(1-rate)', () => {
    const { arena } = getBackend();
    const layer = nn.layers.dropout({ rate: 0.4, seed: 5 });
    layer.build([[50]]);
    const n = 4, count = 200;
    const x = arena.allocF32(count), y = arena.allocF32(count), dy = arena.allocF32(count), dx = arena.allocF32(count);
    const call = standaloneCall(layer, n, { inputs: [x], output: y, gradOutput: dy, gradInputs: [dx] });
    const rng = makeRng(seed);
    for (let i = 0; i < count; i++) { arena.f32[(x >>> 2) + i] = 1 + rng(); arena.f32[(dy >>> 2) + i] = rng() - 0.5; }
    layer.forward(n, call, true);
    layer.backward(n, call);
    let dropped = 0;
    for (let i = 0; i < count; i++) {
      const mask = arena.f32[(y >>> 2) + i] / arena.f32[(x >>> 2) + i];
      if (mask === 0) dropped++;
      else expect(mask).toBeCloseTo(1 / 0.6, 5);
      expect(arena.f32[(dx >>> 2) + i]).toBeCloseTo(arena.f32[(dy >>> 2) + i] * mask, 5);
    }
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(120);
    layer.forward(n, call, false);
    for (let i = 0; i < count; i++) expect(arena.f32[(y >>> 2) + i]).toBe(arena.f32[(x >>> 2) + i]);
    call.release();
    for (const p of [x, y, dy, dx]) arena.release(p);
    layer.dispose();
  });
});

/** conv → bn → relu → conv → bn, added to the input, relu; then pooling and a classifier. */
function residualModel() {
  const input = nn.input({ shape: [6, 6, 4] });
  let h = nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
  h = nn.layers.batchNormalization().apply(h);
  h = nn.layers.activation({ activation: 'tanh' }).apply(h);
  h = nn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(h);
  const joined = nn.layers.add().apply([h, input]);
  const pooled = nn.layers.globalAveragePooling2d().apply(nn.layers.activation({ activation: 'tanh' }).apply(joined));
  const out = nn.layers.dense({ units: 3, activation: 'softmax' }).apply(pooled);
  return nn.model({ inputs: input, outputs: out });
}

describe(`functional models (seed ${seed})`, () => {
  it('a whole residual block passes the finite-difference check (gradients summed at the join)', () => {
    nn.setSeed(seed);
    const model = residualModel();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const rng = makeRng(seed);
    const x = nn.tensor(randomArray(4 * 6 * 6 * 4, rng), [4, 6, 6, 4]);
    const y = nn.tensor([0, 2, 1, 2]);
    checkTrainingModeGradients(model, x, y);
    model.dispose();
  });

  it('summary shows output shapes, parameter counts and connections', () => {
    const model = residualModel();
    const table = model.summary();
    expect(table).toContain('Connected to');
    expect(table).toMatch(/add\S* \(Add\)\s+\(None, 6, 6, 4\)\s+0\s+conv2d\S*, input/);
    expect(model.countParams()).toBe((3 * 3 * 4 * 4 + 4) * 2 + 4 * 4 + 4 * 3 + 3);
    model.dispose();
  });

  it('predict is deterministic with dropout and batch norm; fit moves the moving statistics', async () => {
    nn.setSeed(seed);
    const input = nn.input({ shape: [4, 4, 2] });
    let h = nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input);
    h = nn.layers.batchNormalization().apply(h);
    h = nn.layers.dropout({ rate: 0.5 }).apply(nn.layers.flatten().apply(h));
    const model = nn.model({ inputs: input, outputs: nn.layers.dense({ units: 2, activation: 'softmax' }).apply(h) });
    model.compile({ optimizer: nn.optimizers.adam(), loss: 'categoricalCrossentropy' });
    const rng = makeRng(seed);
    const x = nn.tensor(randomArray(16 * 32, rng, 0, 2), [16, 4, 4, 2]);
    const y = nn.data.toCategorical(Array.from({ length: 16 }, (_, i) => i % 2), 2);
    const a = model.predict(x), b = model.predict(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    const before = model.getWeights().slice(2, 6).map((w) => Array.from(w.data));
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const after = model.getWeights().slice(2, 6).map((w) => Array.from(w.data));
    expect(after[2]).not.toEqual(before[2]); // moving_mean
    expect(after[3]).not.toEqual(before[3]); // moving_variance
    model.dispose();
  });
});

/**
 * Like checkModelGradients, but the loss is measured with a training-mode forward: batch norm
 * normalises with batch statistics while training and with moving ones in evaluate.
 */
function checkTrainingModeGradients(model: nn.LayersModel, x: nn.Tensor, y: nn.Tensor): void {
  const plan = model.planFor(x.shape[0], true);
  const original = plan.forward.bind(plan);
  plan.forward = (n: number) => original(n, true);
  try {
    checkModelGradients(model, x, y, 1e-2, 3e-2);
  } finally {
    plan.forward = original;
  }
}

describe('bad input to convolutional layers gets a clear error', () => {
  it('a kernel larger than the padded input', () => {
    const layer = nn.layers.conv2d({ filters: 2, kernelSize: 5, name: 'big' });
    expect(() => nn.sequential({ layers: [nn.layers.conv2d({ inputShape: [3, 3, 1], filters: 2, kernelSize: 5, name: 'big2' })] }).summary())
      .toThrow("Conv2D 'big2': the 5x5 window (kernel 5x5, dilation 1x1) is larger than the padded 3x3 input");
    expect(() => layer.apply(nn.input({ shape: [4, 9, 1] }))).toThrow("Conv2D 'big': the 5x5 window");
    expect(() => nn.layers.maxPooling2d({ poolSize: 3, name: 'p' }).apply(nn.input({ shape: [2, 2, 1] })))
      .toThrow("MaxPooling2D 'p': the 3x3 window (kernel 3x3, dilation 1x1) is larger than the padded 2x2 input");
  });

  it('a dilated kernel that no longer fits', () => {
    expect(() => nn.layers.conv2d({ filters: 1, kernelSize: 3, dilationRate: 3, name: 'd' }).apply(nn.input({ shape: [6, 6, 1] })))
      .toThrow("Conv2D 'd': the 7x7 window (kernel 3x3, dilation 3x3) is larger than the padded 6x6 input");
  });

  it('a channel count that does not match the weights', async () => {
    const model = nn.sequential({ layers: [nn.layers.conv2d({ inputShape: [5, 5, 3], filters: 2, kernelSize: 3 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(() => model.predict(nn.tensor(new Float32Array(5 * 5 * 4), [1, 5, 5, 4])))
      .toThrow('predict: x has shape [1, 5, 5, 4] but the model expects [N, 5, 5, 3]');
    const w = model.getWeights();
    expect(() => model.setWeights([nn.tensor(new Float32Array(3 * 3 * 4 * 2), [3, 3, 4, 2]), w[1]]))
      .toThrow('setWeights: weight 0 (kernel) expects shape [3, 3, 3, 2], got [3, 3, 4, 2]');
    expect(() => nn.ops.conv2d(nn.tensor(new Float32Array(25 * 4), [1, 5, 5, 4]), w[0]))
      .toThrow('conv2d: x has 4 channels but the kernel expects 3');
    const shared = nn.layers.conv2d({ filters: 2, kernelSize: 1, name: 'shared' });
    shared.build([[4, 4, 3]]);
    expect(() => shared.build([[4, 4, 5]])).toThrow("Conv2D 'shared': already built for input [4, 4, 3], cannot reuse it for [4, 4, 5]");
  });

  it('an input whose rank is not 4 for 2-D layers', () => {
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(nn.input({ shape: [784] })))
      .toThrow("Conv2D 'c': expects rank-4 input [batch, height, width, channels], got [batch, 784]");
    expect(() => nn.layers.globalAveragePooling2d({ name: 'g' }).apply(nn.input({ shape: [4, 4] })))
      .toThrow("GlobalAveragePooling2D 'g': expects rank-4 input");
    expect(() => nn.ops.maxPool2d(nn.tensor([[1, 2], [3, 4]]), { poolSize: 2 })).toThrow('maxPool2d: x must be rank 4');
  });

  it('non-integer or non-positive strides and pool sizes', () => {
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 1.5, name: 's' })).toThrow("Conv2D 's': strides must be a positive integer or a pair of them, got 1.5");
    expect(() => nn.layers.maxPooling2d({ poolSize: 0, name: 'm' })).toThrow("MaxPooling2D 'm': poolSize must be a positive integer or a pair of them, got 0");
    expect(() => nn.layers.averagePooling2d({ poolSize: [2, -1], name: 'a' })).toThrow("AveragePooling2D 'a': poolSize must be a positive integer");
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never, name: 'p' }).apply(nn.input({ shape: [5, 5, 1] })))
      .toThrow("Conv2D 'p': padding must be 'valid', 'same' or [[top, bottom], [left, right]]");
  });

  it('joins of incompatible shapes', () => {
    const a = nn.input({ shape: [4, 4, 3] });
    const b = nn.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(a);
    expect(() => nn.layers.add({ name: 'join' }).apply([a, b])).toThrow("Add 'join': inputs [4, 4, 3] and [4, 4, 2] must have the same shape, or one must be 1s followed by the other's last axes");
    const c = nn.layers.maxPooling2d({ poolSize: 2 }).apply(a);
    expect(() => nn.layers.concatenate({ name: 'cat' }).apply([a, c])).toThrow("Concatenate 'cat': inputs must match in all but axis -1; input 0 is [4, 4, 3], input 1 is [2, 2, 3]");
  });
});

describe(`Conv2D direct forward (small patch) against the im2col path (seed ${seed})`, () => {
  const cases: [string, nn.layers.Conv2DArgs, number[]][] = [
    ['1 channel in, 8 filters, 3x3 same', { filters: 8, kernelSize: 3, padding: 'same' }, [13, 11, 1]],
    ['3 channels, 12 filters, 5x3 stride 2 dilation [1, 2], explicit padding, no bias',
      { filters: 12, kernelSize: [5, 3], strides: 2, dilationRate: [1, 2], padding: [[2, 1], [0, 3]], useBias: false }, [12, 9, 3]],
    ['8 channels, 16 filters, 3x3 same (the example CNN\'s second layer)', { filters: 16, kernelSize: 3, padding: 'same' }, [7, 9, 8]],
  ];
  cases.forEach(([name, args, inShape], ci) => {
    it(name, () => {
      const { arena, kernels: k, gemmScratch } = getBackend();
      const rng = makeRng(seed + 500 + ci);
      nn.setSeed(seed);
      const layer = nn.layers.conv2d(args);
      layer.build([inShape]);
      const batch = 3;
      for (const p of layer.params) arena.f32.set(randomArray(p.size, rng), p.ptr >>> 2);
      const inSize = batch * inShape.reduce((a, b) => a * b), outSize = batch * layer.outputSize;
      const x = arena.allocF32(inSize), y = arena.allocF32(outSize), ref = arena.allocF32(outSize);
      arena.f32.set(randomArray(inSize, rng), x >>> 2);
      const call = standaloneCall(layer, batch, { inputs: [x], output: y });
      layer.forward(batch, call, false);
      call.release();
      // The im2col path, by hand: columns, one GEMM, bias.
      const [kh, kw] = typeof args.kernelSize === 'number' ? [args.kernelSize, args.kernelSize] : args.kernelSize;
      const outShape = layer.outputShape as number[];
      const [outH, outW, filters] = outShape.slice(-3);
      const [inH, inW, inC] = inShape;
      const [sh, sw] = typeof args.strides === 'number' ? [args.strides, args.strides] : args.strides ?? [1, 1];
      const [dh, dw] = typeof args.dilationRate === 'number' ? [args.dilationRate, args.dilationRate] : args.dilationRate ?? [1, 1];
      const pad = (size: number, k: number, s: number, d: number, out: number, which: 0 | 1) => args.padding === 'same'
        ? Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0) / 2)
        : Array.isArray(args.padding) ? args.padding[which][0] : 0;
      const padTop = pad(inH, kh, sh, dh, outH, 0), padLeft = pad(inW, kw, sw, dw, outW, 1);
      const rows = batch * outH * outW, K = kh * kw * inC;
      const cols = arena.allocF32(rows * K);
      k.im2colNHWC(x, cols, batch, inH, inW, inC, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
      const [kernel, bias] = layer.params;
      k.gemm(0, 0, rows, filters, K, cols, K, kernel.ptr, filters, ref, filters, 0, 0, 0, 0, gemmScratch);
      if (bias) k.addRowVector(ref, bias.ptr, ref, rows, filters);
      const got = arena.f32.slice(y >>> 2, (y >>> 2) + outSize), want = arena.f32.slice(ref >>> 2, (ref >>> 2) + outSize);
      expect(maxRelError(got, want)).toBeLessThan(1e-5);
      for (const p of [x, y, ref, cols]) arena.release(p);
      layer.dispose();
    });
  });
});
