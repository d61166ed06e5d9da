// ONNX messages (onnx.proto, IR version 7 / opset 13) as plain objects, encoded with ProtoWriter.
// Only what an inference graph of Dense/Conv/Pool layers needs: ModelProto, OperatorSetIdProto,
// GraphProto, NodeProto, AttributeProto (scalars, lists and tensors, for Constant nodes),
// TensorProto (float32/int64, raw_data), ValueInfoProto
// with TypeProto.Tensor and TensorShapeProto. Field numbers are the ones onnx.proto assigns.
import { ProtoWriter } from './protobuf-writer.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** An initializer (a constant input): float32 weights or int64 shapes. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** One node attribute, typed as ONNX types it. */
export type OnnxAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: OnnxAttribute[];
}

/** A graph input or output: float32 with fixed dims (numbers) or symbolic ones (strings, e.g. 'N'). */
export interface OnnxValueInfo {
  name: string;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  /** Default-domain opset; default 13. */
  opset?: number;
  /** Default 7 (the IR version that introduced opset 13). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
}

/** Attribute helpers. */
export const attr = {
  int: (name: string, value: number): OnnxAttribute => ({ name, type: 'int', value }),
  ints: (name: string, value: number[]): OnnxAttribute => ({ name, type: 'ints', value }),
  float: (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value }),
  floats: (name: string, value: number[]): OnnxAttribute => ({ name, type: 'floats', value }),
  string: (name: string, value: string): OnnxAttribute => ({ name, type: 'string', value }),
  /** A tensor attribute, as a Constant node's `value` (dims [] for a scalar). */
  tensor: (name: string, value: OnnxTensor): OnnxAttribute => ({ name, type: 'tensor', value }),
};

/** The serialized ModelProto, ready for `ort.InferenceSession.create(bytes)` or a .onnx file. */
export function encodeModel(model: OnnxModel): Uint8Array {
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8.
  const w = new ProtoWriter().varint(1, model.irVersion ?? 7);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  w.message(7, encodeGraph(model.graph));
  // OperatorSetIdProto: domain 1 (empty = the default ai.onnx domain), version 2.
  w.message(8, new ProtoWriter().string(1, '').varint(2, model.opset ?? 13));
  return w.finish();
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(1, encodeNode(node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, encodeTensor(tensor));
  for (const input of graph.inputs) w.message(11, encodeValueInfo(input));
  for (const output of graph.outputs) w.message(12, encodeValueInfo(output));
  return w;
}

function encodeNode(node: OnnxNode): ProtoWriter {
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const a of node.attributes ?? []) w.message(5, encodeAttribute(a));
  return w;
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  // AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20.
  const w = new ProtoWriter().string(1, a.name);
  switch (a.type) {
    case 'float': w.float(2, a.value).varint(20, AttributeType.FLOAT); break;
    case 'int': w.varint(3, checkInt(a.name, a.value)).varint(20, AttributeType.INT); break;
    case 'string': w.string(4, a.value).varint(20, AttributeType.STRING); break;
    case 'tensor': w.message(5, encodeTensor(a.value)).varint(20, AttributeType.TENSOR); break;
    case 'floats': w.packedFloats(7, a.value).varint(20, AttributeType.FLOATS); break;
    case 'ints': w.packedVarints(8, a.value.map((v) => checkInt(a.name, v))).varint(20, AttributeType.INTS); break;
  }
  return w;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian values).
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) throw new RangeError(`onnx: tensor ${t.name} has dims [${t.dims}] (${count} values) but ${t.data.length} values`);
  const raw = new Uint8Array(t.data.byteLength);
  const view = new DataView(raw.buffer);
  if (t.data instanceof Float32Array) t.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else t.data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return new ProtoWriter()
    .packedVarints(1, t.dims)
    .varint(2, t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64)
    .string(8, t.name)
    .bytes(9, raw);
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  // ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1. TypeProto.Tensor: elem_type 1,
  // shape 2. TensorShapeProto: dim 1. Dimension: dim_value 1 | dim_param 2.
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, checkInt(v.name, d)) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().varint(1, DataType.FLOAT).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

function checkInt(what: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`onnx: ${what} must be an integer, got ${v}`);
  return v;
}
