/**
 * `yieldEvery` of fit and fitDataset (TF.js's names): when training hands the thread back to the
 * event loop, so timers, input and rendering run during a long fit outside a Worker. A yield is a
 * macrotask: awaiting a resolved promise runs only microtasks, which never let a timer fire.
 */
import { checkFiniteNumber, describeValue } from '../core/checks.js';

/**
 * 'auto' (yield once {@link AUTO_YIELD_MS} of work have passed since the last yield), 'batch'
 * (after every batch), 'epoch' (after every epoch), 'never', or a number of milliseconds.
 */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/**
 * The work between two yields under 'auto': one 60 Hz frame. The longest event-loop gap is then
 * this plus one batch; a yield costs tens of microseconds, well under 1% of 16 ms. (TF.js 4's
 * 'auto' waits 125 ms, long enough for a page to stutter.)
 */
export const AUTO_YIELD_MS = 16;

const CHOICES = ['auto', 'batch', 'epoch', 'never'];

/** Throws unless `value` is one of the yieldEvery choices or a finite number of ms ≥ 0. */
export function checkYieldEvery(value: unknown, who: string): YieldEvery {
  if (typeof value === 'number') return checkFiniteNumber(value, who, 'yieldEvery', 'nonNegative');
  if (typeof value === 'string' && CHOICES.includes(value)) return value as YieldEvery;
  throw new RangeError(`${who}: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds ≥ 0, got ${describeValue(value)}`);
}

type Scheduler = (resume: () => void) => void;

/**
 * The cheapest macrotask the runtime has. setImmediate (Node, Bun) runs after the loop's timers
 * and I/O with no delay; setTimeout(0) waits ≥ 1 ms in Node and 4 ms in browsers once nested, a
 * 6–25% tax at a 16 ms budget. MessageChannel (browsers, workers, Deno, workerd) posts a task
 * with no clamp; a channel per yield, closed at once, so no open port keeps a process alive.
 */
function pickScheduler(): Scheduler {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') {
    const setImmediate = g.setImmediate;
    return (resume) => { setImmediate(resume); };
  }
  if (typeof g.MessageChannel === 'function') {
    const Channel = g.MessageChannel;
    return (resume) => {
      const channel = new Channel();
      channel.port1.onmessage = () => { channel.port1.close(); resume(); };
      channel.port2.postMessage(null);
    };
  }
  return (resume) => { setTimeout(resume, 0); };
}

let scheduler: Scheduler | null = null;

/** Resolves in a later macrotask: timers, I/O and rendering run before it does. */
export function nextMacrotask(): Promise<void> {
  scheduler ??= pickScheduler();
  const schedule = scheduler;
  return new Promise((resolve) => schedule(resolve));
}

/**
 * Decides, after each batch and each epoch, whether training yields. Returns a promise only when
 * it does, so a batch that does not yield allocates nothing; 'never' never reads the clock.
 */
export class Yielder {
  /** Work in ms between yields after batches; Infinity for 'epoch' and 'never'. */
  private readonly interval: number;
  private readonly perEpoch: boolean;
  private last: number;
  private readonly resumed = (): void => { this.last = this.now(); };

  /** `now` is the clock in ms; tests pass one they drive, so the rule is checked without timing. */
  constructor(every: YieldEvery, private readonly now: () => number = () => performance.now()) {
    this.interval = every === 'auto' ? AUTO_YIELD_MS : every === 'batch' ? 0 : typeof every === 'number' ? every : Infinity;
    this.perEpoch = every === 'epoch';
    this.last = this.interval === Infinity ? 0 : now();
  }

  /** After a batch: a promise of the next macrotask when the budget is spent, else undefined. */
  afterBatch(): Promise<void> | undefined {
    if (this.interval === Infinity || this.now() - this.last < this.interval) return undefined;
    return nextMacrotask().then(this.resumed);
  }

  /** After an epoch: a promise of the next macrotask under 'epoch', else undefined. */
  afterEpoch(): Promise<void> | undefined {
    return this.perEpoch ? nextMacrotask().then(this.resumed) : undefined;
  }
}
