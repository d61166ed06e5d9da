// Fuzz: mutated IDX and CIFAR files (bit flips, header edits, truncation, extension, gzip, gzip bombs,
// FIFOs and devices), from bytes and from paths. Each is refused with simdnn's own error, or read as a
// reference decoder written here from the format reads it. Never a hang, a crash or an uncaught exception.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { cifar100File, cifar10File, fromIdxFile } from '../src/node/data-files.js';
import { freshSeed, makeRng } from './helpers/kernels.js';
import { countingUncaught, Hang, identical, notOwnError, Outcomes, settles } from './helpers/fuzz.js';

const seed = freshSeed();
const ROUNDS = Number(process.env.DATA_FUZZ_ROUNDS ?? 240);
const HANG_MS = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'simdnn-data-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];

/** What a reader returns, flattened for comparison: values, and the shape or labels. */
interface Read { values: ArrayLike<number>; meta: number[] }

const IDX_TYPES: Record<number, [number, (v: DataView, at: number) => number]> = {
  0x08: [1, (v, at) => v.getUint8(at)], 0x09: [1, (v, at) => v.getInt8(at)], 0x0b: [2, (v, at) => v.getInt16(at, false)],
  0x0c: [4, (v, at) => v.getInt32(at, false)], 0x0d: [4, (v, at) => v.getFloat32(at, false)], 0x0e: [8, (v, at) => v.getFloat64(at, false)],
};

/** IDX as the format describes it; null when the bytes are not a valid file. */
function referenceIdx(b: Uint8Array): Read | null {
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || !IDX_TYPES[b[2]] || b[3] < 1) return null;
  const [size, get] = IDX_TYPES[b[2]];
  const header = 4 + 4 * b[3];
  if (b.length < header) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape = Array.from({ length: b[3] }, (_, d) => view.getInt32(4 + 4 * d, false));
  const count = shape.reduce((a, d) => a * d, 1);
  if (shape.some((d) => d < 1) || count > 2 ** 31 - 1 || b.length !== header + count * size) return null;
  return { values: Float32Array.from({ length: count }, (_, i) => get(view, header + size * i)), meta: shape };
}

/** CIFAR records as the format describes them; null when invalid, or valid in both layouts (ambiguous). */
function referenceCifar(b: Uint8Array, labelBytes: 1 | 2): Read | null {
  const fits = (lb: number): boolean => {
    const rec = lb + 3072;
    if (b.length === 0 || b.length % rec !== 0) return false;
    for (let at = 0; at < b.length; at += rec) if (b[at] >= (lb === 1 ? 10 : 20) || (lb === 2 && b[at + 1] >= 100)) return false;
    return true;
  };
  if (!fits(labelBytes) || fits(3 - labelBytes)) return null;
  const rec = labelBytes + 3072;
  const n = b.length / rec;
  const values = new Float32Array(n * 3072);
  const meta: number[] = [];
  for (let r = 0; r < n; r++) {
    meta.push(b[r * rec + labelBytes - 1]); // the label (the fine one for CIFAR-100)
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) values[r * 3072 + p * 3 + c] = b[r * rec + labelBytes + c * 1024 + p] / 255;
  }
  return { values, meta };
}

type Format = 'idx' | 'cifar10' | 'cifar100';

