// Full-size MobileNetV2 (width 1.0) and ResNet-18 as ONNX bytes with seeded random weights, for the
// import bench, written the way torch.onnx.export (TorchScript, opset 13, eval mode) writes
// torchvision's models: BatchNorm folded into the Conv weights and a Conv bias, explicit pads,
// ReLU6 as Clip with two Constant inputs (0, 6), residual Add, GlobalAveragePool, Flatten, Gemm
// (transB=1), batch dimension symbolic ('N'). No Python: `loadBenchModel` prefers the file
// `scripts/fixtures/onnx/make_onnx_fixtures.py --full` wrote to bench/models/, when present.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attr, encodeModel, type OnnxNode, type OnnxTensor } from '../src/onnx/encode.js';

export type BenchModelName = 'mobilenetv2' | 'resnet18';

export interface BenchGraphOptions {
  /** MobileNetV2's width multiplier (default 1) or ResNet-18's base width (default 64). */
  width?: number;
  /** Input height and width (default 224). */
  resolution?: number;
  /** Output classes (default 1000). */
  classes?: number;
  /** Weight seed (default 1). */
  seed?: number;
}

/** The Python-made model from bench/models/<name>.onnx when present, else this file's bytes (full size). */
export function loadBenchModel(name: BenchModelName): Uint8Array {
  const file = benchModelFile(name);
  if (file) return new Uint8Array(readFileSync(file));
  return name === 'mobilenetv2' ? mobileNetV2Onnx() : resNet18Onnx();
}

/** The path of the Python-made file loadBenchModel would read, or null when it would generate the bytes. */
export function benchModelFile(name: BenchModelName): string | null {
  const path = fileURLToPath(new URL(`./models/${name}.onnx`, import.meta.url));
  return existsSync(path) ? path : null;
}

/** mulberry32: the seeded uniform generator for the weights. */
function uniform(seed: number): (bound: number) => number {
  let s = seed >>> 0;
  return (bound) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1) * bound;
  };
}

/** Accumulates nodes and initializers with torch-style names. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private counter = 0;
  constructor(private readonly random: (bound: number) => number) {}

  /**
   * Conv + eval-mode BatchNorm folded as torch's exporter folds it: W·γ/√(var+ε) and a bias
   * β − mean·γ/√(var+ε), from PyTorch's default Conv init (uniform ±1/√fan_in) and random statistics.
   */
  convBn(scope: string, x: string, cIn: number, cOut: number, kernel: number, stride: number, groups = 1): string {
    const fanIn = (cIn / groups) * kernel * kernel;
    const weight = new Float32Array(cOut * fanIn);
    const bias = new Float32Array(cOut);
    for (let o = 0; o < cOut; o++) {
      const gamma = 1 + 0.5 * this.random(1), variance = 1.25 + 0.75 * this.random(1);
      const mean = 0.5 * this.random(1), beta = 0.5 * this.random(1);
      const scale = gamma / Math.sqrt(variance + 1e-5);
      for (let i = 0; i < fanIn; i++) weight[o * fanIn + i] = this.random(1 / Math.sqrt(fanIn)) * scale;
      bias[o] = beta - mean * scale;
    }
    const w = this.initializer([cOut, cIn / groups, kernel, kernel], weight);
    const b = this.initializer([cOut], bias);
    const pad = (kernel - 1) >> 1;
    return this.node(`${scope}/Conv`, 'Conv', [x, w, b], [
      attr.ints('dilations', [1, 1]), attr.int('group', groups), attr.ints('kernel_shape', [kernel, kernel]),
      attr.ints('pads', [pad, pad, pad, pad]), attr.ints('strides', [stride, stride]),
    ]);
  }

  /** ReLU6 as TorchScript writes it: Clip with its bounds from two Constant nodes. */
  relu6(scope: string, x: string): string {
    const lo = this.node(`${scope}/Constant`, 'Constant', [], [attr.tensor('value', { name: '', dims: [], data: Float32Array.of(0) })]);
    const hi = this.node(`${scope}/Constant_1`, 'Constant', [], [attr.tensor('value', { name: '', dims: [], data: Float32Array.of(6) })]);
    return this.node(`${scope}/Clip`, 'Clip', [x, lo, hi]);
  }

  /** GlobalAveragePool → Flatten → Gemm(transB=1) with PyTorch's default Linear init. */
  classifier(scope: string, x: string, features: number, classes: number): string {
    const pooled = this.node('/GlobalAveragePool', 'GlobalAveragePool', [x]);
    const flat = this.node('/Flatten', 'Flatten', [pooled], [attr.int('axis', 1)]);
    const bound = 1 / Math.sqrt(features);
    const w = this.initializer([classes, features], Float32Array.from({ length: classes * features }, () => this.random(bound)), `${scope}.weight`);
    const b = this.initializer([classes], Float32Array.from({ length: classes }, () => this.random(bound)), `${scope}.bias`);
    this.nodes.push({ opType: 'Gemm', name: `/${scope}/Gemm`, inputs: [flat, w, b], outputs: ['output'],
      attributes: [attr.float('alpha', 1), attr.float('beta', 1), attr.int('transB', 1)] });
    return 'output';
  }

  node(name: string, opType: string, inputs: string[], attributes: OnnxNode['attributes'] = []): string {
    const output = `${name}_output_0`;
    this.nodes.push({ opType, name, inputs, outputs: [output], attributes });
    return output;
  }

  private initializer(dims: number[], data: Float32Array, name = `onnx::Conv_${this.counter++}`): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  encode(graphName: string, resolution: number, classes: number): Uint8Array {
    return encodeModel({
      graph: {
        name: graphName, nodes: this.nodes, initializers: this.initializers,
        inputs: [{ name: 'input', shape: ['N', 3, resolution, resolution] }],
        outputs: [{ name: 'output', shape: ['N', classes] }],
      },
      opset: 13, irVersion: 7, producerName: 'pytorch', producerVersion: 'simdnn bench/onnx-graphs.ts',
    });
  }
}

