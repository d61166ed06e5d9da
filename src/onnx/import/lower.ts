/**
 * ONNX graph → a list of simdnn layer applications, in pure JS: no wasm memory is touched, so a
 * model with anything simdnn cannot run is refused, with every such node listed, before any
 * allocation. Nodes are visited in file order (ONNX requires topological order); constants are
 * folded as they appear; each op's converter (ops-*.ts) records layers through this context.
 */
import type { OnnxGraphProto, OnnxModelProto, OnnxNodeProto, OnnxTensorProto } from '../decode.js';
import { dataTypeName, OnnxDataType } from '../decode.js';
import type { Layer } from '../../layers/layer.js';
import { Activation } from '../../layers/activation.js';
import { Permute } from '../../layers/permute.js';
import { Reshape } from '../../layers/reshape.js';
import { NodeAttributes } from './attributes.js';
import {
  Unsupported, channelsLastPerm, identity, samePerm, storedShape, trivialPermutation,
  type ConstValue, type TensorValue, type Value,
} from './values.js';

/** One layer to make and apply to earlier values; weights in the layer's getWeights order. */
export interface LayerSpec {
  /** Made during lowering (a layer holds no wasm memory until it is built). */
  readonly layer: Layer;
  readonly inputs: readonly number[];
  readonly weights: readonly { shape: number[]; data: Float32Array }[] | null;
  /** The stored shape the output must have: a check of the lowering's own bookkeeping. */
  readonly outputShape: readonly number[];
}

/** A graph input: its name, the shape the model takes per sample, and its value id. */
export interface InputSpec {
  readonly name: string;
  readonly shape: number[];
}

export interface Lowered {
  readonly inputs: InputSpec[];
  /** specs[i] produces value id inputs.length + i. */
  readonly specs: LayerSpec[];
  /** Value ids of the graph outputs, in order. */
  readonly outputs: number[];
  readonly outputNames: string[];
}

/** Layout at the model boundary for rank-4 (image) inputs and outputs. */
export type BoundaryLayout = 'NCHW' | 'NHWC';

/** An op converter: reads the node's inputs and attributes, records layers, sets its outputs. */
export type Converter = (ctx: Lowering, node: OnnxNodeProto, attrs: NodeAttributes) => void;

/** One refused node, for the error that lists them all. */
export interface Refusal {
  readonly op: string;
  readonly node: string;
  readonly reason: string;
}

export class OnnxUnsupportedError extends Error {
  constructor(readonly refusals: readonly Refusal[]) {
    const ops = [...new Set(refusals.map((r) => r.op))];
    super(`loadOnnx: the model uses ${refusals.length === 1 ? 'a node' : `${refusals.length} nodes`} simdnn cannot import ` +
      `(op${ops.length > 1 ? 's' : ''} ${ops.join(', ')}):\n${refusals.map((r) => `  ${r.op} '${r.node}': ${r.reason}`).join('\n')}`);
    this.name = 'OnnxUnsupportedError';
  }
}

export class Lowering {
  readonly opset: number;
  private readonly values = new Map<string, Value>();
  private readonly poisoned = new Set<string>();
  private readonly consumers = new Map<string, OnnxNodeProto[]>();
  private readonly graphOutputs: Set<string>;
  private readonly skipped = new Set<OnnxNodeProto>();
  private readonly names = new Set<string>();
  readonly inputs: InputSpec[] = [];
  readonly specs: LayerSpec[] = [];
  private nextId = 0;

  constructor(readonly model: OnnxModelProto, readonly layout: BoundaryLayout) {
    this.opset = model.opsets.get('') ?? 0;
    this.graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
    for (const node of model.graph.nodes) {
      for (const name of node.inputs) if (name !== '') this.consumers.set(name, [...(this.consumers.get(name) ?? []), node]);
    }
  }

  // ---- values ----

  set(name: string, value: Value): void {
    if (name !== '') this.values.set(name, value);
  }

  /** The value named by input `index` of `node`, or undefined for an absent optional input. */
  optional(node: OnnxNodeProto, index: number): Value | undefined {
    const name = node.inputs[index];
    if (name === undefined || name === '') return undefined;
    const v = this.values.get(name);
    if (!v) throw new Unsupported(`input '${name}' is not produced by any node, initializer or graph input`);
    return v;
  }