function makeBase(format: Format, rng: Rng): Uint8Array {
  if (format === 'idx') {
    const [code, dims] = pick(rng, [[0x08, [4, 3, 5]], [0x0b, [3, 2]], [0x0d, [2, 3]], [0x0e, [5]], [0x09, [7]], [0x0c, [2, 2, 2]]] as const);
    const [size] = IDX_TYPES[code];
    const count = dims.reduce((a, d) => a * d, 1);
    const b = new Uint8Array(4 + 4 * dims.length + size * count);
    const view = new DataView(b.buffer);
    b.set([0, 0, code, dims.length]);
    dims.forEach((d, i) => view.setInt32(4 + 4 * i, d, false));
    for (let i = 4 + 4 * dims.length; i < b.length; i++) b[i] = Math.floor(rng() * 256);
    if (code === 0x0d) for (let i = 0; i < count; i++) view.setFloat32(4 + 8 + 4 * i, rng() * 2 - 1, false);
    if (code === 0x0e) for (let i = 0; i < count; i++) view.setFloat64(4 + 4 + 8 * i, rng() * 2 - 1, false);
    return b;
  }
  const labelBytes = format === 'cifar10' ? 1 : 2;
  const rec = labelBytes + 3072;
  const b = new Uint8Array(rec * (1 + Math.floor(rng() * 3)));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rng() * 256);
  for (let at = 0; at < b.length; at += rec) {
    b[at] = Math.floor(rng() * (labelBytes === 1 ? 10 : 20));
    if (labelBytes === 2) b[at + 1] = Math.floor(rng() * 100);
  }
  return b;
}

/** A mutated file: the bytes, and whether the mutation was to the gzip stream itself (then refusing is always allowed). */
function mutate(rng: Rng, format: Format, plain: Uint8Array): { family: string; bytes: Uint8Array; gzipLevel?: boolean } {
  const b = plain.slice();
  switch (pick(rng, ['flip', 'flip', 'header', 'truncate', 'extend', 'gzip', 'gzip-corrupt', 'bomb'] as const)) {
    case 'flip':
      for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) b[Math.floor(rng() * b.length)] ^= 1 << Math.floor(rng() * 8);
      return { family: 'bit flip', bytes: b };
    case 'header': { // the first bytes: magic, type, rank and dimensions (IDX) or the first labels (CIFAR)
      const view = new DataView(b.buffer);
      const at = 4 * Math.floor(rng() * Math.min(4, Math.floor(b.length / 4)));
      if (rng() < 0.5) view.setInt32(at, pick(rng, [-1, 0, 1, 2 ** 31 - 1, 65536, 3, 1 << 24]), false);
      else b[Math.floor(rng() * 8)] = pick(rng, [0, 1, 2, 3, 8, 9, 0x0b, 0x0d, 0x0e, 0x0f, 10, 20, 99, 100, 255]);
      return { family: 'header edit', bytes: b };
    }
    case 'truncate':
      return { family: 'truncation', bytes: b.slice(0, Math.floor(rng() * b.length)) };
    case 'extend': {
      const extra = pick(rng, [1, 2, 3, 4, 8, 3073, 3074]);
      const out = new Uint8Array(b.length + extra);
      out.set(b);
      for (let i = b.length; i < out.length; i++) out[i] = rng() < 0.5 ? 0 : Math.floor(rng() * 256);
      return { family: 'extension', bytes: out };
    }
    case 'gzip': {
      if (rng() < 0.5) b[Math.floor(rng() * b.length)] ^= 1 << Math.floor(rng() * 8);
      return { family: 'gzip', bytes: gzipSync(b) };
    }
    case 'gzip-corrupt': {
      const z = gzipSync(b);
      if (rng() < 0.5) return { family: 'gzip corrupt', bytes: z.subarray(0, Math.floor(rng() * z.length)), gzipLevel: true };
      z[Math.floor(rng() * z.length)] ^= 1 << Math.floor(rng() * 8);
      return { family: 'gzip corrupt', bytes: z, gzipLevel: true };
    }
    case 'bomb': { // the header (or records) of the original, then megabytes of zeros: a small file that inflates big
      const big = new Uint8Array((format === 'idx' ? 4 : 1) * 2 ** 20 + plain.length);
      big.set(plain);
      return { family: 'gzip bomb', bytes: gzipSync(big, { level: 1 }) };
    }
  }
}

