/// <reference types="node" />
/**
 * A dataset of `{ xs, ys }` batches read from files as training asks for them: each pass (epoch)
 * opens the files, reads records in file order into a fixed pool, and hands out batches drawn from
 * a shuffle buffer of `shuffleBuffer` records (as TF.js's `dataset.shuffle`), so the memory held
 * is the pool, one batch and the file reader's chunk, whatever the size of the files.
 */
import { checkBoolean, checkCount, checkFiniteNumber, checkPositiveInteger } from '../core/checks.js';
import { Random, getRandom } from '../core/random.js';
import { Tensor } from '../core/tensor.js';

/** One pass over a data set's files, record by record in file order. */
export interface RecordReader {
  /** Bytes one record takes in the pool. */
  readonly recordBytes: number;
  /**
   * Reads up to `n` records into `pool` from record `first`, and their class indices into
   * `classes` from `first`; returns how many, 0 once the files end (and were checked to end there).
   */
  read(n: number, pool: Uint8Array, first: number, classes: Uint8Array): Promise<number>;
  /** Writes record `r` of `pool` as float32 values from `out[at]`. */
  decode(pool: Uint8Array, r: number, out: Float32Array, at: number): void;
  /** Closes the files. */
  close(): Promise<void>;
}

/** Options every streamed dataset takes. */
export interface StreamArgs {
  /** Samples per batch (the last one of a pass may be smaller); default 32. */
  batchSize?: number;
  /** Records held to shuffle from (TF.js `shuffle(bufferSize)`); 0 (default) or 1 keeps file order. */
  shuffleBuffer?: number;
  /** Seed of the shuffling; each pass draws its own order from it. Default: from `nn.setSeed`'s generator. */
  seed?: number;
  /** Labels as class indices [N] (for sparseCategoricalCrossentropy) rather than one-hot [N, classes]; default false. */
  sparse?: boolean;
  /** Pixel values scaled to [0, 1] (divided by 255); default true. */
  normalize?: boolean;
}

/** The keys of {@link StreamArgs}, for option checks. */
export const STREAM_KEYS = ['batchSize', 'shuffleBuffer', 'seed', 'sparse', 'normalize'] as const;

/** A dataset streamed from files, walked anew (reopened) on every pass. */
export class StreamedDataset implements AsyncIterable<{ xs: Tensor; ys: Tensor }> {
  readonly batchSize: number;
  readonly shuffleBuffer: number;
  readonly sparse: boolean;
  private readonly random: Random;

  constructor(
    private readonly openReader: () => Promise<RecordReader>,
    /** Per-sample shape of xs. */
    readonly sampleShape: readonly number[],
    /** Classes of the labels. */
    readonly numClasses: number,
    /** Samples per pass, or null when a gzip-compressed file hides it until inflated. */
    readonly size: number | null,
    args: StreamArgs,
    who: string,
  ) {
    this.batchSize = args.batchSize === undefined ? 32 : checkPositiveInteger(args.batchSize, who, 'batchSize');
    this.shuffleBuffer = args.shuffleBuffer === undefined ? 0 : checkCount(args.shuffleBuffer, who, 'shuffleBuffer');
    this.sparse = args.sparse === undefined ? false : checkBoolean(args.sparse, who, 'sparse');
    this.random = new Random(args.seed === undefined ? getRandom().seed() : checkFiniteNumber(args.seed, who, 'seed'));
  }

  /** Batches of this pass: the files are opened here and closed when the pass ends or is abandoned. */
  async *[Symbol.asyncIterator](): AsyncGenerator<{ xs: Tensor; ys: Tensor }> {
    const random = new Random(this.random.seed());
    const reader = await this.openReader();
    try {
      const batch = this.batchSize;
      const kept = this.shuffleBuffer > 1 ? this.shuffleBuffer : 0;
      const bytes = reader.recordBytes;
      const per = this.sampleShape.reduce((a, d) => a * d, 1);
      // Records [0, kept) are the shuffle buffer; [kept, kept + batch) the records just read.
      const pool = new Uint8Array((kept + batch) * bytes);
      const classes = new Uint8Array(kept + batch);
      let held = kept > 0 ? await reader.read(kept, pool, 0, classes) : 0;
      for (;;) {
        const read = await reader.read(batch, pool, kept, classes);
        const n = kept > 0 ? Math.min(batch, held + read) : read;
        if (n === 0) return;
        const x = new Float32Array(n * per);
        const y = new Float32Array(this.sparse ? n : n * this.numClasses);
        for (let j = 0; j < n; j++) {
          const r = kept > 0 ? random.int(held) : kept + j;
          reader.decode(pool, r, x, j * per);
          if (this.sparse) y[j] = classes[r];
          else y[j * this.numClasses + classes[r]] = 1;
          if (kept === 0) continue;
          // The slot drawn from takes the next record read, or, once the files ended, the last one held.
          const from = j < read ? kept + j : --held;
          pool.copyWithin(r * bytes, from * bytes, (from + 1) * bytes);
          classes[r] = classes[from];
        }
        yield { xs: new Tensor(x, [n, ...this.sampleShape]), ys: new Tensor(y, this.sparse ? [n] : [n, this.numClasses]) };
      }
    } finally {
      await reader.close();
    }
  }
}
