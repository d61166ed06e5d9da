/**
 * The arena over wasm linear memory: every buffer a kernel touches lives here.
 * Blocks are 64-byte aligned (a cache line, and a multiple of the f32x4 width);
 * freed blocks are coalesced and reused first-fit. The typed-array views are
 * re-made whenever memory grows, so callers read `arena.f32` afresh after any alloc.
 * Every block is tagged with a {@link MemoryKind}, so `nn.memory()` reports bytes by kind, and
 * memory grows by half again up to the 4 GiB limit of 32-bit wasm, then by exactly what is needed.
 */
const ALIGN = 64;
const PAGE = 65536;
/** Linear memory of 32-bit WebAssembly ends at 4 GiB (65536 pages). */
export const WASM32_LIMIT_BYTES = 65536 * PAGE;

/** What a block of the arena holds (the keys of `nn.memory().bytes`). */
export type MemoryKind = 'params' | 'grads' | 'slots' | 'activations' | 'scratch' | 'staged' | 'other';

/** Every kind, in the order `nn.memory()` lists them. */
export const MEMORY_KINDS: readonly MemoryKind[] = ['params', 'grads', 'slots', 'activations', 'scratch', 'staged', 'other'];

/** Kind and description for the allocations made inside {@link Arena.withTag}. */
export interface MemoryTag {
  /** Kind of the blocks allocated without one of their own. */
  kind?: MemoryKind;
  /** What is being allocated, e.g. "model 'mlp'"; out-of-memory errors name it. */
  label?: string;
}

interface FreeBlock {
  ptr: number;
  bytes: number;
}

/** Allocator over wasm linear memory (see the file comment). */
export class Arena {
  /** Float32 view of the whole linear memory; index with `ptr >>> 2`. */
  f32!: Float32Array;
  /** Int32 view of the whole linear memory; index with `ptr >>> 2`. */
  i32!: Int32Array;
  /** Byte view of the whole linear memory. */
  u8!: Uint8Array;
  /** Largest linear memory the arena may grow to, in bytes. */
  readonly limitBytes: number;
  private top: number;
  private readonly free: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();
  private readonly kinds = new Map<number, MemoryKind>();
  private readonly kindBytes = new Map<MemoryKind, number>(MEMORY_KINDS.map((kind) => [kind, 0]));
  private inUse = 0;
  private tagKind: MemoryKind = 'other';
  private readonly tagLabels: string[] = [];
  /** Which ledger (if any) each live block is recorded in; see {@link withOwner}. */
  private readonly owners = new Map<number, Set<number>>();
  private currentOwner: Set<number> | null = null;

  /**
   * @param memory the linear memory to allocate from
   * @param heapBase first byte the arena may use (past the module's static data)
   * @param limitBytes the memory's maximum: 4 GiB for 32-bit wasm, or the `maximum` it was made with
   */
  constructor(private readonly memory: WebAssembly.Memory, heapBase: number, limitBytes = WASM32_LIMIT_BYTES) {
    if (!Number.isInteger(limitBytes) || limitBytes <= 0 || limitBytes > WASM32_LIMIT_BYTES || limitBytes % PAGE !== 0) {
      throw new RangeError(`Arena: limitBytes must be a whole number of 64 KiB pages up to 4 GiB, got ${limitBytes}`);
    }
    this.limitBytes = limitBytes;
    this.top = alignUp(heapBase, ALIGN);
    this.refresh();
  }

  /** Bytes of linear memory now reserved from the host. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out and not yet freed. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** Bytes handed out and not yet freed, by kind (in the order of {@link MEMORY_KINDS}). */
  bytesByKind(): Record<MemoryKind, number> {
    return Object.fromEntries(this.kindBytes) as Record<MemoryKind, number>;
  }

