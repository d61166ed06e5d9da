// loadOnnx: ONNX graphs become ordinary simdnn models. Checked against ONNX Runtime Web on graphs
// written here (the layout bookkeeping: NCHW in, NHWC inside, transposes folded), and as users
// meet it: refusals listed before any allocation, malformed files, save, fine-tune, NHWC input.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/core.js';
import { attr, encodeModel, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../src/onnx/encode.js';
import { loadOnnx, OnnxUnsupportedError, saveOnnx } from '../src/onnx/index.js';
import { withSaveHandler, fromMemory } from '../src/io/handlers.js';
import { freshSeed } from './helpers/kernels.js';

beforeAll(async () => {
  await nn.ready();
  ort.env.wasm.numThreads = 1;
});

const seed = freshSeed();
let state = seed >>> 0 || 1;
/** Uniform in [-1, 1) from a xorshift stream of this run's seed. */
function random(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return ((state >>> 0) / 2 ** 32) * 2 - 1;
  });
}

const weight = (name: string, dims: number[]): OnnxTensor => ({ name, dims, data: random(dims.reduce((a, b) => a * b, 1)) });
const ints = (name: string, values: number[]): OnnxTensor => ({ name, dims: [values.length], data: BigInt64Array.from(values, BigInt) });

function graph(nodes: OnnxNode[], initializers: OnnxTensor[], input: number[], output: (number | string)[], name = 'g'): OnnxGraph {
  return { name, nodes, initializers, inputs: [{ name: 'x', shape: ['N', ...input.slice(1)] }], outputs: [{ name: 'y', shape: output }] };
}

async function ortRun(bytes: Uint8Array, x: nn.Tensor): Promise<nn.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = await session.run({ x: new ort.Tensor('float32', x.data, [...x.shape]) });
  const y = out[session.outputNames[0]];
  await session.release();
  return new nn.Tensor(y.data as Float32Array, y.dims as number[]);
}

/**
 * Float32 results of two engines summing in different orders differ by about K·eps·Σ|terms|;
 * with K ≤ a few hundred terms of size ≤ 1 that stays under 1e-4 of the output's largest value.
 */
function expectClose(got: nn.Tensor, want: nn.Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const scale = Math.max(1, ...Array.from(want.data, Math.abs));
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / scale);
  expect(worst, `seed ${seed}`).toBeLessThan(1e-4);
}

/** A small CNN as torch.onnx.export writes one: padded stride-2 conv, BN, ReLU6, depthwise, residual add, GAP, Flatten, Gemm. */
function mobileBlock(): Uint8Array {
  const nodes: OnnxNode[] = [
    { opType: 'Conv', name: 'stem', inputs: ['x', 'w0', 'b0'], outputs: ['c0'], attributes: [attr.ints('pads', [1, 1, 1, 1]), attr.ints('strides', [2, 2]), attr.ints('kernel_shape', [3, 3])] },
    { opType: 'BatchNormalization', name: 'bn0', inputs: ['c0', 'g', 'be', 'mu', 'var'], outputs: ['n0'], attributes: [attr.float('epsilon', 1e-5)] },
    { opType: 'Clip', name: 'relu6', inputs: ['n0', 'lo', 'hi'], outputs: ['r0'] },
    { opType: 'Conv', name: 'dw', inputs: ['r0', 'w1'], outputs: ['c1'], attributes: [attr.ints('pads', [1, 1, 1, 1]), attr.int('group', 8)] },
    { opType: 'Relu', name: 'relu', inputs: ['c1'], outputs: ['r1'] },
    { opType: 'Add', name: 'residual', inputs: ['r1', 'r0'], outputs: ['s'] },
    { opType: 'GlobalAveragePool', name: 'gap', inputs: ['s'], outputs: ['p'] },
    { opType: 'Flatten', name: 'flat', inputs: ['p'], outputs: ['f'] },
    { opType: 'Gemm', name: 'fc', inputs: ['f', 'wf', 'bf'], outputs: ['y'], attributes: [attr.int('transB', 1)] },
  ];
  const variance = weight('var', [8]);
  variance.data = (variance.data as Float32Array).map((v) => v * v + 0.5);
  const inits = [weight('w0', [8, 3, 3, 3]), weight('b0', [8]), weight('g', [8]), weight('be', [8]), weight('mu', [8]), variance,
    { name: 'lo', dims: [], data: Float32Array.of(0) }, { name: 'hi', dims: [], data: Float32Array.of(6) },
    weight('w1', [8, 1, 3, 3]), weight('wf', [5, 8]), weight('bf', [5])];
  return encodeModel({ graph: graph(nodes, inits, [0, 3, 10, 10], ['N', 5]) });
}

