// bench/onnx-graphs.ts: the TypeScript-made MobileNetV2 and ResNet-18 ONNX graphs (for the import
// bench) decode with simdnn's reader, have torchvision's layer counts, and run in ONNX Runtime Web
// to finite [1, 1000] outputs. Reduced width and resolution here so the run is quick; the layer
// counts do not depend on either (down to MobileNetV2 width 0.5; below, its first block gains a residual).
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { decodeOnnx } from '../src/onnx/index.js';
import { mobileNetV2Onnx, resNet18Onnx } from '../bench/onnx-graphs.js';
import { freshSeed } from './helpers/kernels.js';
import { ortRun } from './helpers/onnx-fixtures.js';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of decodeOnnx(bytes).graph.nodes) counts[node.opType] = (counts[node.opType] ?? 0) + 1;
  return counts;
}

function parameterCount(bytes: Uint8Array): number {
  return decodeOnnx(bytes).graph.initializers.reduce((sum, t) => sum + t.values.length, 0);
}

async function expectFiniteLogits(bytes: Uint8Array, resolution: number): Promise<void> {
  const seed = freshSeed();
  const x = Float32Array.from({ length: 3 * resolution * resolution }, (_, i) => Math.sin(seed + i));
  const [y] = await ortRun(bytes, [{ name: 'input', shape: [1, 3, resolution, resolution], data: x }]);
  expect(y.shape).toEqual([1, 1000]);
  expect(y.data.every(Number.isFinite)).toBe(true);
  // Not all equal: the weights reached the output.
  expect(Math.max(...y.data) - Math.min(...y.data)).toBeGreaterThan(0);
}

describe('bench ONNX graphs', () => {
  it('MobileNetV2 (width 0.5, 64x64): torchvision layout as TorchScript writes it, runs in ORT', async () => {
    const seed = freshSeed();
    const bytes = mobileNetV2Onnx({ width: 0.5, resolution: 64, seed });
    const model = decodeOnnx(bytes);
    expect(model.opsets.get('')).toBe(13);
    expect(model.graph.inputs[0].shape).toEqual(['N', 3, 64, 64]);
    expect(opCounts(bytes)).toEqual({ Conv: 52, Constant: 70, Clip: 35, Add: 10, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
    await expectFiniteLogits(bytes, 64);
  });

  it('ResNet-18 (base width 8, 64x64): torchvision layout as TorchScript writes it, runs in ORT', async () => {
    const seed = freshSeed();
    const bytes = resNet18Onnx({ width: 8, resolution: 64, seed });
    expect(opCounts(bytes)).toEqual({ Conv: 20, Relu: 17, MaxPool: 1, Add: 8, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
    await expectFiniteLogits(bytes, 64);
  });

  it('full size: the parameter counts of torchvision models with BatchNorm folded into the Conv biases', () => {
    // torchvision: MobileNetV2 3,504,872 and ResNet-18 11,689,512 parameters, of which BatchNorm's γ and β
    // are 2 per channel (17,056 and 4,800 channels); folding leaves one bias per channel.
    expect(parameterCount(mobileNetV2Onnx())).toBe(3_504_872 - 17_056);
    expect(parameterCount(resNet18Onnx())).toBe(11_689_512 - 4_800);
  });
});
