/**
 * The arena over wasm linear memory: every buffer a kernel touches lives here.
 * Blocks are 64-byte aligned (a cache line, and a multiple of the f32x4 width);
 * freed blocks are coalesced and reused first-fit. The typed-array views are
 * re-made whenever memory grows, so callers read `arena.f32` afresh after any alloc.
 */
const ALIGN = 64;
const PAGE = 65536;

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
  private top: number;
  private readonly free: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();
  /** Which ledger (if any) each live block is recorded in; see {@link withOwner}. */
  private readonly owners = new Map<number, Set<number>>();
  private currentOwner: Set<number> | null = null;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = alignUp(heapBase, ALIGN);
    this.refresh();
  }

  /** Bytes of linear memory now reserved from the host. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out and not yet freed. */
  get bytesInUse(): number {
    let total = 0;
    for (const bytes of this.sizes.values()) total += bytes;
    return total;
  }

  /** Reserves `bytes` (rounded up to 64) and returns the byte offset. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`Arena.alloc: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.max(ALIGN, alignUp(bytes, ALIGN));
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.bytes < size) continue;
      const ptr = block.ptr;
      if (block.bytes === size) this.free.splice(i, 1);
      else { block.ptr += size; block.bytes -= size; }
      this.sizes.set(ptr, size);
      this.record(ptr);
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.sizes.set(ptr, size);
    this.record(ptr);
    return ptr;
  }

  /** Reserves room for `count` float32 values and returns the byte offset. */
  allocF32(count: number): number {
    return this.alloc(count * 4);
  }

  /** Returns a block to the arena; freeing 0 is a no-op. */
  release(ptr: number): void {
    if (ptr === 0) return;
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`Arena.release: ${ptr} is not an allocated block`);
    this.sizes.delete(ptr);
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

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow at least by half again, so a run of allocations does not grow page by page.
    const want = Math.max(end, Math.floor(have * 1.5));
    this.memory.grow(Math.ceil((want - have) / PAGE));
    this.refresh();
  }
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