describe('loadOnnx against ONNX Runtime Web', () => {
  it('a MobileNet-style block (BN and ReLU6 folded into the conv, depthwise, residual, GAP, Gemm)', async () => {
    const bytes = mobileBlock();
    const model = await loadOnnx(bytes);
    const x = new nn.Tensor(random(2 * 3 * 10 * 10), [2, 3, 10, 10]);
    expectClose(model.predict(x) as nn.Tensor, await ortRun(bytes, x));
    // BN, Clip and Relu live inside the convolutions: no layer of their own.
    const classes = model.layers.map((l) => l.className);
    expect(classes).not.toContain('BatchNormalization');
    expect(classes.filter((c) => c === 'Activation')).toEqual([]);
    expect(classes).toContain('DepthwiseConv2D');
    model.dispose();
  });

  it("NCHW flatten order, PyTorch's Shape→Gather→Unsqueeze→Concat→Reshape chain, ceil-mode max pool, per-channel Sub/Div", async () => {
    const nodes: OnnxNode[] = [
      { opType: 'Sub', inputs: ['x', 'mean'], outputs: ['a'] },
      { opType: 'Div', inputs: ['a', 'std'], outputs: ['b'] },
      { opType: 'Conv', inputs: ['b', 'w'], outputs: ['c'], attributes: [attr.ints('kernel_shape', [3, 3])] },
      { opType: 'MaxPool', inputs: ['c'], outputs: ['m'], attributes: [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2]), attr.int('ceil_mode', 1)] },
      { opType: 'Shape', inputs: ['m'], outputs: ['sh'] },
      { opType: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attributes: [attr.int('axis', 0)] },
      { opType: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['nu'] },
      { opType: 'Concat', inputs: ['nu', 'minus1'], outputs: ['target'], attributes: [attr.int('axis', 0)] },
      { opType: 'Reshape', inputs: ['m', 'target'], outputs: ['f'] },
      { opType: 'MatMul', inputs: ['f', 'wd'], outputs: ['d'] },
      { opType: 'Add', inputs: ['d', 'bd'], outputs: ['y'] },
    ];
    const inits = [
      { name: 'mean', dims: [1, 2, 1, 1], data: Float32Array.of(0.25, -0.5) }, { name: 'std', dims: [2, 1, 1], data: Float32Array.of(2, 0.5) },
      weight('w', [4, 2, 3, 3]), { name: 'zero', dims: [], data: BigInt64Array.of(0n) }, ints('axes', [0]), ints('minus1', [-1]),
      weight('wd', [4 * 4 * 4, 3]), weight('bd', [3]),
    ];
    const bytes = encodeModel({ graph: graph(nodes, inits, [0, 2, 9, 10], ['N', 3]) });
    const model = await loadOnnx(bytes);
    const x = new nn.Tensor(random(3 * 2 * 9 * 10), [3, 2, 9, 10]);
    expectClose(model.predict(x) as nn.Tensor, await ortRun(bytes, x));
    model.dispose();
  });

  it("tf2onnx's NHWC input: the Transposes around a conv fold away, no Permute is made", async () => {
    const nodes: OnnxNode[] = [
      { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attributes: [attr.ints('perm', [0, 3, 1, 2])] },
      { opType: 'Conv', inputs: ['t', 'w', 'b'], outputs: ['c'], attributes: [attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])] },
      { opType: 'Transpose', inputs: ['c'], outputs: ['y'], attributes: [attr.ints('perm', [0, 2, 3, 1])] },
    ];
    const bytes = encodeModel({ graph: graph(nodes, [weight('w', [5, 3, 3, 3]), weight('b', [5])], [0, 8, 7, 3], ['N', 4, 4, 5]) });
    const model = await loadOnnx(bytes);
    expect(model.layers.map((l) => l.className)).toEqual(['Conv2D']);
    const x = new nn.Tensor(random(2 * 8 * 7 * 3), [2, 8, 7, 3]);
    expectClose(model.predict(x) as nn.Tensor, await ortRun(bytes, x));
    model.dispose();
  });

  it("{ layout: 'NHWC' } takes channels-last images and gives the same numbers", async () => {
    const bytes = mobileBlock();
    const nchw = await loadOnnx(bytes);
    const nhwc = await loadOnnx(bytes, { layout: 'NHWC' });
    expect(nhwc.layers.map((l) => l.className)).not.toContain('Permute');
    const x = new nn.Tensor(random(2 * 3 * 10 * 10), [2, 3, 10, 10]);
    const xt = new nn.Tensor(new Float32Array(x.size), [2, 10, 10, 3]);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < 100; i++) xt.data[(n * 100 + i) * 3 + c] = x.data[(n * 3 + c) * 100 + i];
    expect(Array.from((nhwc.predict(xt) as nn.Tensor).data)).toEqual(Array.from((nchw.predict(x) as nn.Tensor).data));
    nchw.dispose();
    nhwc.dispose();
  });
});

