/**
 * The seedable generator behind every random choice (initialisation, shuffling, dropout):
 * same seed, same sequence, in every runtime (integer arithmetic only).
 */
export class Random {
  private state: number;
  private spareNormal = Number.NaN;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1), mulberry32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = Number.NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.next();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh seed drawn from this generator, for a child generator. */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** Fisher–Yates shuffle of `count` int32 values starting at `offset`, in place. */
  shuffle(values: Int32Array, offset: number, count: number): void {
    for (let i = count - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = values[offset + i];
      values[offset + i] = values[offset + j];
      values[offset + j] = t;
    }
  }
}

let globalRandom = new Random((Math.random() * 4294967296) >>> 0);

/**
 * Seeds the generator used for weight initialisation (and for `fit` when it is given no seed),
 * so that building and training the same model twice gives the same weights.
 */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`setSeed: seed must be a finite number, got ${seed}`);
  globalRandom = new Random(seed);
}

/** The library-wide generator. */
export function getRandom(): Random {
  return globalRandom;
}