  /**
   * Reserves `bytes` (rounded up to 64) and returns the byte offset.
   * @param kind what the block holds; default: that of the enclosing {@link withTag}, else 'other'
   * @param what names the block in an out-of-memory error, e.g. "Dense 'dense_1' kernel"
   */
  alloc(bytes: number, kind?: MemoryKind, what?: string): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`Arena.alloc: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.max(ALIGN, alignUp(bytes, ALIGN));
    let ptr = -1;
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.bytes < size) continue;
      ptr = block.ptr;
      if (block.bytes === size) this.free.splice(i, 1);
      else { block.ptr += size; block.bytes -= size; }
      break;
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size, bytes, what);
      this.top = ptr + size;
    }
    const tag = kind ?? this.tagKind;
    this.sizes.set(ptr, size);
    this.kinds.set(ptr, tag);
    this.kindBytes.set(tag, this.kindBytes.get(tag)! + size);
    this.inUse += size;
    this.record(ptr);
    return ptr;
  }

  /** Reserves room for `count` float32 values and returns the byte offset (see {@link alloc}). */
  allocF32(count: number, kind?: MemoryKind, what?: string): number {
    return this.alloc(count * 4, kind, what);
  }

  /**
   * Runs `fn` with its allocations tagged: those without a kind of their own get `tag.kind`, and
   * out-of-memory errors name `tag.label` (labels of nested calls are joined, outermost first).
   */
  withTag<T>(tag: MemoryTag, fn: () => T): T {
    const previous = this.tagKind;
    if (tag.kind) this.tagKind = tag.kind;
    if (tag.label) this.tagLabels.push(tag.label);
    try {
      return fn();
    } finally {
      this.tagKind = previous;
      if (tag.label) this.tagLabels.pop();
    }
  }

  /** Returns a block to the arena; freeing 0 is a no-op. */
  release(ptr: number): void {
    if (ptr === 0) return;
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`Arena.release: ${ptr} is not an allocated block`);
    this.sizes.delete(ptr);
    const kind = this.kinds.get(ptr)!;
    this.kinds.delete(ptr);
    this.kindBytes.set(kind, this.kindBytes.get(kind)! - size);
    this.inUse -= size;
    this.owners.get(ptr)?.delete(ptr);
    this.owners.delete(ptr);
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes: size });
    // Merge with the following and the preceding block where they touch.
    const next = this.free[i + 1];
    if (next && ptr + size === next.ptr) { this.free[i].bytes += next.bytes; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.bytes === ptr) { prev.bytes += this.free[i].bytes; this.free.splice(i, 1); i--; }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) { this.top = last.ptr; this.free.pop(); }
  }

  /**
   * Runs `fn` recording every block it allocates in `ledger` (a block leaves its ledger when
   * released), so an owner can later free what is still live with {@link releaseAll}.
   * Only for synchronous work: an await inside would attribute others' blocks to this ledger.
   */
  withOwner<T>(ledger: Set<number>, fn: () => T): T {
    const previous = this.currentOwner;
    this.currentOwner = ledger;
    try {
      return fn();
    } finally {
      this.currentOwner = previous;
    }
  }

  /** Records an already-allocated block in `ledger` (e.g. weights built before their model). */
  adopt(ledger: Set<number>, ptr: number): void {
    if (!this.sizes.has(ptr) || this.owners.has(ptr)) return;
    ledger.add(ptr);
    this.owners.set(ptr, ledger);
  }

  /** Releases every block still recorded in `ledger`. */
  releaseAll(ledger: Set<number>): void {
    for (const ptr of [...ledger]) this.release(ptr);
  }

  private record(ptr: number): void {
    if (this.currentOwner === null) return;
    this.currentOwner.add(ptr);
    this.owners.set(ptr, this.currentOwner);
  }

  /** Re-creates the typed-array views; needed after `memory.grow` detaches the old buffer. */
  refresh(): void {
    const buffer = this.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }

  /**
   * Grows linear memory to hold `end` bytes: by half again, so a run of allocations does not
   * grow page by page, but never past the limit: then by exactly what is needed.
   */
  private ensure(end: number, asked: number, what: string | undefined): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needed = alignUp(end, PAGE);
    if (needed > this.limitBytes) throw this.outOfMemory(asked, what, `linear memory would have to grow to ${formatBytes(needed)}`);
    const generous = alignUp(Math.floor(have * 1.5), PAGE);
    const want = generous > needed && generous <= this.limitBytes ? generous : needed;
    if (!this.tryGrow(want - have) && (want === needed || !this.tryGrow(needed - have))) {
      throw this.outOfMemory(asked, what, `the host refused to grow linear memory from ${formatBytes(have)} to ${formatBytes(needed)}`);
    }
    this.refresh();
  }

  private tryGrow(bytes: number): boolean {
    try {
      this.memory.grow(bytes / PAGE);
      return true;
    } catch (error) {
      if (error instanceof RangeError) return false; // "Unable to grow instance memory"
      throw error;
    }
  }

  private outOfMemory(asked: number, what: string | undefined, why: string): RangeError {
    const subject = [...this.tagLabels, what].filter((part) => part).join(': ') || 'a buffer';
    return new RangeError(`out of wasm memory: ${subject} asked for ${formatBytes(asked)} (${asked} bytes) ` +
      `with ${formatBytes(this.inUse)} (${this.inUse} bytes) in use of the ${formatBytes(this.limitBytes)} (${this.limitBytes} bytes) limit; ` +
      `${why}. Dispose models you no longer need (model.dispose()), or use a smaller model or batch size`);
  }
}

/** '1.50 GiB', '2.00 MiB', '512 B'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
