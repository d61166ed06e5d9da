/**
 * ONNX ModelProto bytes → plain typed objects (field numbers as onnx.proto assigns them). Reads
 * what an inference graph needs: opsets, graph inputs/outputs with shapes, nodes with their
 * attributes, and initializers as float32 or integer data, each checked against its dims before
 * any array is made. Subgraph attributes (If, Loop) are recorded by type, not decoded: import
 * refuses them by op anyway, and not walking them keeps decoding free of recursion.
 */
import {
  ProtoReader, ProtobufError, WireType, appendDoubles, appendFloats, appendInt64s, asFloat, asInt64, asString, type RawField,
} from './protobuf-reader.js';

/** TensorProto.DataType values simdnn reads. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL',
  10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};

/** The name onnx.proto gives a data type, for messages. */
export function dataTypeName(type: number): string {
  return DATA_TYPE_NAMES[type] ?? `data type ${type}`;
}

/** A decoded tensor: float data as Float32Array, integer and boolean data as numbers. */
export interface OnnxTensorProto {
  name: string;
  dims: number[];
  dataType: number;
  values: Float32Array | number[];
}

/** One attribute; subgraphs and other kinds simdnn never reads keep only their type name. */
export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: OnnxTensorProto }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'other'; value: string };

export interface OnnxNodeProto {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttributeValue>;
}

