/// <reference types="node" />
/**
 * Reading a file named by a stranger without hanging or reading without bound: only a regular
 * file is opened (opening a FIFO for reading blocks, and a device such as /dev/zero never ends),
 * the open handle is checked to be the file that was checked, and no more bytes are read than
 * its size when checked (or a caller's limit).
 */
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep, win32 } from 'node:path';

// O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still returns at once.
// O_NOFOLLOW: nor is a symlink put in its place followed. Both are 0 where the platform lacks them.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * The bytes of the regular file at `path` (followed through symlinks), at most `maxBytes` of
 * them: a larger file is refused before anything is read, with its size in the message
 * (`describe` turns the size and limit into that message).
 */
export async function readRegularFile(path: string, maxBytes = Infinity, describe?: (size: number, max: number) => string): Promise<Uint8Array> {
  const real = await realpath(path);
  const checked = await stat(real);
  if (!checked.isFile()) throw new Error(`not a regular file (${kindOf(checked)})`);
  if (checked.size > maxBytes) throw new Error(describe ? describe(checked.size, maxBytes) : `${checked.size} bytes, more than the ${maxBytes} expected`);
  const handle = await open(real, OPEN_FLAGS);
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== checked.ino || opened.dev !== checked.dev) {
      throw new Error('the file was replaced while it was being opened');
    }
    const bytes = new Uint8Array(checked.size);
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
      if (bytesRead === 0) throw new Error(`the file shrank while it was read: ${at} of ${checked.size} bytes`);
      at += bytesRead;
    }
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
