// A Sequential model in the TensorFlow.js Layers format (what simdnn's `model.save` writes:
// Keras JSON topology + float32 weights) as an ONNX inference graph, opset 13.
//
// Layers: InputLayer, Dense (Gemm, or MatMul + Add on rank > 1 samples), Conv2D (Conv),
// MaxPooling2D (MaxPool), Flatten, Reshape, Activation, Dropout (identity at inference);
// activations linear, relu, sigmoid, tanh, softmax.
//
// Layout: Keras is channels-last (NHWC), ONNX Conv/MaxPool are NCHW. Convolution kernels are
// converted to OIHW once; the input becomes NCHW once, at the Reshape that makes it an image
// (for one channel NHWC and NCHW hold the same bytes, so that is just the Reshape, no Transpose).
// Flatten of an NCHW tensor orders values (c, h, w) where Keras orders (h, w, c): when a Dense
// follows, its kernel rows are permuted to match instead of transposing the activations.
import { attr, encodeModel, type OnnxNode, type OnnxTensor } from './encode.js';

/** What `nn.io.modelToArtifacts(model)` and `tf.io.fromMemory` carry. */
export interface LayersArtifacts {
  modelTopology: unknown;
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  weightData: ArrayBuffer | ArrayBuffer[];
}

export interface ToOnnxOptions {
  /** Graph input name; default 'input'. */
  inputName?: string;
  /** Graph output name; default 'output'. */
  outputName?: string;
  /** Default-domain opset, ≥ 13 (Softmax on the last axis only); default 13. */
  opset?: number;
  /** Symbolic batch dimension name; default 'N'. */
  batchName?: string;
}

type Config = Record<string, unknown>;

/** The value flowing between layers: its ONNX name, Keras per-sample shape, and how it is laid out. */
interface Flow {
  name: string;
  /** Per-sample shape in Keras (channels-last) order. */
  shape: number[];
  /** True when a rank-3 sample [H, W, C] is held as ONNX [N, C, H, W]. */
  nchw: boolean;
  /** For a flattened NCHW tensor: keras[i] = onnx value at position order[i]. */
  order: Int32Array | null;
}

