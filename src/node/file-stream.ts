/// <reference types="node" />
/**
 * A data file read front to back in pieces, never whole: a regular file only (as readRegularFile
 * opens it), its own bytes, or, when it starts with the gzip magic number, its content inflated
 * chunk by chunk as it is asked for. What is held at once is one compressed chunk and one inflated
 * chunk, whatever the size of the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from './read-file.js';

/** Compressed bytes read from the file per pull: small, as one chunk of a gzip bomb inflates a thousandfold. */
const CHUNK_BYTES = 16 * 1024;

/** Sequential reads of a plain or gzip-compressed file. */
export class FileStream {
  /** Inflated bytes handed out so far (or file bytes, for a plain file). */
  position = 0;
  private pending: Uint8Array | null = null;
  private pendingAt = 0;
  private ended = false;

  private constructor(
    private readonly handle: FileHandle,
    /** The file's size on disk. */
    readonly size: number,
    /** Whether the content is inflated from gzip. */
    readonly gzip: boolean,
    /** What errors name the file as: "who: path". */
    readonly name: string,
    private readonly inflated: ReadableStreamDefaultReader<Uint8Array> | null,
  ) {}

  /** Opens `path` (`who` and `arg` name it in errors); a FIFO, device or directory is refused unopened. */
  static async open(path: string, who: string, arg: string): Promise<FileStream> {
    if (typeof path !== 'string' || path === '') throw new TypeError(`${who}: ${arg} must be a non-empty path string, got ${JSON.stringify(path)}`);
    let file;
    try {
      file = await openRegularFile(path);
    } catch (e) {
      throw new Error(`${who}: cannot read ${arg} ${path}: ${(e as Error).message}`);
    }
    const { handle, size } = file;
    try {
      const magic = new Uint8Array(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      const gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      if (gzip && typeof DecompressionStream === 'undefined') throw new Error(`${who}: ${arg} ${path} is gzip-compressed but this runtime has no DecompressionStream`);
      return new FileStream(handle, size, gzip, `${who}: ${path}`, gzip ? inflate(handle) : null);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Reads into `into[offset, offset + length)`; returns the bytes read, fewer than `length` only at
   * the end of the content. A corrupt or truncated gzip stream is an error naming the file.
   */
  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    let done = 0;
    while (done < length && !this.ended) {
      if (this.inflated) {
        if (!this.pending || this.pendingAt === this.pending.length) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await this.inflated.read();
          } catch (e) {
            throw new Error(`${this.name} is gzip-compressed but corrupt or truncated (${(e as Error).message})`);
          }
          if (next.done) { this.ended = true; break; }
          this.pending = next.value;
          this.pendingAt = 0;
          continue;
        }
        const n = Math.min(length - done, this.pending.length - this.pendingAt);
        into.set(this.pending.subarray(this.pendingAt, this.pendingAt + n), offset + done);
        this.pendingAt += n;
        done += n;
      } else {
        const { bytesRead } = await this.handle.read(into, offset + done, length - done, this.position + done);
        if (bytesRead === 0) this.ended = true;
        done += bytesRead;
      }
    }
    this.position += done;
    return done;
  }

  /** Closes the file (and stops inflating). */
  async close(): Promise<void> {
    await this.inflated?.cancel().catch(() => {});
    await this.handle.close();
  }
}

/** The file's gzip content as a stream, pulling a compressed chunk only when more output is wanted. */
function inflate(handle: FileHandle): ReadableStreamDefaultReader<Uint8Array> {
  let at = 0;
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = new Uint8Array(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, at);
      at += bytesRead;
      if (bytesRead === 0) controller.close();
      else controller.enqueue(chunk.subarray(0, bytesRead));
    },
  }, { highWaterMark: 1 });
  return compressed.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
}
