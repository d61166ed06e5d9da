// tensorBoard event files, decoded by an independent reader written here from the formats'
// specifications: TFRecord (uint64 length, masked CRC32C of it, data, masked CRC32C of the data)
// and the tensorflow.Event / Summary protobuf messages.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorBoard } from '../src/node/index.js';
import { smallClassifier } from './helpers/callbacks.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-tb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** CRC32C bit by bit (no table): reflected Castagnoli polynomial 0x82F63B78. */
function crc32c(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (~crc) >>> 0;
}

/** TFRecord's mask: rotate right by 15 bits and add 0xa282ead8. */
function mask(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** The records of a TFRecord file; throws on a bad length or CRC. */
function readRecords(bytes: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`truncated header at ${at}`);
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== mask(crc32c(bytes.subarray(at, at + 8)))) throw new Error(`bad length CRC at ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > bytes.length) throw new Error(`truncated record at ${at}`);
    if (view.getUint32(at + 12 + length, true) !== mask(crc32c(data))) throw new Error(`bad data CRC at ${at}`);
    records.push(data);
    at += 16 + length;
  }
  return records;
}

type Field = { field: number; wire: number; value: bigint | number | Uint8Array };

/** Protobuf wire format: (field << 3 | wire type) varint keys; varint, fixed64, length-delimited, fixed32. */
function parseProto(bytes: Uint8Array): Field[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) { fields.push({ field, wire, value: view.getFloat64(at, true) }); at += 8; }
    else if (wire === 5) { fields.push({ field, wire, value: view.getFloat32(at, true) }); at += 4; }
    else if (wire === 2) { const n = Number(varint()); fields.push({ field, wire, value: bytes.subarray(at, at + n) }); at += n; }
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return fields;
}

interface Event { wallTime: number; step: number; fileVersion?: string; scalars: Record<string, number> }

function decodeEvent(data: Uint8Array): Event {
  const event: Event = { wallTime: NaN, step: 0, scalars: {} };
  for (const f of parseProto(data)) {
    if (f.field === 1 && f.wire === 1) event.wallTime = f.value as number;
    else if (f.field === 2 && f.wire === 0) event.step = Number(f.value);
    else if (f.field === 3 && f.wire === 2) event.fileVersion = new TextDecoder().decode(f.value as Uint8Array);
    else if (f.field === 5 && f.wire === 2) {
      for (const v of parseProto(f.value as Uint8Array)) {
        expect(v.field).toBe(1);
        let tag = '', value = NaN;
        for (const g of parseProto(v.value as Uint8Array)) {
          if (g.field === 1 && g.wire === 2) tag = new TextDecoder().decode(g.value as Uint8Array);
          if (g.field === 2 && g.wire === 5) value = g.value as number;
        }
        event.scalars[tag] = value;
      }
    } else throw new Error(`unexpected Event field ${f.field} (wire ${f.wire})`);
  }
  return event;
}

function readEventDir(path: string): { name: string; events: Event[] } {
  const files = readdirSync(path);
  expect(files).toHaveLength(1);
  return { name: files[0], events: readRecords(new Uint8Array(readFileSync(join(path, files[0])))).map(decodeEvent) };
}

describe('tensorBoard event files', () => {
  it("the test's CRC32C matches the standard check value", () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('writes train and validation scalars per epoch that an independent reader decodes', async () => {
    const { model, x, y, xVal, yVal } = await smallClassifier(9);
    const logDir = join(dir, 'run1');
    const before = Date.now() / 1000;
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, validationData: [xVal, yVal], callbacks: [tensorBoard({ logDir })] });
    expect(readdirSync(logDir).sort()).toEqual(['train', 'validation']);
    for (const [split, prefix] of [['train', ''], ['validation', 'val_']] as const) {
      const { name, events } = readEventDir(join(logDir, split));
      expect(name).toMatch(/^events\.out\.tfevents\.\d{10}\.\S+$/);
      expect(events[0].fileVersion).toBe('brain.Event:2');
      expect(events).toHaveLength(4);
      events.slice(1).forEach((event, epoch) => {
        expect(event.step).toBe(epoch);
        expect(event.wallTime).toBeGreaterThanOrEqual(Math.floor(before));
        expect(event.wallTime).toBeLessThanOrEqual(Date.now() / 1000 + 1);
        expect(Object.keys(event.scalars).sort()).toEqual(['epoch_accuracy', 'epoch_loss']);
        expect(event.scalars.epoch_loss).toBe(Math.fround(history.history[`${prefix}loss`][epoch]));
        expect(event.scalars.epoch_accuracy).toBe(Math.fround(history.history[`${prefix}accuracy`][epoch]));
      });
    }
    model.dispose();
  });

  it('without validation only train/ is written; updateFreq N adds batch_loss every N steps', async () => {
    const { model, x, y } = await smallClassifier(10);
    const logDir = join(dir, 'run2');
    const losses: number[] = [];
    const spy = { onBatchEnd: (_b: number, logs?: Record<string, number>) => { losses.push(logs!.loss); } };
    // 48 samples, batch 16: 3 steps per epoch, 6 in all; every 2nd step -> steps 2, 4, 6.
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [spy, tensorBoard({ logDir, updateFreq: 2 })] });
    expect(readdirSync(logDir)).toEqual(['train']);
    const { events } = readEventDir(join(logDir, 'train'));
    const batch = events.filter((e) => 'batch_loss' in e.scalars).map((e) => [e.step, e.scalars.batch_loss]);
    expect(batch).toEqual([[2, Math.fround(losses[1])], [4, Math.fround(losses[3])], [6, Math.fround(losses[5])]]);
    expect(events.filter((e) => 'epoch_loss' in e.scalars).map((e) => e.step)).toEqual([0, 1]);
    model.dispose();
  });

  it("the reader's checks are real: a flipped byte fails the data CRC", async () => {
    const { model, x, y } = await smallClassifier(11);
    const logDir = join(dir, 'run3');
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [tensorBoard({ logDir })] });
    const file = join(logDir, 'train', readdirSync(join(logDir, 'train'))[0]);
    const bytes = new Uint8Array(readFileSync(file));
    expect(readRecords(bytes)).toHaveLength(2);
    bytes[bytes.length - 6] ^= 0x01;
    expect(() => readRecords(bytes)).toThrow(/bad data CRC/);
    model.dispose();
  });

  it('rejects bad arguments', () => {
    expect(() => tensorBoard({ logDir: '' })).toThrow("tensorBoard: logDir must be a non-empty path, got ''");
    expect(() => tensorBoard({ logDir: 'x', updateFreq: -1 })).toThrow("tensorBoard: updateFreq must be 'epoch' or an integer ≥ 1, got -1");
    expect(() => tensorBoard({ logDir: 'x', updateFreq: NaN })).toThrow(/got NaN/);
  });
});