/** Encodes the model as ONNX bytes. Throws naming any layer or option it cannot express. */
export function layersToOnnx(artifacts: LayersArtifacts, options: ToOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (opset < 13) throw new RangeError('layersToOnnx: opset must be 13 or newer');
  const batch = options.batchName ?? 'N';
  const topology = unwrapTopology(artifacts.modelTopology);
  const weights = decodeWeights(artifacts);
  const layers = topology.layers;
  if (layers.length === 0) throw new Error('layersToOnnx: the model has no layers');

  const first = layers[0].config;
  const batchInput = (first.batch_input_shape ?? first.batchInputShape) as (number | null)[] | undefined;
  if (!batchInput) throw new Error(`layersToOnnx: the first layer '${String(first.name)}' has no batch_input_shape`);
  const inputShape = batchInput.slice(1).map((d) => {
    if (typeof d !== 'number') throw new Error('layersToOnnx: the input shape must be fixed apart from the batch');
    return d;
  });

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  const constant = (base: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    const name = fresh(base);
    initializers.push({ name, dims, data });
    return name;
  };
  const emit = (opType: string, inputs: string[], attributes: OnnxNode['attributes'] = [], base = opType.toLowerCase()): string => {
    const output = fresh(base);
    nodes.push({ opType, inputs, outputs: [output], name: output, attributes });
    return output;
  };
  const shapeConstant = (dims: number[]) => constant('shape', [dims.length], BigInt64Array.from(dims, (d) => BigInt(d)));

  let flow: Flow = { name: options.inputName ?? 'input', shape: inputShape, nchw: false, order: null };

  const activation = (name: unknown, layer: string): void => {
    switch (name ?? 'linear') {
      case 'linear': return;
      case 'relu': flow = { ...flow, name: emit('Relu', [flow.name]) }; return;
      case 'sigmoid': flow = { ...flow, name: emit('Sigmoid', [flow.name]) }; return;
      case 'tanh': flow = { ...flow, name: emit('Tanh', [flow.name]) }; return;
      case 'softmax':
        if (flow.nchw) throw new Error(`layersToOnnx: softmax over channels of an image (${layer}) is not supported`);
        flow = { ...flow, name: emit('Softmax', [flow.name], [attr.int('axis', -1)]) };
        return;
      default: throw new Error(`layersToOnnx: activation '${String(name)}' of ${layer} is not supported`);
    }
  };

  for (let index = 0; index < layers.length; index++) {
    const { className, config } = layers[index];
    const layerName = String(config.name);
    const where = `${className} '${layerName}'`;
    switch (className) {
      case 'InputLayer':
      case 'Dropout':
        break;
      case 'Activation':
        activation(config.activation, where);
        break;
      case 'Reshape': {
        const target = (config.target_shape ?? config.targetShape) as number[];
        const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
        if (flow.nchw) flow = toChannelsLast(flow);
        if (flow.order) throw new Error(`layersToOnnx: ${where} after a Flatten of an image is not supported`);
        if (target.includes(-1) || size(target) !== size(flow.shape)) throw new Error(`layersToOnnx: ${where} target [${target}] must be fully specified and match [${flow.shape}]`);
        if (target.length === 3) {
          const [h, w, c] = target;
          if (c === 1) {
            flow = { name: emit('Reshape', [flow.name, shapeConstant([-1, 1, h, w])]), shape: target, nchw: true, order: null };
          } else {
            const nhwc = emit('Reshape', [flow.name, shapeConstant([-1, h, w, c])]);
            flow = { name: emit('Transpose', [nhwc], [attr.ints('perm', [0, 3, 1, 2])]), shape: target, nchw: true, order: null };
          }
        } else {
          flow = { name: emit('Reshape', [flow.name, shapeConstant([-1, ...target])]), shape: target, nchw: false, order: null };
        }
        break;
      }
      case 'Flatten': {
        const size = flow.shape.reduce((a, b) => a * b, 1);
        if (flow.nchw) {
          const next = layers.slice(index + 1).find((l) => l.className !== 'Dropout');
          if (next?.className === 'Dense') {
            // ONNX flattens (c, h, w); Keras (h, w, c): remember the permutation for the Dense kernel.
            const [h, w, c] = flow.shape;
            const order = new Int32Array(size);
            for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) order[(y * w + x) * c + ch] = (ch * h + y) * w + x;
            flow = { name: emit('Flatten', [flow.name], [attr.int('axis', 1)]), shape: [size], nchw: false, order };
            break;
          }
          flow = toChannelsLast(flow);
        }
        flow = { name: emit('Flatten', [flow.name], [attr.int('axis', 1)]), shape: [size], nchw: false, order: null };
        break;
      }
      case 'Dense': {
        if (flow.nchw) flow = toChannelsLast(flow);
        const units = config.units as number;
        const inUnits = flow.shape[flow.shape.length - 1];
        let kernel = weights.take(`${layerName}/kernel`, [inUnits, units]);
        if (flow.order) {
          // Row r of the ONNX kernel multiplies ONNX input position r = order[keras row].
          const permuted = new Float32Array(kernel.length);
          for (let i = 0; i < inUnits; i++) permuted.set(kernel.subarray(i * units, (i + 1) * units), flow.order[i] * units);
          kernel = permuted;
        }
        const kernelName = constant(`${layerName}_kernel`, [inUnits, units], kernel);
        const useBias = (config.use_bias ?? config.useBias ?? true) as boolean;
        const bias = useBias ? weights.take(`${layerName}/bias`, [units]) : null;
        let out: string;
        if (flow.shape.length === 1) {
          const inputs = [flow.name, kernelName];
          if (bias) inputs.push(constant(`${layerName}_bias`, [units], bias));
          out = emit('Gemm', inputs, [], 'dense');
        } else {
          out = emit('MatMul', [flow.name, kernelName], [], 'dense');
          if (bias) out = emit('Add', [out, constant(`${layerName}_bias`, [units], bias)]);
        }
        flow = { name: out, shape: [...flow.shape.slice(0, -1), units], nchw: false, order: null };
        activation(config.activation, where);
        break;
      }
      case 'Conv2D': {
        requireImage(flow, where);
        checkChannelsLast(config, where);
        const filters = config.filters as number;
        const [kh, kw] = pair(config.kernel_size ?? config.kernelSize, where, 'kernel_size');
        const strides = pair(config.strides ?? 1, where, 'strides');
        const dilation = pair(config.dilation_rate ?? config.dilationRate ?? 1, where, 'dilation_rate');
        const [h, w, cin] = flow.shape;
        // Keras kernel [kh, kw, cin, cout] → ONNX OIHW [cout, cin, kh, kw].
        const hwio = weights.take(`${layerName}/kernel`, [kh, kw, cin, filters]);
        const oihw = new Float32Array(hwio.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < filters; o++) {
          oihw[((o * cin + i) * kh + y) * kw + x] = hwio[((y * kw + x) * cin + i) * filters + o];
        }
        const inputs = [flow.name, constant(`${layerName}_kernel`, [filters, cin, kh, kw], oihw)];
        const useBias = (config.use_bias ?? config.useBias ?? true) as boolean;
        if (useBias) inputs.push(constant(`${layerName}_bias`, [filters], weights.take(`${layerName}/bias`, [filters])));
        const padding = String(config.padding ?? 'valid');
        const ph = pads(h, kh, strides[0], dilation[0], padding, where);
        const pw = pads(w, kw, strides[1], dilation[1], padding, where);
        const out = emit('Conv', inputs, [
          attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', strides), attr.ints('dilations', dilation),
          attr.ints('pads', [ph.begin, pw.begin, ph.end, pw.end]),
        ], 'conv');
        flow = { name: out, shape: [ph.out, pw.out, filters], nchw: true, order: null };
        activation(config.activation, where);
        break;
      }
      case 'MaxPooling2D': {
        requireImage(flow, where);
        checkChannelsLast(config, where);
        const size = pair(config.pool_size ?? config.poolSize ?? 2, where, 'pool_size');
        const strides = pair(config.strides ?? size, where, 'strides');
        const padding = String(config.padding ?? 'valid');
        const [h, w, c] = flow.shape;
        const ph = pads(h, size[0], strides[0], 1, padding, where);
        const pw = pads(w, size[1], strides[1], 1, padding, where);
        const out = emit('MaxPool', [flow.name], [
          attr.ints('kernel_shape', size), attr.ints('strides', strides), attr.ints('pads', [ph.begin, pw.begin, ph.end, pw.end]),
        ], 'maxpool');
        flow = { name: out, shape: [ph.out, pw.out, c], nchw: true, order: null };
        break;
      }
      default:
        throw new Error(`layersToOnnx: layer ${where} is not supported`);
    }
  }
  if (flow.nchw) flow = toChannelsLast(flow);
  if (flow.order) throw new Error('layersToOnnx: a model that ends in a Flatten of an image is not supported');
  weights.checkAllUsed();

  // Name the last value as the graph output (an Identity when the model has no nodes at all).
  const outputName = options.outputName ?? 'output';
  const last = nodes[nodes.length - 1];
  if (last && last.outputs[0] === flow.name) last.outputs[0] = outputName;
  else nodes.push({ opType: 'Identity', inputs: [flow.name], outputs: [outputName], name: 'output_identity' });

  return encodeModel({
    opset,
    producerName: 'simdnn',
    producerVersion: '0.1',
    graph: {
      name: topology.name,
      nodes,
      initializers,
      inputs: [{ name: options.inputName ?? 'input', shape: [batch, ...inputShape] }],
      outputs: [{ name: outputName, shape: [batch, ...flow.shape] }],
    },
  });

  /** NCHW image back to NHWC (Keras order) for layers that need it. */
  function toChannelsLast(f: Flow): Flow {
    return { name: emit('Transpose', [f.name], [attr.ints('perm', [0, 2, 3, 1])]), shape: f.shape, nchw: false, order: null };
  }
}