/** torchvision's channel rounding: the nearest multiple of 8, never more than 10% below. */
function makeDivisible(v: number, divisor = 8): number {
  const out = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return out < 0.9 * v ? out + divisor : out;
}

/** torchvision's MobileNetV2 settings: expansion t, channels c, repeats n, first stride s. */
const MOBILENET_V2: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/** MobileNetV2 (torchvision's layout): 52 Conv, 35 Clip, 10 Add, GlobalAveragePool, Flatten, Gemm. */
export function mobileNetV2Onnx(options: BenchGraphOptions = {}): Uint8Array {
  const { width = 1, resolution = 224, classes = 1000, seed = 1 } = options;
  const g = new GraphBuilder(uniform(seed));
  let c = makeDivisible(32 * width);
  let x = g.relu6('/features/features.0', g.convBn('/features/features.0', 'input', 3, c, 3, 2));
  let index = 1;
  for (const [t, channels, n, s] of MOBILENET_V2) {
    const out = makeDivisible(channels * width);
    for (let i = 0; i < n; i++, index++) {
      const scope = `/features/features.${index}/conv`, stride = i === 0 ? s : 1, hidden = c * t;
      let y = x, layer = 0;
      if (t !== 1) y = g.relu6(`${scope}/conv.${layer}`, g.convBn(`${scope}/conv.${layer++}`, y, c, hidden, 1, 1));
      y = g.relu6(`${scope}/conv.${layer}`, g.convBn(`${scope}/conv.${layer++}`, y, hidden, hidden, 3, stride, hidden));
      y = g.convBn(`${scope}/conv.${layer}`, y, hidden, out, 1, 1);
      x = stride === 1 && c === out ? g.node(`/features/features.${index}/Add`, 'Add', [x, y]) : y;
      c = out;
    }
  }
  const last = makeDivisible(1280 * Math.max(1, width));
  x = g.relu6(`/features/features.${index}`, g.convBn(`/features/features.${index}`, x, c, last, 1, 1));
  g.classifier('classifier.1', x, last, classes);
  return g.encode('main_graph', resolution, classes);
}

/** ResNet-18 (torchvision's layout): 20 Conv, 17 Relu, MaxPool, 8 Add, GlobalAveragePool, Flatten, Gemm. */
export function resNet18Onnx(options: BenchGraphOptions = {}): Uint8Array {
  const { width = 64, resolution = 224, classes = 1000, seed = 2 } = options;
  const g = new GraphBuilder(uniform(seed));
  let x = g.node('/relu/Relu', 'Relu', [g.convBn('/conv1', 'input', 3, width, 7, 2)]);
  x = g.node('/maxpool/MaxPool', 'MaxPool', [x], [
    attr.int('ceil_mode', 0), attr.ints('dilations', [1, 1]), attr.ints('kernel_shape', [3, 3]),
    attr.ints('pads', [1, 1, 1, 1]), attr.ints('strides', [2, 2]),
  ]);
  let c = width;
  for (let stage = 0; stage < 4; stage++) {
    const out = width << stage;
    for (let block = 0; block < 2; block++) {
      const scope = `/layer${stage + 1}/layer${stage + 1}.${block}`;
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let y = g.node(`${scope}/relu/Relu`, 'Relu', [g.convBn(`${scope}/conv1`, x, c, out, 3, stride)]);
      y = g.convBn(`${scope}/conv2`, y, out, out, 3, 1);
      const shortcut = stride !== 1 || c !== out ? g.convBn(`${scope}/downsample/downsample.0`, x, c, out, 1, stride) : x;
      x = g.node(`${scope}/relu_1/Relu`, 'Relu', [g.node(`${scope}/Add`, 'Add', [y, shortcut])]);
      c = out;
    }
  }
  g.classifier('fc', x, c, classes);
  return g.encode('main_graph', resolution, classes);
}