/** Reads `bytes` as `format` from memory or through a file: what simdnn returns, flattened. */
async function read(format: Format, bytes: Uint8Array, viaFile: string | null): Promise<Read> {
  if (viaFile) writeFileSync(viaFile, bytes);
  if (format === 'idx') {
    const t = viaFile ? await fromIdxFile(viaFile) : await nn.data.fromIdx(bytes);
    return { values: t.data, meta: [...t.shape] };
  }
  const part = format === 'cifar10'
    ? (viaFile ? await cifar10File(viaFile) : await nn.data.cifar10(bytes))
    : (viaFile ? await cifar100File(viaFile) : await nn.data.cifar100(bytes));
  return { values: part.x.data, meta: [...part.labels] };
}

function reference(format: Format, bytes: Uint8Array): Read | null {
  let plain = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try { plain = gunzipSync(bytes); } catch { return null; }
  }
  return format === 'idx' ? referenceIdx(plain) : referenceCifar(plain, format === 'cifar10' ? 1 : 2);
}

const sameRead = (a: Read, b: Read): boolean => identical(a.meta, b.meta) && identical(a.values, b.values);

describe(`fuzzed IDX and CIFAR files (seed ${seed})`, () => {
  it(`${ROUNDS} mutated files, from bytes and paths, plus FIFOs and devices: refused with simdnn's error, or read as the format says`, async () => {
    const rng = makeRng(seed);
    const outcomes = new Outcomes();
    const byFamily: Record<string, Outcomes> = {};
    const record = (family: string, outcome: Parameters<Outcomes['add']>[0], detail: string): void => {
      outcomes.add(outcome, detail);
      (byFamily[family] ??= new Outcomes()).add(outcome, detail);
    };
    const uncaught = await countingUncaught(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const format = pick(rng, ['idx', 'idx', 'cifar10', 'cifar100'] as const);
        const original = makeBase(format, rng);
        const variant = mutate(rng, format, original);
        const viaFile = rng() < 0.3 ? join(dir, `round-${round}`) : null;
        const expected = reference(format, variant.bytes);
        const label = `round ${round} (${format}, ${variant.family}${viaFile ? ', file' : ''})`;
        try {
          const got = await settles(read(format, variant.bytes, viaFile), HANG_MS);
          if (!expected) record(variant.family, 'wrong', `${label}: accepted an invalid file`);
          else if (!sameRead(got, expected)) record(variant.family, 'wrong', `${label}: read differently from the format`);
          else record(variant.family, sameRead(got, reference(format, original)!) ? 'same' : 'asWritten', label);
        } catch (e) {
          const why = e instanceof Hang ? 'hang' : notOwnError(e);
          if (why === 'hang') record(variant.family, 'hang', label);
          else if (why) record(variant.family, 'crash', `${label}: ${why}`);
          else if (expected && !variant.gzipLevel) record(variant.family, 'wrong', `${label}: refused a valid file: ${(e as Error).message}`);
          else record(variant.family, 'error', label);
        }
      }
      // Paths that are not regular files: refused without being opened.
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      for (const [path, reader] of [[fifo, fromIdxFile], ['/dev/zero', fromIdxFile], [fifo, cifar10File], ['/dev/zero', cifar100File], [dir, cifar10File]] as const) {
        const label = `${path} read by ${reader.name}`;
        try {
          await settles((reader as (p: string) => Promise<unknown>)(path), HANG_MS);
          record('special file', 'wrong', `${label}: accepted`);
        } catch (e) {
          const why = e instanceof Hang ? 'hang' : notOwnError(e);
          record('special file', why === 'hang' ? 'hang' : why ? 'crash' : 'error', `${label}: ${why}`);
        }
      }
    });
    console.log(`data-fuzz, seed ${seed}: ${outcomes} (${outcomes.total} files)\n` +
      Object.entries(byFamily).map(([f, o]) => `  ${f}: ${o}`).join('\n'));
    expect(outcomes.examples, outcomes.examples.join('\n')).toEqual([]);
    expect(uncaught).toBe(0);
    expect(outcomes.total).toBe(ROUNDS + 5);
    expect(outcomes.counts.error).toBeGreaterThan(ROUNDS / 4);
  });
});