function unwrapTopology(topology: unknown): { name: string; layers: { className: string; config: Config }[] } {
  let t = topology as Config;
  if (t && typeof t === 'object' && 'model_config' in t) t = t.model_config as Config;
  if (!t || typeof t !== 'object' || t.class_name !== 'Sequential') {
    throw new Error(`layersToOnnx: only Sequential models are supported, got ${String((t as Config | undefined)?.class_name)}`);
  }
  const config = t.config as Config | Config[];
  const list = (Array.isArray(config) ? config : config.layers) as Config[];
  const name = Array.isArray(config) ? 'sequential' : String(config.name ?? 'sequential');
  return { name, layers: list.map((l) => ({ className: String(l.class_name), config: l.config as Config })) };
}

/** Float32 weights by manifest name; each must be taken exactly once, with the expected shape. */
function decodeWeights(artifacts: LayersArtifacts) {
  const data = Array.isArray(artifacts.weightData) ? concat(artifacts.weightData) : new Uint8Array(artifacts.weightData);
  const byName = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    if (spec.dtype !== 'float32') throw new Error(`layersToOnnx: weight ${spec.name} is ${spec.dtype}; only float32 is supported`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = data.slice(offset, offset + count * 4);
    if (bytes.length !== count * 4) throw new Error(`layersToOnnx: weight data ends inside ${spec.name}`);
    byName.set(spec.name, { shape: spec.shape, values: new Float32Array(bytes.buffer) });
    offset += count * 4;
  }
  const used = new Set<string>();
  return {
    take(name: string, shape: number[]): Float32Array {
      const w = byName.get(name);
      if (!w) throw new Error(`layersToOnnx: weight ${name} is missing`);
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`layersToOnnx: weight ${name} has shape [${w.shape}], expected [${shape}]`);
      }
      used.add(name);
      return w.values;
    },
    checkAllUsed(): void {
      const unused = [...byName.keys()].filter((n) => !used.has(n));
      if (unused.length > 0) throw new Error(`layersToOnnx: weights not used by any layer: ${unused.join(', ')}`);
    },
  };
}

function concat(parts: ArrayBuffer[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(new Uint8Array(p), at); at += p.byteLength; }
  return out;
}

function requireImage(flow: Flow, where: string): void {
  if (!flow.nchw || flow.shape.length !== 3) throw new Error(`layersToOnnx: ${where} needs an image input [H, W, C], got [${flow.shape}]`);
}

function checkChannelsLast(config: Config, where: string): void {
  const format = config.data_format ?? config.dataFormat ?? 'channels_last';
  if (format !== 'channels_last') throw new Error(`layersToOnnx: ${where} data_format '${String(format)}' is not supported`);
}

function pair(value: unknown, where: string, what: string): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`layersToOnnx: ${where} ${what} must be one or two positive integers, got ${JSON.stringify(value)}`);
  }
  return [v[0], v[1]];
}

/** TensorFlow's padding rule: 'same' splits the total, the extra row/column at the end. */
function pads(size: number, kernel: number, stride: number, dilation: number, padding: string, where: string) {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { begin: 0, end: 0, out: Math.floor((size - span) / stride) + 1 };
  if (padding !== 'same') throw new Error(`layersToOnnx: ${where} padding '${padding}' is not supported`);
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin, out };
}
