// A minimal protocol-buffers *writer*: just the wire types ONNX needs (varint, 32-bit float,
// length-delimited), written from the encoding rules; nothing is decoded here.
//   wire type 0: varint (int32/int64/enum; negative int64 takes ten bytes, two's complement)
//   wire type 2: length-delimited (string, bytes, nested message, packed repeated scalars)
//   wire type 5: 32-bit little-endian (float)
// A field is written as its key (field number << 3 | wire type, as a varint) then its payload.

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const utf8 = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer; `finish()` returns the message bytes. */
export class ProtoWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  /** A varint field (int32, int64, bool, enum). Integers only; negative values as int64. */
  varint(field: number, value: number | bigint): this {
    this.key(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A float field (wire type 5). */
  float(field: number, value: number): this {
    this.key(field, FIXED32);
    this.reserve(4);
    new DataView(this.buffer.buffer, this.buffer.byteOffset + this.length, 4).setFloat32(0, value, true);
    this.length += 4;
    return this;
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.append(data);
    return this;
  }

  /** A string field, UTF-8. */
  string(field: number, text: string): this {
    return this.bytes(field, utf8.encode(text));
  }

  /** An embedded message field. */
  message(field: number, message: ProtoWriter | Uint8Array): this {
    return this.bytes(field, message instanceof ProtoWriter ? message.finish() : message);
  }

  /** A packed repeated varint field (proto3 default for repeated int64; proto2 parsers accept it too). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const payload = new ProtoWriter();
    for (const v of values) payload.rawVarint(v);
    return this.bytes(field, payload.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const payload = new Uint8Array(values.length * 4);
    const view = new DataView(payload.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, payload);
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private key(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`protobuf: bad field number ${field}`);
    this.rawVarint(field * 8 + wireType);
  }

  /** Base-128 little-endian groups, high bit set on all but the last. */
  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: varint must be a safe integer, got ${value}`);
      if (value >= 0 && value < 2 ** 31) {
        this.reserve(5);
        let v = value;
        while (v >= 0x80) {
          this.buffer[this.length++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        this.buffer[this.length++] = v;
        return;
      }
      value = BigInt(value);
    }
    // int64: negative numbers are sent as their 64-bit two's complement (always ten bytes).
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v >= 0x80n) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  private append(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