describe('loadOnnx as users meet it', () => {
  it('lists every unsupported node in one error, before allocating anything', async () => {
    const nodes: OnnxNode[] = [
      { opType: 'Abs', name: 'abs_1', inputs: ['x'], outputs: ['a'] },
      { opType: 'Relu', inputs: ['a'], outputs: ['r'] },
      { opType: 'Conv', name: 'conv3d', inputs: ['x', 'w'], outputs: ['c'] },
      { opType: 'MaxPool', name: 'pool', inputs: ['r'], outputs: ['y'], attributes: [attr.ints('kernel_shape', [2, 2]), attr.int('storage_order', 1)] },
    ];
    const bytes = encodeModel({ graph: graph(nodes, [weight('w', [2, 3, 3])], [0, 3, 8, 8], ['N', 3, 4, 4]) });
    const before = nn.memory().arenaBytes;
    const error = await loadOnnx(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxUnsupportedError);
    const message = (error as Error).message;
    expect(message).toMatch(/Abs 'abs_1': op not supported/);
    expect(message).toMatch(/Conv 'conv3d': W has rank 3, expected 4/);
    // MaxPool reads Abs's output through Relu: refused nodes' followers are not listed, unless their own op is unknown.
    expect((error as OnnxUnsupportedError).refusals.map((r) => r.op)).toEqual(['Abs', 'Conv']);
    expect(nn.memory().arenaBytes).toBe(before);
  });

  it('refuses an attribute it would otherwise ignore, naming it', async () => {
    const nodes: OnnxNode[] = [{ opType: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'], attributes: [attr.float('slope', 2)] }];
    await expect(loadOnnx(encodeModel({ graph: graph(nodes, [], [0, 4], ['N', 4]) }))).rejects.toThrow(/Relu 'r': attribute 'slope' not supported/);
  });

  it('malformed and truncated files get a clear error, never a hang or a crash', async () => {
    const bytes = mobileBlock();
    for (const cut of [1, 7, 100, Math.floor(bytes.length / 2), bytes.length - 1]) {
      await expect(loadOnnx(bytes.slice(0, cut))).rejects.toThrow(/loadOnnx: (not a readable ONNX model|the model)/);
    }
    await expect(loadOnnx(new Uint8Array([0xff, 0xff, 0xff]))).rejects.toThrow(/loadOnnx: not a readable ONNX model/);
    await expect(loadOnnx(bytes, { maxBytes: 100 })).rejects.toThrow(/more than maxBytes \(100\)/);
    await expect(loadOnnx(bytes, { layuot: 'NHWC' } as never)).rejects.toThrow(/did you mean 'layout'/);
    await expect(loadOnnx('/nonexistent/model.onnx')).rejects.toThrow(/loadOnnx: cannot read \/nonexistent\/model.onnx/);
  });

  it('an imported model summarises, saves in the TF.js format, loads back and fine-tunes', async () => {
    const bytes = mobileBlock();
    const model = await loadOnnx(bytes);
    expect(model.summary()).toMatch(/DepthwiseConv2D/);
    let saved: Parameters<typeof fromMemory>[0] | null = null;
    await model.save(withSaveHandler((a) => { saved = a; }));
    const reloaded = await nn.loadModel(fromMemory(saved!));
    const x = new nn.Tensor(random(4 * 3 * 10 * 10), [4, 3, 10, 10]);
    expect(Array.from((reloaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    // Freeze all but the classifier, fine-tune it: only its weights move.
    for (const layer of model.layers) layer.trainable = layer.name === 'fc';
    // Full-batch gradient descent on a linear head descends when the step is below 2 / curvature;
    // the frozen features of random inputs gave curvatures up to ~100 (lr 0.1 diverged for 2 seeds in 100).
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e-3 }), loss: 'meanSquaredError' });
    const frozen = model.layers.filter((l) => l.name !== 'fc').map((l) => l.getWeights().map((w) => Array.from(w.data)));
    const head = model.layers.find((l) => l.name === 'fc')!.getWeights()[0].data.slice();
    const y = new nn.Tensor(random(4 * 5), [4, 5]);
    const history = await model.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    expect(model.layers.filter((l) => l.name !== 'fc').map((l) => l.getWeights().map((w) => Array.from(w.data)))).toEqual(frozen);
    expect(Array.from(model.layers.find((l) => l.name === 'fc')!.getWeights()[0].data)).not.toEqual(Array.from(head));
    model.dispose();
    reloaded.dispose();
  });

  it('saveOnnx → loadOnnx gives back the model simdnn trained', async () => {
    const model = nn.sequential({ layers: [
      nn.layers.reshape({ inputShape: [108], targetShape: [6, 6, 3] }),
      nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    const imported = await loadOnnx(saveOnnx(model));
    const x = new nn.Tensor(random(5 * 108), [5, 108]);
    expectClose(imported.predict(x) as nn.Tensor, model.predict(x));
    model.dispose();
    imported.dispose();
  });
});
