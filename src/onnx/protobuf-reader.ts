/**
 * A minimal protocol-buffers reader for untrusted bytes: the wire types ONNX uses (varint, 64-bit,
 * length-delimited, 32-bit), every length checked against what is left before it is used, so a
 * truncated or hostile file fails with an error naming the field path, never a hang or a huge
 * allocation. No code is generated at run time.
 */

/** Wire types (the low three bits of a field key). */
export const WireType = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Thrown for malformed protobuf bytes; the message names the field path. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** One field as it sits in the bytes: its number, wire type and where its payload is. */
export interface RawField {
  field: number;
  wireType: number;
  /** Varint value, as a signed int64, for VARINT; 0 otherwise. */
  varint: number;
  /** Payload bytes for LENGTH_DELIMITED, FIXED32 and FIXED64 (a view, not a copy). */
  bytes: Uint8Array;
}

/** Walks the fields of one message; `path` names it in errors (e.g. 'ModelProto.graph.node[3]'). */
export class ProtoReader {
  private position = 0;

  constructor(private readonly data: Uint8Array, readonly path: string) {}

  /** True while fields remain. */
  get more(): boolean {
    return this.position < this.data.length;
  }

  /** The next field; throws on a truncated key, length or payload, or an unknown wire type. */
  next(): RawField {
    const key = this.varint('field key');
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (!(field >= 1 && field <= 0x1fffffff)) this.fail(`field key ${key} is invalid`);
    switch (wireType) {
      case WireType.VARINT:
        return { field, wireType, varint: this.varint(`field ${field}`), bytes: EMPTY };
      case WireType.FIXED64:
        return { field, wireType, varint: 0, bytes: this.take(8, field) };
      case WireType.FIXED32:
        return { field, wireType, varint: 0, bytes: this.take(4, field) };
      case WireType.LENGTH_DELIMITED: {
        const length = this.varint(`length of field ${field}`);
        if (length < 0 || length > this.data.length - this.position) {
          this.fail(`field ${field} declares ${length} bytes but only ${this.data.length - this.position} remain`);
        }
        return { field, wireType, varint: 0, bytes: this.take(length, field) };
      }
      default:
        return this.fail(`field ${field} has wire type ${wireType}, which ONNX does not use (groups are not supported)`);
    }
  }

  /** Throws a ProtobufError naming this message's path. */
  fail(message: string): never {
    throw new ProtobufError(`${this.path}: ${message}`);
  }

  /**
   * A bare varint (a field key, a length, or one value of a packed run), read as a signed int64
   * (negative values take ten bytes, two's complement). Short varints stay in number arithmetic;
   * only long ones go through BigInt. Throws when the value is not an exact JavaScript number.
   */
  varint(what: string): number {
    let result = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      if (this.position >= this.data.length) this.fail(`truncated ${what}`);
      const byte = this.data[this.position++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    let big = BigInt(result);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (this.position >= this.data.length) this.fail(`truncated ${what}`);
      const byte = this.data[this.position++];
      big |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        const signed = BigInt.asIntN(64, big);
        if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
          this.fail(`${what} ${signed} does not fit a JavaScript number exactly`);
        }
        return Number(signed);
      }
    }
    return this.fail(`${what} is a varint longer than 10 bytes`);
  }

  private take(length: number, field: number): Uint8Array {
    if (length > this.data.length - this.position) this.fail(`field ${field} is truncated`);
    const view = this.data.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }
}

const EMPTY = new Uint8Array(0);

/** A field's value as a signed int64 (ONNX int64 fields). */
export function asInt64(f: RawField, path: string): number {
  expectWire(f, WireType.VARINT, path);
  return f.varint;
}

/** A field's value as UTF-8 text. */
export function asString(f: RawField, path: string): string {
  expectWire(f, WireType.LENGTH_DELIMITED, path);
  try {
    return utf8.decode(f.bytes);
  } catch {
    throw new ProtobufError(`${path}: not valid UTF-8`);
  }
}

/** A float field (wire type 5). */
export function asFloat(f: RawField, path: string): number {
  expectWire(f, WireType.FIXED32, path);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

/** A repeated int64 field, packed (one length-delimited run) or not (one varint). */
export function appendInt64s(out: number[], f: RawField, path: string): void {
  if (f.wireType === WireType.VARINT) { out.push(asInt64(f, path)); return; }
  expectWire(f, WireType.LENGTH_DELIMITED, path);
  const run = new ProtoReader(f.bytes, path);
  while (run.more) out.push(run.varint('packed value'));
}

/** A repeated float field, packed or not, as float32 values. */
export function appendFloats(out: number[], f: RawField, path: string): void {
  if (f.wireType === WireType.FIXED32) { out.push(asFloat(f, path)); return; }
  expectWire(f, WireType.LENGTH_DELIMITED, path);
  if (f.bytes.length % 4 !== 0) throw new ProtobufError(`${path}: packed floats of ${f.bytes.length} bytes (not a multiple of 4)`);
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
  for (let i = 0; i < f.bytes.length; i += 4) out.push(view.getFloat32(i, true));
}

/** A repeated double field, packed or not. */
export function appendDoubles(out: number[], f: RawField, path: string): void {
  if (f.wireType === WireType.FIXED64) { out.push(new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true)); return; }
  expectWire(f, WireType.LENGTH_DELIMITED, path);
  if (f.bytes.length % 8 !== 0) throw new ProtobufError(`${path}: packed doubles of ${f.bytes.length} bytes (not a multiple of 8)`);
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
  for (let i = 0; i < f.bytes.length; i += 8) out.push(view.getFloat64(i, true));
}

function expectWire(f: RawField, wireType: number, path: string): void {
  if (f.wireType !== wireType) throw new ProtobufError(`${path}: field ${f.field} has wire type ${f.wireType}, expected ${wireType}`);
}
