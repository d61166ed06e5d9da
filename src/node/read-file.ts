/// <reference types="node" />
/**
 * Reading a file named by a stranger without hanging or reading without bound: only a regular
 * file is opened (opening a FIFO for reading blocks, and a device such as /dev/zero never ends),
 * the open handle is checked to be the file that was checked, and no more bytes are read than
 * its size when checked (or a caller's limit).
 */
import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve, sep, win32 } from 'node:path';

// O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still returns at once.
// O_NOFOLLOW: nor is a symlink put in its place followed. Both are 0 where the platform lacks them.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Limits of {@link readRegularFile}. */
export interface ReadLimits {
  /** Refuse a larger file before reading it; `tooLarge` words the refusal. */
  maxBytes?: number;
  tooLarge?: (size: number, max: number) => string;
  /**
   * Sees the first `headBytes` bytes (fewer in a shorter file) and the file's size before the
   * rest is read, and throws when they do not agree (an IDX header declares its length).
   */
  checkHead?: (head: Uint8Array, size: number) => void;
  headBytes?: number;
}

/** An open regular file: its handle, checked to be the file `stat` saw, and its size then. */
export interface RegularFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens the regular file at `path` (followed through symlinks) for reading; `checkSize` sees its
 * size before it is opened. The handle is checked to be the file that was checked.
 */
export async function openRegularFile(path: string, checkSize?: (size: number) => void): Promise<RegularFile> {
  const real = await realpath(path);
  const checked = await stat(real);
  if (!checked.isFile()) throw new Error(`not a regular file (${kindOf(checked)})`);
  checkSize?.(checked.size);
  const handle = await open(real, OPEN_FLAGS);
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== checked.ino || opened.dev !== checked.dev) {
      throw new Error('the file was replaced while it was being opened');
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { handle, size: checked.size };
}

/**
 * The bytes of the regular file at `path` (followed through symlinks), no more than its size
 * when checked and within `limits`.
 */
export async function readRegularFile(path: string, limits: ReadLimits = {}): Promise<Uint8Array> {
  const { maxBytes = Infinity, tooLarge, checkHead, headBytes = 0 } = limits;
  const { handle, size } = await openRegularFile(path, (found) => {
    if (found > maxBytes) throw new Error(tooLarge ? tooLarge(found, maxBytes) : `${found} bytes, more than the ${maxBytes} expected`);
  });
  try {
    const readInto = async (bytes: Uint8Array, from: number): Promise<void> => {
      for (let at = from; at < bytes.length;) {
        const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
        if (bytesRead === 0) throw new Error(`the file shrank while it was read: ${at} of ${size} bytes`);
        at += bytesRead;
      }
    };
    // The head is checked before the buffer for the whole file is even allocated.
    const head = new Uint8Array(checkHead ? Math.min(headBytes, size) : 0);
    await readInto(head, 0);
    checkHead?.(head, size);
    const bytes = new Uint8Array(size);
    bytes.set(head);
    await readInto(bytes, head.length);
    return bytes;
  } finally {
    await handle.close();
  }
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * The real path of `file`, a path from a model.json, inside `folder` (itself a real path), or an error
 * whose message the caller prefixes with who and which file. An absolute path or one whose `..` climb out is refused before the file
 * system is asked anything; a path that is missing or leads out through a symlink gets one
 * message either way, so nothing is learnt about a target outside the folder.
 */
export async function pathInside(folder: string, file: string): Promise<string> {
  if (file === '' || file.includes('\0')) throw new Error('refused: not a file name');
  if (isAbsolute(file) || win32.isAbsolute(file) || /^[a-z]:/i.test(file)) {
    throw new Error("refused: an absolute path; weights paths must be relative to model.json and stay inside its folder");
  }
  let depth = 0;
  for (const part of file.split(/[\\/]/)) {
    depth += part === '..' ? -1 : part === '' || part === '.' ? 0 : 1;
    if (depth < 0) throw new Error("refused: the path climbs out of the model's folder with '..'; weights paths must stay inside it");
  }
  const real = await realpath(resolve(folder, file)).catch(() => '');
  if (real === '' || !real.startsWith(folder.endsWith(sep) ? folder : folder + sep)) {
    throw new Error(`no regular file of that name inside the model's folder ${folder} (it is missing, or a link leading out of the folder)`);
  }
  return real;
}
