/**
 * The bytes of a TensorBoard event file, written from the formats' specifications:
 *
 * - TFRecord framing, per record: uint64 length (little-endian), uint32 masked CRC32C of those
 *   8 bytes, the data, uint32 masked CRC32C of the data. mask(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8.
 * - tensorflow.Event protobuf: wall_time (double, field 1), step (int64, field 2),
 *   file_version (string, field 3; "brain.Event:2" in the first record), summary (field 5).
 * - tensorflow.Summary: repeated Value value (field 1); Value: tag (string, field 1),
 *   simple_value (float, field 2).
 */

/** CRC32C (Castagnoli, reflected polynomial 0x82f63b78) lookup table. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32C of `bytes[from, to)`. */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The masked CRC32C TFRecord stores. */
export function maskedCrc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const c = crc32c(bytes, from, to);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Growing little-endian protobuf writer. */
class ProtoWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** An unsigned varint of a non-negative integer up to 2^53. */
  varint(value: number): this {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  double(field: number, value: number): this {
    this.tag(field, 1).reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5).reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length).reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** One scalar of a summary. */
export interface Scalar {
  tag: string;
  value: number;
}

/** Serialised tensorflow.Event with either a file_version or a summary of scalars. */
export function encodeEvent(wallTime: number, step: number, content: { fileVersion: string } | { scalars: readonly Scalar[] }): Uint8Array {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`tensorBoard: step must be an integer ≥ 0, got ${step}`);
  const event = new ProtoWriter().double(1, wallTime).tag(2, 0).varint(step);
  if ('fileVersion' in content) return event.string(3, content.fileVersion).finish();
  const summary = new ProtoWriter();
  for (const s of content.scalars) summary.bytes(1, new ProtoWriter().string(1, s.tag).float(2, s.value).finish());
  return event.bytes(5, summary.finish()).finish();
}

/** One TFRecord around `data`: length, masked CRC of the length, data, masked CRC of the data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