  tensor(node: OnnxNodeProto, index: number): TensorValue {
    const v = this.optional(node, index);
    if (!v) throw new Unsupported(`input ${index} is missing`);
    if (v.kind !== 'tensor') throw new Unsupported(`input ${index} ('${node.inputs[index]}') is a constant where simdnn needs a computed tensor`);
    return v;
  }

  constant(node: OnnxNodeProto, index: number, what = `input ${index}`): ConstValue {
    const v = this.optional(node, index);
    if (!v) throw new Unsupported(`${what} is missing`);
    if (v.kind !== 'const') throw new Unsupported(`${what} ('${node.inputs[index]}') must be a constant (an initializer), but it is computed`);
    return v;
  }

  /** The node that alone consumes `name` (and `name` is no graph output), else null. */
  soleConsumer(name: string): OnnxNodeProto | null {
    if (this.graphOutputs.has(name)) return null;
    const list = this.consumers.get(name) ?? [];
    return list.length === 1 && !this.skipped.has(list[0]) ? list[0] : null;
  }

  /** Marks a node as folded into an earlier one (its converter never runs). */
  absorb(node: OnnxNodeProto): void {
    this.skipped.add(node);
  }

  // ---- layers ----

  private uniqueName(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.-]+|_+$/g, '') || 'onnx';
    if (this.names.has(name)) {
      let k = 1;
      while (this.names.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    this.names.add(name);
    return name;
  }

  /** Records a layer applied to `inputs`; its output has ONNX dims `dims` stored in order `perm`. */
  layer(base: string, make: (name: string) => Layer, inputs: readonly TensorValue[], dims: readonly number[], perm: readonly number[],
    weights: LayerSpec['weights'] = null): TensorValue {
    const name = this.uniqueName(base);
    let layer: Layer;
    try {
      layer = make(name);
      // Shapes and weights checked now, without allocating: a layer that cannot take them refuses the node.
      const expected = layer.weightShapes(inputs.map(storedShape));
      const given = weights ?? [];
      if (given.length !== expected.length || expected.some(([, shape], i) => !samePerm(shape, given[i].shape))) {
        throw new Error(`internal: ${layer.describe()} expects weights ${JSON.stringify(expected)}, import made ${JSON.stringify(given.map((w) => w.shape))}`);
      }
    } catch (e) {
      if (e instanceof Unsupported || (e as Error).message.startsWith('internal')) throw e;
      throw new Unsupported((e as Error).message);
    }
    this.specs.push({ layer, inputs: inputs.map((t) => t.id), weights, outputShape: perm.map((a) => dims[a]) });
    return { kind: 'tensor', id: this.nextId++, dims: [...dims], perm: [...perm] };
  }

  /** `t` stored in order `perm`: the same value when already so, else a Permute (or a Reshape when no value moves). */
  toPerm(t: TensorValue, perm: readonly number[], base: string): TensorValue {
    if (samePerm(t.perm, perm)) return t;
    const shape = perm.map((a) => t.dims[a]);
    if (trivialPermutation(t.dims, t.perm, perm)) {
      return this.layer(`${base}_relayout`, (name) => new Reshape({ name, targetShape: shape }), [t], t.dims, perm);
    }
    // Keras Permute: output axis i is input axis dims[i] (1-based, batch excluded).
    const dims = perm.map((a) => t.perm.indexOf(a) + 1);
    return this.layer(`${base}_permute`, (name) => new Permute({ name, dims }), [t], t.dims, perm);
  }

  channelsLast(t: TensorValue, base: string): TensorValue {
    return this.toPerm(t, channelsLastPerm(t.dims.length), base);
  }

  plain(t: TensorValue, base: string): TensorValue {
    return this.toPerm(t, identity(t.dims.length), base);
  }

  /** The same values under new ONNX dims (stored in ONNX order): a Reshape, or `t` when nothing changes. */
  reshape(t: TensorValue, dims: readonly number[], base: string): TensorValue {
    const ident = identity(t.dims.length);
    // Stored bytes already in ONNX order (only size-1 axes out of place) are reshaped directly.
    const source = trivialPermutation(t.dims, t.perm, ident) ? t : this.plain(t, base);
    if (samePerm(source.perm, ident) && samePerm(source.dims, dims)) return source;
    return this.layer(base, (name) => new Reshape({ name, targetShape: [...dims] }), [source], dims, identity(dims.length));
  }

  // ---- the walk ----

  /** Lowers the whole graph, or throws OnnxUnsupportedError listing every refused node. */
  run(converters: Record<string, Converter>): Lowered {
    const { graph } = this.model;
    const refusals: Refusal[] = [];
    for (const t of graph.initializers) this.set(t.name, constantOf(t));
    this.declareInputs(graph, refusals);
    graph.nodes.forEach((node, index) => {
      if (this.skipped.has(node)) return;
      const label = node.name || `${node.opType}_${index}`;
      const convert = node.domain === '' ? converters[node.opType] : undefined;
      if (node.inputs.some((n) => this.poisoned.has(n))) {
        // Downstream of a refused node: list it only if its own op is unknown too.
        if (!convert) refusals.push({ op: node.opType, node: label, reason: opReason(node) });
        for (const o of node.outputs) this.poisoned.add(o);
        return;
      }
      try {
        if (!convert) throw new Unsupported(opReason(node));
        const attrs = new NodeAttributes(node);
        convert(this, node, attrs);
        attrs.checkAllRead();
        node.outputs.forEach((o, i) => {
          if (o !== '' && !this.values.has(o) && (this.graphOutputs.has(o) || (this.consumers.get(o) ?? []).some((c) => !this.skipped.has(c)))) {
            throw new Unsupported(`output ${i} ('${o}') is used, and simdnn does not compute it`);
          }
        });
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        refusals.push({ op: node.opType, node: label, reason: e.message });
        for (const o of node.outputs) this.poisoned.add(o);
      }
    });
    const outputs: number[] = [];
    for (const out of graph.outputs) {
      if (this.poisoned.has(out.name)) continue;
      const v = this.values.get(out.name);
      if (!v) refusals.push({ op: 'output', node: out.name, reason: 'no node computes this graph output' });
      else if (v.kind === 'const') refusals.push({ op: 'output', node: out.name, reason: 'the graph output is a constant; simdnn models compute their outputs from inputs' });
      else outputs.push(this.boundary(v, out.name, outputs).id);
    }
    if (refusals.length > 0) throw new OnnxUnsupportedError(refusals);
    return { inputs: this.inputs, specs: this.specs, outputs, outputNames: graph.outputs.map((o) => o.name) };
  }

  /** A graph output in the boundary layout, copied when it is an input or already another output. */
  private boundary(t: TensorValue, name: string, taken: readonly number[]): TensorValue {
    const perm = t.dims.length === 3 && this.layout === 'NHWC' ? channelsLastPerm(3) : identity(t.dims.length);
    let out = this.toPerm(t, perm, name);
    if (out.id < this.inputs.length || taken.includes(out.id)) {
      // A linear Activation copies the value: Functional outputs must be distinct layers' outputs.
      out = this.layer(name, (layerName) => new Activation({ name: layerName, activation: 'linear' }), [out], out.dims, out.perm);
    }
    return out;
  }

  private declareInputs(graph: OnnxGraphProto, refusals: Refusal[]): void {
    for (const info of graph.inputs) {
      if (this.values.has(info.name)) continue; // an initializer listed as an input (IR < 4)
      const refuse = (reason: string) => {
        refusals.push({ op: 'input', node: info.name, reason });
        this.poisoned.add(info.name);
      };
      if (info.elemType !== OnnxDataType.FLOAT) { refuse(`of type ${dataTypeName(info.elemType)}; simdnn models take float32 inputs`); continue; }
      const shape = info.shape;
      if (!shape || shape.length < 2) { refuse(`has shape ${shape ? `[${shape.join(', ')}]` : '(unknown)'}; simdnn needs a batch axis and at least one more`); continue; }
      const sample = shape.slice(1);
      if (sample.some((d) => typeof d !== 'number' || d < 1)) {
        refuse(`has shape [${shape.map((d) => d ?? '?').join(', ')}]; every axis but the first (the batch) must have a fixed size`);
        continue;
      }
      const dims = sample as number[];
      const perm = dims.length === 3 && this.layout === 'NHWC' ? channelsLastPerm(3) : identity(dims.length);
      this.inputs.push({ name: this.uniqueName(info.name), shape: perm.map((a) => dims[a]) });
      this.set(info.name, { kind: 'tensor', id: this.nextId++, dims, perm });
    }
  }
}



function opReason(node: OnnxNodeProto): string {
  return node.domain !== '' ? `op domain '${node.domain}' is not supported (only the default ONNX domain)` : 'op not supported';
}

function constantOf(t: OnnxTensorProto): ConstValue {
  return { kind: 'const', dims: t.dims, data: t.values };
}