/** A graph input or output: element type and dims (numbers, symbolic names, or null when absent). */
export interface OnnxValueInfoProto {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface OnnxGraphProto {
  name: string;
  nodes: OnnxNodeProto[];
  initializers: OnnxTensorProto[];
  inputs: OnnxValueInfoProto[];
  outputs: OnnxValueInfoProto[];
}

export interface OnnxModelProto {
  irVersion: number;
  /** Opset version by domain ('' is the default ONNX domain). */
  opsets: Map<string, number>;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraphProto;
}

/** Decodes ModelProto bytes; throws a ProtobufError naming the field path on malformed input. */
export function decodeModel(bytes: Uint8Array): OnnxModelProto {
  const r = new ProtoReader(bytes, 'ModelProto');
  const model: OnnxModelProto = { irVersion: 0, opsets: new Map(), producerName: '', producerVersion: '', graph: null as never };
  let graph: OnnxGraphProto | null = null;
  while (r.more) {
    const f = r.next();
    const at = `ModelProto.${FIELD_NAMES.model[f.field] ?? f.field}`;
    if (f.field === 1) model.irVersion = asInt64(f, at);
    else if (f.field === 2) model.producerName = asString(f, at);
    else if (f.field === 3) model.producerVersion = asString(f, at);
    else if (f.field === 7) graph = decodeGraph(message(f, at), at);
    else if (f.field === 8) {
      const [domain, version] = decodeOpset(message(f, at), at);
      model.opsets.set(domain, version);
    }
  }
  if (!graph) throw new ProtobufError('ModelProto: no graph (field 7); is this an ONNX model file?');
  model.graph = graph;
  return model;
}

const FIELD_NAMES = {
  model: { 1: 'ir_version', 2: 'producer_name', 3: 'producer_version', 7: 'graph', 8: 'opset_import' } as Record<number, string>,
};

function message(f: RawField, path: string): ProtoReader {
  if (f.wireType !== WireType.LENGTH_DELIMITED) throw new ProtobufError(`${path}: expected a message, got wire type ${f.wireType}`);
  return new ProtoReader(f.bytes, path);
}

function decodeOpset(r: ProtoReader, path: string): [string, number] {
  let domain = '', version = 0;
  while (r.more) {
    const f = r.next();
    if (f.field === 1) domain = asString(f, `${path}.domain`);
    else if (f.field === 2) version = asInt64(f, `${path}.version`);
  }
  // 'ai.onnx' is the default domain under its other name.
  return [domain === 'ai.onnx' ? '' : domain, version];
}

function decodeGraph(r: ProtoReader, path: string): OnnxGraphProto {
  const graph: OnnxGraphProto = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  while (r.more) {
    const f = r.next();
    if (f.field === 1) graph.nodes.push(decodeNode(message(f, `${path}.node[${graph.nodes.length}]`), `${path}.node[${graph.nodes.length}]`));
    else if (f.field === 2) graph.name = asString(f, `${path}.name`);
    else if (f.field === 5) {
      const at = `${path}.initializer[${graph.initializers.length}]`;
      graph.initializers.push(decodeTensor(message(f, at), at));
    } else if (f.field === 11) graph.inputs.push(decodeValueInfo(message(f, `${path}.input`), `${path}.input[${graph.inputs.length}]`));
    else if (f.field === 12) graph.outputs.push(decodeValueInfo(message(f, `${path}.output`), `${path}.output[${graph.outputs.length}]`));
    else if (f.field === 15) throw new ProtobufError(`${path}: sparse initializers are not supported`);
  }
  return graph;
}

function decodeNode(r: ProtoReader, path: string): OnnxNodeProto {
  const node: OnnxNodeProto = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  while (r.more) {
    const f = r.next();
    if (f.field === 1) node.inputs.push(asString(f, `${path}.input`));
    else if (f.field === 2) node.outputs.push(asString(f, `${path}.output`));
    else if (f.field === 3) node.name = asString(f, `${path}.name`);
    else if (f.field === 4) node.opType = asString(f, `${path}.op_type`);
    else if (f.field === 7) node.domain = asString(f, `${path}.domain`);
    else if (f.field === 5) {
      const [name, value] = decodeAttribute(message(f, `${path}.attribute`), `${path}.attribute`);
      node.attributes.set(name, value);
    }
  }
  if (node.domain === 'ai.onnx') node.domain = '';
  return node;
}

const ATTRIBUTE_TYPES: Record<number, string> = {
  1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings', 9: 'tensors', 10: 'graphs',
  11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

function decodeAttribute(r: ProtoReader, path: string): [string, OnnxAttributeValue] {
  let name = '', type = 0, f32 = 0, i64 = 0, text = '';
  let tensor: OnnxTensorProto | null = null;
  const floats: number[] = [], ints: number[] = [], strings: string[] = [];
  while (r.more) {
    const f = r.next();
    const at = `${path}${name ? `['${name}']` : ''}`;
    if (f.field === 1) name = asString(f, `${path}.name`);
    else if (f.field === 20) type = asInt64(f, `${at}.type`);
    else if (f.field === 2) f32 = asFloat(f, `${at}.f`);
    else if (f.field === 3) i64 = asInt64(f, `${at}.i`);
    else if (f.field === 4) text = asString(f, `${at}.s`);
    else if (f.field === 5) tensor = decodeTensor(message(f, `${at}.t`), `${at}.t`);
    else if (f.field === 7) appendFloats(floats, f, `${at}.floats`);
    else if (f.field === 8) appendInt64s(ints, f, `${at}.ints`);
    else if (f.field === 9) strings.push(asString(f, `${at}.strings`));
  }
  const at = `${path}['${name}']`;
  switch (type) {
    case 1: return [name, { type: 'float', value: f32 }];
    case 2: return [name, { type: 'int', value: i64 }];
    case 3: return [name, { type: 'string', value: text }];
    case 4:
      if (!tensor) throw new ProtobufError(`${at}: a tensor attribute without its tensor`);
      return [name, { type: 'tensor', value: tensor }];
    case 6: return [name, { type: 'floats', value: floats }];
    case 7: return [name, { type: 'ints', value: ints }];
    case 8: return [name, { type: 'strings', value: strings }];
    default:
      if (ATTRIBUTE_TYPES[type]) return [name, { type: 'other', value: ATTRIBUTE_TYPES[type] }];
      throw new ProtobufError(`${at}: attribute type ${type} is not one onnx.proto defines`);
  }
}

function decodeValueInfo(r: ProtoReader, path: string): OnnxValueInfoProto {
  const info: OnnxValueInfoProto = { name: '', elemType: 0, shape: null };
  while (r.more) {
    const f = r.next();
    if (f.field === 1) info.name = asString(f, `${path}.name`);
    else if (f.field === 2) {
      // TypeProto: only tensor_type (1) is read; sequences and maps stay elemType 0 and are refused at import.
      const type = message(f, `${path}.type`);
      while (type.more) {
        const t = type.next();
        if (t.field !== 1) continue;
        const tensorType = message(t, `${path}.type.tensor_type`);
        while (tensorType.more) {
          const g = tensorType.next();
          if (g.field === 1) info.elemType = asInt64(g, `${path}.type.tensor_type.elem_type`);
          else if (g.field === 2) info.shape = decodeShape(message(g, `${path}.type.tensor_type.shape`), `${path}.type.tensor_type.shape`);
        }
      }
    }
  }
  return info;
}

function decodeShape(r: ProtoReader, path: string): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (r.more) {
    const f = r.next();
    if (f.field !== 1) continue;
    const at = `${path}.dim[${dims.length}]`;
    const dim = message(f, at);
    let value: number | string | null = null;
    while (dim.more) {
      const g = dim.next();
      if (g.field === 1) value = asInt64(g, `${at}.dim_value`);
      else if (g.field === 2) value = asString(g, `${at}.dim_param`);
    }
    dims.push(value);
  }
  return dims;
}

/** Decodes TensorProto bytes (an ONNX test vector's input_0.pb, say); throws a ProtobufError naming the field. */
export function decodeTensorProto(bytes: Uint8Array): OnnxTensorProto {
  return decodeTensor(new ProtoReader(bytes, 'TensorProto'), 'TensorProto');
}

/** Bytes per element of raw_data for the types simdnn reads. */
const RAW_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 11: 8 };

