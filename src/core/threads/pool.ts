/**
 * The worker pool: `size - 1` workers over the caller's shared memory, each with a job slot.
 * The caller posts parts of one kernel call to the workers, runs its own part, then joins;
 * hand-off is Atomics.notify / Atomics.wait on the slots, never a message per job. Workers are
 * unref'd, so they never keep a process alive.
 */
import { ARGS_AT, DONE, EXIT, KERNEL, MAX_ARGS, MESSAGE_AT, MESSAGE_LENGTH, SEQ, SLOT_BYTES, SPIN_US, STATUS, TRAPPED } from './slots.js';
import type { WorkerKind } from './env.js';
import { MAX_POLLS_PER_US, WORKER_SPIN_US, nodeWorkerSource, webWorkerSource } from './worker-source.js';

/**
 * Microseconds the caller polls for its workers' DONE before it sleeps while joining: parts
 * finish within microseconds of each other unless a worker started late, and a sleeping caller
 * takes as long to wake as a worker does (10-110 µs here).
 */
export const JOIN_SPIN_US = 200;

interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  unref?(): void;
  on?(event: string, listener: (value: unknown) => void): void;
  addEventListener?(event: string, listener: (event: { data?: unknown; message?: string }) => void): void;
}

/** A started pool; `size` counts the caller, so a pool of size 1 has no workers. */
export class Pool {
  /** Jobs handed to workers since the pool started (tests read it to see that work was split). */
  jobs = 0;
  private readonly ctl: Int32Array;
  /** Each worker's argument slots (index 0 is unused: the caller). */
  readonly args: Float64Array[] = [];
  private readonly msg: Uint8Array;
  private readonly posted: number[];
  private readonly pendingName: string[];
  private joinSpinUs = JOIN_SPIN_US;

  private constructor(readonly size: number, private readonly workers: AnyWorker[], control: SharedArrayBuffer,
    private readonly names: readonly string[]) {
    this.ctl = new Int32Array(control);
    this.msg = new Uint8Array(control);
    for (let w = 0; w < size; w++) this.args.push(new Float64Array(control, w * SLOT_BYTES + ARGS_AT, MAX_ARGS));
    this.posted = new Array<number>(size).fill(0);
    this.pendingName = new Array<string>(size).fill('');
    this.setSpin();
  }

  /** For measurements: how long workers poll for a job and the caller polls a join before sleeping. */
  setSpin(workerUs = WORKER_SPIN_US, joinUs = JOIN_SPIN_US): void {
    for (let w = 1; w < this.size; w++) Atomics.store(this.ctl, w * (SLOT_BYTES >> 2) + SPIN_US, workerUs);
    this.joinSpinUs = joinUs;
  }

  /** Starts `size - 1` workers on `module` over `memory`; resolves once each has instantiated. */
  static async start(size: number, kind: Exclude<WorkerKind, null>, module: WebAssembly.Module,
    memory: WebAssembly.Memory, names: readonly string[]): Promise<Pool> {
    const control = new SharedArrayBuffer(size * SLOT_BYTES);
    const workers: AnyWorker[] = [];
    const urls: string[] = [];
    try {
      const NodeWorker = kind === 'node' ? await nodeWorkerClass() : null;
      const started: Promise<void>[] = [];
      for (let w = 1; w < size; w++) {
        const worker = NodeWorker ? new NodeWorker(nodeWorkerSource, { eval: true }) : webWorker(urls);
        workers.push(worker);
        started.push(readyMessage(worker));
        worker.postMessage({ module, memory, control, index: w, names });
      }
      await Promise.all(started);
      // Unref'd only now: an unref'd worker could not keep the process alive long enough to say 'ready'.
      for (const worker of workers) worker.unref?.();
    } catch (error) {
      for (const worker of workers) void worker.terminate();
      throw error;
    } finally {
      for (const url of urls) URL.revokeObjectURL(url);
    }
    return new Pool(size, workers, control, names);
  }

  /** Index of a kernel export in the list the workers hold. */
  kernelIndex(name: string): number {
    const index = this.names.indexOf(name);
    if (index < 0) throw new Error(`simdnn: no kernel '${name}' in the threaded build`);
    return index;
  }

