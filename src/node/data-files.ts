/// <reference types="node" />
/**
 * Node-only readers of data-set files from paths: IDX (MNIST, Fashion-MNIST), CIFAR-10 and
 * CIFAR-100 binary files, gzip-compressed ones decompressed no further than their format allows.
 * The decoding and every check are the core's (`nn.data.fromIdx`, `nn.data.cifar10`,
 * `nn.data.cifar100`); this file only adds the file system, opening regular files only.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '../core/tensor.js';
import { checkIdxHead, decodeIdx, gunzip, HEAD_BYTES, idxInflateLimit, idxToTensor, isGzip, pairIdx, type IdxArray, type IdxPairArgs, type IdxPart, type InflateLimit } from '../data/idx.js';
import { CIFAR10_LAYOUT, CIFAR100_LAYOUT, cifar10Records, cifarInflateLimit, decodeCifar10, type Cifar10Part, type CifarLayout } from '../data/cifar10.js';
import { cifar100LabelMode, decodeCifar100, type Cifar100Args, type Cifar100Part } from '../data/cifar100.js';
import { readRegularFile, type ReadLimits } from './read-file.js';

/**
 * The bytes of a regular file (a FIFO or a device is refused, not opened), decompressed when
 * they start with the gzip magic number, no further than `limit` allows.
 */
async function readBytes(path: string, who: string, arg: string, limit: InflateLimit, limits: ReadLimits): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${who}: ${arg} must be a non-empty path string, got ${JSON.stringify(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, limits);
  } catch (e) {
    if ((e as Error).message.startsWith(`${who}: `)) throw e; // the format's own check of the head
    throw new Error(`${who}: cannot read ${arg} ${path}: ${(e as Error).message}`);
  }
  if (!isGzip(bytes)) return bytes;
  return gunzip(bytes, `${who}: ${arg} ${path}`, limit).catch((e: Error) => {
    throw e.message.includes('gzip data is corrupt') ? new Error(`${who}: ${arg} ${path} is gzip-compressed but corrupt or truncated (${e.message})`) : e;
  });
}

async function readIdx(path: string, who: string, arg: string): Promise<IdxArray> {
  const named = `${who}: ${path}`;
  const limits: ReadLimits = { headBytes: HEAD_BYTES, checkHead: (head, size) => checkIdxHead(head, size, named) };
  return decodeIdx(await readBytes(path, who, arg, idxInflateLimit(named), limits), named);
}

/** A CIFAR file is read whole, so no more than the records one file of the data set may hold. */
function readCifar(path: string, who: string, arg: string, layout: CifarLayout): Promise<Uint8Array> {
  const limit = cifarInflateLimit(layout);
  const { maxBytes, tooLong } = limit(new Uint8Array(0))!;
  return readBytes(path, who, arg, limit, { maxBytes, tooLarge: (size) => `it is ${size} bytes, ${tooLong}` });
}

/** Reads an IDX file (plain or .gz) into a float32 Tensor of its shape, values unchanged. */
export async function fromIdxFile(path: string): Promise<Tensor> {
  return idxToTensor(await readIdx(path, 'fromIdxFile', 'path'));
}

/**
 * Reads an images IDX file and its labels IDX file (e.g. train-images-idx3-ubyte.gz and
 * train-labels-idx1-ubyte.gz) into `{ x, y, labels }` as `nn.data.mnist()` returns each part;
 * throws when the counts differ.
 */
export async function fromIdxFiles(imagesPath: string, labelsPath: string, args: IdxPairArgs = {}): Promise<IdxPart> {
  const who = 'fromIdxFiles';
  const [images, labels] = await Promise.all([readIdx(imagesPath, who, 'imagesPath'), readIdx(labelsPath, who, 'labelsPath')]);
  return pairIdx(images, labels, args, who);
}

/** Options of {@link cifar10File}. */
export interface Cifar10FileArgs {
  /** Keep only the first `size` records (default all). */
  size?: number;
}

/**
 * Reads one CIFAR-10 binary batch file, or several in order (plain or gzip-compressed), into
 * `{ x: [N, 32, 32, 3] in [0, 1], y: one-hot [N, 10], labels }`.
 */
export async function cifar10File(path: string | readonly string[], args: Cifar10FileArgs = {}): Promise<Cifar10Part> {
  const who = 'cifar10File';
  const paths = typeof path === 'string' ? [path] : path;
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError(`${who}: path must be a path or a non-empty list of paths, got ${JSON.stringify(path)}`);
  const batches = await Promise.all(paths.map((p) => readCifar(p, who, 'path', CIFAR10_LAYOUT)));
  return decodeCifar10(batches, paths, args.size, who);
}

/** Options of {@link cifar10}. */
export interface Cifar10DirectoryArgs {
  /** Training samples to keep: the first ones of data_batch_1 … 5 (default all 50,000). */
  trainSize?: number;
  /** Test samples to keep: the first ones of test_batch (default all 10,000). */
  testSize?: number;
}

/** File names of the binary version, in order. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test batch file name of the CIFAR-10 binary distribution. */
export const CIFAR10_TEST_FILE = 'test_batch.bin';
async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * Reads the CIFAR-10 binary version from a directory holding data_batch_1.bin … data_batch_5.bin
 * and test_batch.bin (the extracted cifar-10-batches-bin, or its parent) into
 * `{ train, test }`, each `{ x: [N, 32, 32, 3] in [0, 1], y: one-hot [N, 10], labels }`.
 * Throws naming a missing file, a bad length or label. For a single file use {@link cifar10File}.
 */
