// simdnn/onnx's writer: protobuf wire encoding checked byte by byte, and models written by
// saveOnnx load in ONNX Runtime Web (wasm) and predict what simdnn predicts within 1e-5.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import * as nn from '../src/core.js';
import { ProtoWriter } from '../src/onnx/protobuf-writer.js';
import { attr, encodeModel } from '../src/onnx/encode.js';
import { saveOnnx } from '../src/onnx/index.js';
import { mnistCnn } from '../bench/models.js';

beforeAll(async () => {
  await nn.ready();
  ort.env.wasm.numThreads = 1;
});

const bytes = (w: ProtoWriter) => [...w.finish()];

describe('protobuf writer', () => {
  it('writes varints, negative int64, floats, strings and packed fields as the wire format says', () => {
    expect(bytes(new ProtoWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().varint(2, 0))).toEqual([0x10, 0x00]);
    expect(bytes(new ProtoWriter().varint(1, 2 ** 40))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    // int64 -1: ten bytes of two's complement.
    expect(bytes(new ProtoWriter().varint(3, -1))).toEqual([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytes(new ProtoWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoWriter().string(2, 'testing'))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytes(new ProtoWriter().packedVarints(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
    expect(bytes(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    // Field numbers above 15 take a two-byte key.
    expect(bytes(new ProtoWriter().varint(20, 7))).toEqual([0xa0, 0x01, 0x07]);
  });

  it('grows its buffer past the initial size without losing bytes', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const out = new ProtoWriter().bytes(9, data).finish();
    expect([...out.subarray(0, 3)]).toEqual([0x4a, 0xe8, 0x07]);
    expect(out.subarray(3)).toEqual(data);
  });

  it('rejects non-integer varints and bad field numbers', () => {
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(/safe integer/);
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(/field number/);
  });
});

/** simdnn model → ONNX (saveOnnx) → ORT session. */
async function ortSession(model: nn.LayersModel): Promise<ort.InferenceSession> {
  const onnx = saveOnnx(model);
  return ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
}

async function ortPredict(session: ort.InferenceSession, x: nn.Tensor): Promise<Float32Array> {
  const out = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
  return out.output.data as Float32Array;
}

function inputs(count: number, perSample: number, seed: number): nn.Tensor {
  const data = new Float32Array(count * perSample);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return new nn.Tensor(data, [count, perSample]);
}

/** Largest |a - b| / max(1, |b|). */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

async function expectSamePredictions(model: nn.LayersModel, perSample: number, count = 7): Promise<void> {
  const session = await ortSession(model);
  try {
    for (const n of [1, count]) {
      const x = inputs(n, perSample, 11 + n);
      const expected = model.predict(x, { batchSize: n }) as nn.Tensor;
      const got = await ortPredict(session, x);
      expect(maxDiff(got, expected.data)).toBeLessThan(1e-5);
    }
  } finally {
    await session.release();
  }
}

describe('saveOnnx in ONNX Runtime Web', () => {
  it('the MNIST MLP (Gemm, Relu, Softmax) predicts as simdnn', async () => {
    nn.setSeed(3);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    await expectSamePredictions(model, 784);
    model.dispose();
  });

  it('the example CNN (Reshape, Conv, MaxPool, Flatten with permuted Dense rows) predicts as simdnn', async () => {
    nn.setSeed(4);
    const model = mnistCnn();
    await expectSamePredictions(model, 784);
    model.dispose();
  });

  it('several channels in, strides, rectangular kernels, same pooling and an image output', async () => {
    nn.setSeed(5);
    // [9, 7, 3] input: the NHWC → NCHW Transpose path; ends on an image, transposed back to NHWC.
    const model = nn.sequential({ layers: [
      nn.layers.reshape({ inputShape: [189], targetShape: [9, 7, 3] }),
      nn.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'tanh' }),
      nn.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      nn.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid', useBias: false }),
    ] });
    await expectSamePredictions(model, 189);
    model.dispose();
  });

  it('Dense on rank-2 samples (MatMul + Add), a Flatten not followed by Dense, sigmoid', async () => {
    nn.setSeed(6);
    const model = nn.sequential({ layers: [
      nn.layers.reshape({ inputShape: [48], targetShape: [6, 8] }),
      nn.layers.dense({ units: 5, activation: 'sigmoid' }),
      nn.layers.reshape({ targetShape: [3, 2, 5] }),
      nn.layers.conv2d({ filters: 2, kernelSize: 1 }),
      nn.layers.flatten(),
      nn.layers.activation({ activation: 'softmax' }),
    ] });
    await expectSamePredictions(model, 48);
    model.dispose();
  });

  it('names what it cannot express', () => {
    nn.setSeed(7);
    const model = nn.sequential({ layers: [
      nn.layers.dense({ inputShape: [4], units: 3 }),
      nn.layers.batchNormalization(),
    ] });
    expect(() => saveOnnx(model)).toThrow(/BatchNormalization 'batch_normalization[^']*' is not supported/);
    model.dispose();
    const a = nn.input({ shape: [3] }), b = nn.input({ shape: [3] });
    const twoInputs = nn.model({ inputs: [a, b], outputs: nn.layers.add().apply([a, b]) });
    expect(() => saveOnnx(twoInputs)).toThrow('layersToOnnx: only Sequential models are supported, got Model');
    twoInputs.dispose();
  });

  it('a hand-built graph with a float attribute and fixed dims loads', async () => {
    // y = LeakyRelu(x, alpha=0.5) on [2, 3]: exercises a float attribute and a fixed-shape input.
    const model = encodeModel({
      graph: {
        name: 'leaky', nodes: [{ opType: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attributes: [attr.float('alpha', 0.5)] }],
        initializers: [], inputs: [{ name: 'x', shape: [2, 3] }], outputs: [{ name: 'y', shape: [2, 3] }],
      },
    });
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-2, -1, 0, 1, 2, 3]), [2, 3]) });
    expect([...(out.y.data as Float32Array)]).toEqual([-1, -0.5, 0, 1, 2, 3]);
    await session.release();
  });

  it('tensor attributes: Constant nodes with a [3] vector and a scalar (dims []) load and compute', async () => {
    // y = (x + [10, 20, 30]) · 2 on [2, 3], the two operands from Constant nodes, as TorchScript writes Clip's bounds.
    const model = encodeModel({
      graph: {
        name: 'constants',
        nodes: [
          { opType: 'Constant', inputs: [], outputs: ['shift'], attributes: [attr.tensor('value', { name: 'shift', dims: [3], data: Float32Array.of(10, 20, 30) })] },
          { opType: 'Constant', inputs: [], outputs: ['two'], attributes: [attr.tensor('value', { name: '', dims: [], data: Float32Array.of(2) })] },
          { opType: 'Add', inputs: ['x', 'shift'], outputs: ['shifted'] },
          { opType: 'Mul', inputs: ['shifted', 'two'], outputs: ['y'] },
        ],
        initializers: [], inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: ['N', 3] }],
      },
    });
    const session = await ort.InferenceSession.create(model);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect([...(out.y.data as Float32Array)]).toEqual([22, 44, 66, 28, 50, 72]);
    await session.release();
  });
});
