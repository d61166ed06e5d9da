// The ONNX reader: a model written by the bench's ONNX writer decodes to what was written; typed
// (non-raw) tensor fields decode too; malformed bytes fail with a ProtobufError naming the field
// path, never another exception, a hang, or an allocation larger than the file.
import { describe, expect, it } from 'vitest';
import { attr, encodeModel, type OnnxModel } from '../src/onnx/encode.js';
import { ProtoWriter } from '../src/onnx/protobuf-writer.js';
import { decodeModel } from '../src/onnx/decode.js';
import { ProtobufError } from '../src/onnx/protobuf-reader.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';

const seed = freshSeed();

function sample(rng: () => number): OnnxModel {
  return {
    opset: 17, producerName: 'simdnn-test', producerVersion: '1',
    graph: {
      name: 'g',
      nodes: [
        { opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'], name: 'dense', attributes: [attr.int('transB', 0), attr.float('alpha', 0.5)] },
        { opType: 'Clip', inputs: ['h'], outputs: ['c'], name: 'clip', attributes: [attr.floats('bounds', [-1.5, 2.25]), attr.ints('axes', [-1, 3, 1 << 40]), attr.string('mode', 'same')] },
      ],
      initializers: [
        { name: 'w', dims: [3, 5], data: randomArray(15, rng) },
        { name: 'b', dims: [5], data: randomArray(5, rng) },
        { name: 'shape', dims: [2], data: BigInt64Array.from([-1n, 9007199254740991n]) },
      ],
      inputs: [{ name: 'x', shape: ['N', 3] }],
      outputs: [{ name: 'c', shape: ['N', 5] }],
    },
  };
}

describe(`ONNX decoding (seed ${seed})`, () => {
  it('decodes what the writer wrote: opset, producer, nodes, attributes, initializers, value infos', () => {
    const rng = makeRng(seed);
    const source = sample(rng);
    const model = decodeModel(encodeModel(source));
    expect(model.irVersion).toBe(7);
    expect(model.opsets.get('')).toBe(17);
    expect(model.producerName).toBe('simdnn-test');
    const [gemm, clip] = model.graph.nodes;
    expect(gemm).toMatchObject({ name: 'dense', opType: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'] });
    expect(gemm.attributes.get('transB')).toEqual({ type: 'int', value: 0 });
    expect(gemm.attributes.get('alpha')).toEqual({ type: 'float', value: 0.5 });
    expect(clip.attributes.get('bounds')).toEqual({ type: 'floats', value: [-1.5, 2.25] });
    expect(clip.attributes.get('axes')).toEqual({ type: 'ints', value: [-1, 3, 1 << 40] });
    expect(clip.attributes.get('mode')).toEqual({ type: 'string', value: 'same' });
    const [w, b, shape] = model.graph.initializers;
    expect(w.dims).toEqual([3, 5]);
    expect(w.values).toEqual(source.graph.initializers[0].data);
    expect(b.values).toEqual(source.graph.initializers[1].data);
    expect(shape.values).toEqual([-1, Number.MAX_SAFE_INTEGER]);
    expect(model.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: ['N', 3] }]);
    expect(model.graph.outputs).toEqual([{ name: 'c', elemType: 1, shape: ['N', 5] }]);
  });

  it('reads typed tensor fields (float_data, int64_data, unpacked) as well as raw_data', () => {
    // TensorProto: dims 1, data_type 2, float_data 4, int64_data 7, name 8.
    const floats = new ProtoWriter().varint(1, 2).varint(1, 2).varint(2, 1).float(4, 1.5).float(4, -2).float(4, 3).float(4, 0.25).string(8, 'f');
    const ints = new ProtoWriter().packedVarints(1, [3]).varint(2, 7).varint(7, -4).varint(7, 5).varint(7, 6).string(8, 'i');
    const graph = new ProtoWriter().message(5, floats).message(5, ints);
    const model = decodeModel(new ProtoWriter().varint(1, 8).message(7, graph).finish());
    expect(model.graph.initializers[0]).toEqual({ name: 'f', dims: [2, 2], dataType: 1, values: Float32Array.from([1.5, -2, 3, 0.25]) });
    expect(model.graph.initializers[1]).toEqual({ name: 'i', dims: [3], dataType: 7, values: [-4, 5, 6] });
  });

  it('refuses tensors whose data disagrees with their dims, external data, and files without a graph', () => {
    const tensor = (dims: number[], raw: number) => new ProtoWriter().packedVarints(1, dims).varint(2, 1).string(8, 'w').bytes(9, new Uint8Array(raw));
    const wrap = (t: ProtoWriter) => new ProtoWriter().message(7, new ProtoWriter().message(5, t)).finish();
    expect(() => decodeModel(wrap(tensor([4, 5], 76)))).toThrow("ModelProto.graph.initializer[0] ('w'): raw_data holds 76 bytes, but dims [4, 5] of FLOAT need 80");
    expect(() => decodeModel(wrap(tensor([1e9, 1e9], 8)))).toThrow(/raw_data holds 8 bytes, but dims \[1000000000, 1000000000\]/);
    const external = new ProtoWriter().packedVarints(1, [2]).varint(2, 1).string(8, 'w').varint(14, 1);
    expect(() => decodeModel(wrap(external))).toThrow("('w'): external data is not supported; save the model with its weights inside the file");
    expect(() => decodeModel(new ProtoWriter().varint(1, 7).finish())).toThrow('ModelProto: no graph (field 7); is this an ONNX model file?');
  });

  it('truncations and byte flips give a ProtobufError or a model, nothing else', () => {
    const rng = makeRng(seed + 1);
    const bytes = encodeModel(sample(rng));
    const outcomes = { decoded: 0, refused: 0 };
    for (let t = 0; t < 600; t++) {
      const mutated = t < bytes.length ? bytes.slice(0, t) : Uint8Array.from(bytes);
      if (t >= bytes.length) for (let k = 0; k < 1 + (t % 4); k++) mutated[Math.floor(rng() * mutated.length)] = Math.floor(rng() * 256);
      try {
        decodeModel(mutated);
        outcomes.decoded++;
      } catch (e) {
        expect(e, `mutation ${t}: ${(e as Error).message}`).toBeInstanceOf(ProtobufError);
        outcomes.refused++;
      }
    }
    expect(outcomes.decoded + outcomes.refused).toBe(600);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