export async function cifar10(directory: string, args: Cifar10DirectoryArgs = {}): Promise<{ train: Cifar10Part; test: Cifar10Part }> {
  const who = 'cifar10';
  if (typeof directory !== 'string' || directory === '') throw new TypeError(`${who}: directory must be a non-empty path string, got ${JSON.stringify(directory)}`);
  const info = await stat(directory).catch((e: Error) => { throw new Error(`${who}: cannot read directory ${directory}: ${e.message}`); });
  if (!info.isDirectory()) {
    throw new Error(`${who}: ${directory} is not a directory: expected one holding ${CIFAR10_TRAIN_FILES[0]} … and ${CIFAR10_TEST_FILE}; for a single batch file use cifar10File`);
  }
  for (const arg of ['trainSize', 'testSize'] as const) {
    const v = args[arg];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new RangeError(`${who}: ${arg} must be a positive integer, got ${v}`);
  }
  let dir = directory;
  if (!(await isFile(join(dir, CIFAR10_TEST_FILE))) && (await isFile(join(dir, 'cifar-10-batches-bin', CIFAR10_TEST_FILE)))) {
    dir = join(dir, 'cifar-10-batches-bin');
  }
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    if (!(await isFile(join(dir, name)))) {
      throw new Error(`${who}: ${dir} has no ${name}: expected ${CIFAR10_TRAIN_FILES.join(', ')} and ${CIFAR10_TEST_FILE} (the binary version of CIFAR-10)`);
    }
  }
  // Train files are read in order only until trainSize records are in hand.
  const trainPaths: string[] = [];
  const trainBytes: Uint8Array[] = [];
  let records = 0;
  for (const name of CIFAR10_TRAIN_FILES) {
    if (args.trainSize !== undefined && records >= args.trainSize) break;
    const path = join(dir, name);
    const bytes = await readCifar(path, who, 'file', CIFAR10_LAYOUT);
    records += cifar10Records(bytes, who, path);
    trainPaths.push(path);
    trainBytes.push(bytes);
  }
  const train = decodeCifar10(trainBytes, trainPaths, args.trainSize, who, 'trainSize');
  const testPath = join(dir, CIFAR10_TEST_FILE);
  const test = decodeCifar10([await readCifar(testPath, who, 'file', CIFAR10_LAYOUT)], [testPath], args.testSize, who, 'testSize');
  return { train, test };
}

/** Options of {@link cifar100File}. */
export type Cifar100FileArgs = Cifar100Args;

/**
 * Reads one CIFAR-100 binary file (train.bin or test.bin; plain or gzip-compressed), or several
 * in order, into `{ x: [N, 32, 32, 3] in [0, 1], y, labels, fineLabels, coarseLabels }`.
 */
export async function cifar100File(path: string | readonly string[], args: Cifar100FileArgs = {}): Promise<Cifar100Part> {
  const who = 'cifar100File';
  const mode = cifar100LabelMode(args, who, ['size', 'labelMode']);
  const paths = typeof path === 'string' ? [path] : path;
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError(`${who}: path must be a path or a non-empty list of paths, got ${JSON.stringify(path)}`);
  const files = await Promise.all(paths.map((p) => readCifar(p, who, 'path', CIFAR100_LAYOUT)));
  return decodeCifar100(files, paths, args.size, mode, who);
}

/** Options of {@link cifar100}. */
export interface Cifar100DirectoryArgs {
  /** Training samples to keep (default all 50,000). */
  trainSize?: number;
  /** Test samples to keep (default all 10,000). */
  testSize?: number;
  /** 'fine' (100 classes, the default) or 'coarse' (20 superclasses). */
  labelMode?: 'fine' | 'coarse';
}

/**
 * Reads the CIFAR-100 binary version from a directory holding train.bin and test.bin (the
 * extracted cifar-100-binary, or its parent) into `{ train, test }`.
 */
export async function cifar100(directory: string, args: Cifar100DirectoryArgs = {}): Promise<{ train: Cifar100Part; test: Cifar100Part }> {
  const who = 'cifar100';
  const mode = cifar100LabelMode(args, who, ['trainSize', 'testSize', 'labelMode']);
  if (typeof directory !== 'string' || directory === '') throw new TypeError(`${who}: directory must be a non-empty path string, got ${JSON.stringify(directory)}`);
  let dir = directory;
  if (!(await isFile(join(dir, 'test.bin'))) && (await isFile(join(dir, 'cifar-100-binary', 'test.bin')))) dir = join(dir, 'cifar-100-binary');
  const part = async (name: string, size: number | undefined, sizeArg: string): Promise<Cifar100Part> => {
    const path = join(dir, name);
    if (!(await isFile(path))) throw new Error(`${who}: ${dir} has no ${name}: expected train.bin and test.bin (the binary version of CIFAR-100)`);
    return decodeCifar100([await readCifar(path, who, 'file', CIFAR100_LAYOUT)], [path], size, mode, who, sizeArg);
  };
  return { train: await part('train.bin', args.trainSize, 'trainSize'), test: await part('test.bin', args.testSize, 'testSize') };
}