function decodeTensor(r: ProtoReader, path: string): OnnxTensorProto {
  const tensor: OnnxTensorProto = { name: '', dims: [], dataType: 0, values: [] };
  let raw: Uint8Array | null = null;
  const floats: number[] = [], ints: number[] = [];
  while (r.more) {
    const f = r.next();
    if (f.field === 1) appendInt64s(tensor.dims, f, `${path}.dims`);
    else if (f.field === 2) tensor.dataType = asInt64(f, `${path}.data_type`);
    else if (f.field === 8) tensor.name = asString(f, `${path}.name`);
    else if (f.field === 9) raw = f.bytes;
    else if (f.field === 4) appendFloats(floats, f, `${path}.float_data`);
    else if (f.field === 5 || f.field === 7) appendInt64s(ints, f, `${path}.${f.field === 5 ? 'int32_data' : 'int64_data'}`);
    else if (f.field === 10) appendDoubles(floats, f, `${path}.double_data`);
    else if (f.field === 13 || f.field === 14) {
      throw new ProtobufError(`${path}${tensor.name ? ` ('${tensor.name}')` : ''}: external data is not supported; save the model with its weights inside the file`);
    }
  }
  const at = `${path}${tensor.name ? ` ('${tensor.name}')` : ''}`;
  if (tensor.dims.some((d) => d < 0)) throw new ProtobufError(`${at}: negative dimension in [${tensor.dims.join(', ')}]`);
  const count = tensor.dims.reduce((a, d) => a * d, 1);
  const size = RAW_BYTES[tensor.dataType];
  if (size === undefined) throw new ProtobufError(`${at}: ${dataTypeName(tensor.dataType)} tensors are not supported`);
  const isFloat = tensor.dataType === OnnxDataType.FLOAT || tensor.dataType === OnnxDataType.DOUBLE;
  if (raw) {
    if (raw.length !== count * size) {
      throw new ProtobufError(`${at}: raw_data holds ${raw.length} bytes, but dims [${tensor.dims.join(', ')}] of ${dataTypeName(tensor.dataType)} need ${count * size}`);
    }
    tensor.values = readRaw(raw, tensor.dataType, count);
  } else {
    const typed = isFloat ? floats : ints;
    if (typed.length !== count) {
      throw new ProtobufError(`${at}: holds ${typed.length} values, but dims [${tensor.dims.join(', ')}] need ${count}`);
    }
    tensor.values = isFloat ? Float32Array.from(typed) : typed;
  }
  return tensor;
}

function readRaw(raw: Uint8Array, dataType: number, count: number): Float32Array | number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  switch (dataType) {
    case OnnxDataType.FLOAT: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case OnnxDataType.DOUBLE: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case OnnxDataType.INT64: {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        // Shapes and axes; INT64_MAX / MIN mean "to the end" in Slice and are clamped the same way.
        out.push(v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(v));
      }
      return out;
    }
    case OnnxDataType.INT32: return Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true));
    case OnnxDataType.INT8: return Array.from({ length: count }, (_, i) => view.getInt8(i));
    default: return Array.from(raw.subarray(0, count)); // UINT8, BOOL
  }
}