  /** Hands worker `w` the kernel `index` (called `name` in errors) with the arguments already in `args[w]`. */
  post(w: number, index: number, name: string): void {
    const base = w * (SLOT_BYTES >> 2);
    this.ctl[base + KERNEL] = index;
    this.ctl[base + STATUS] = 0;
    this.pendingName[w] = name;
    this.posted[w] = (this.posted[w] + 1) | 0;
    this.jobs++;
    Atomics.store(this.ctl, base + SEQ, this.posted[w]);
    Atomics.notify(this.ctl, base + SEQ);
  }

  /** Waits for workers 1 .. parts-1; throws naming the kernel if any of them trapped. */
  join(parts: number): void {
    let failure: Error | null = null;
    // One deadline for the whole join; loads are capped too, for hosts whose clock is coarse.
    const until = performance.now() + this.joinSpinUs / 1000;
    let polls = this.joinSpinUs * MAX_POLLS_PER_US;
    for (let w = 1; w < parts; w++) {
      const base = w * (SLOT_BYTES >> 2);
      const want = this.posted[w];
      let done = Atomics.load(this.ctl, base + DONE);
      for (; done !== want && polls > 0; polls--) {
        done = Atomics.load(this.ctl, base + DONE);
        if ((polls & 63) === 0 && performance.now() > until) polls = 0;
      }
      while (done !== want) {
        Atomics.wait(this.ctl, base + DONE, done);
        done = Atomics.load(this.ctl, base + DONE);
      }
      if (this.ctl[base + STATUS] === TRAPPED && failure === null) failure = this.trapError(w);
    }
    if (failure) throw failure;
  }

  /** Tells every worker to leave its loop, then ends them. */
  async stop(): Promise<void> {
    for (let w = 1; w < this.size; w++) {
      const base = w * (SLOT_BYTES >> 2);
      this.ctl[base + KERNEL] = EXIT;
      Atomics.store(this.ctl, base + SEQ, (this.posted[w] + 1) | 0);
      Atomics.notify(this.ctl, base + SEQ);
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private trapError(w: number): Error {
    const base = w * (SLOT_BYTES >> 2);
    const at = w * SLOT_BYTES + MESSAGE_AT;
    const text = String.fromCharCode(...this.msg.subarray(at, at + this.ctl[base + MESSAGE_LENGTH]));
    return new Error(`simdnn: kernel '${this.pendingName[w]}' trapped in worker ${w}: ${text}`);
  }
}

type NodeWorkerClass = new (source: string, options: { eval: true }) => AnyWorker;

/** worker_threads, imported through a computed specifier so bundlers for other hosts leave it alone. */
async function nodeWorkerClass(): Promise<NodeWorkerClass> {
  const specifier = 'node:worker_threads';
  return ((await import(/* @vite-ignore */ specifier)) as { Worker: NodeWorkerClass }).Worker;
}

/** A Web Worker from a Blob URL (kept in `urls` until the worker has started: it may load it late). */
function webWorker(urls: string[]): AnyWorker {
  const url = URL.createObjectURL(new Blob([webWorkerSource], { type: 'text/javascript' }));
  urls.push(url);
  const WebWorker = (globalThis as unknown as { Worker: new (url: string, options: { type: 'module' }) => AnyWorker }).Worker;
  // A module worker: Deno has no classic ones; browsers and Bun run both.
  return new WebWorker(url, { type: 'module' });
}

/** Resolves on the worker's 'ready'; rejects if it fails to start. */
function readyMessage(worker: AnyWorker): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: unknown): void => reject(new Error(`a worker failed to start: ${describe(error)}`));
    if (worker.on) {
      worker.on('message', (m) => { if (m === 'ready') resolve(); });
      worker.on('error', fail);
      worker.on('exit', (code) => fail(`it exited with code ${String(code)}`));
    } else {
      worker.addEventListener!('message', (event) => { if (event.data === 'ready') resolve(); });
      worker.addEventListener!('error', (event) => fail(event.message ?? event));
    }
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
