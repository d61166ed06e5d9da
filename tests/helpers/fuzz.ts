// Fuzzing tools: outcome counts, a settle-or-hang race, and telling simdnn's own errors from the engine's.

/** How a mutated file fared. */
export type Outcome =
  | 'error' // refused with simdnn's own message
  | 'same' // accepted, and reads/predicts exactly as the original
  | 'asWritten' // accepted, differs from the original exactly as the mutated file says
  | 'wrong' // accepted but not as the file says, or a valid file refused
  | 'crash' // a non-Error, an engine error (stack overflow, undefined property...), memory kept
  | 'hang'; // did not settle within the limit

/** Counts by outcome, with the first example of each bad outcome for the failure message. */
export class Outcomes {
  readonly counts: Record<Outcome, number> = { error: 0, same: 0, asWritten: 0, wrong: 0, crash: 0, hang: 0 };
  readonly examples: string[] = [];

  add(outcome: Outcome, detail?: string): void {
    this.counts[outcome]++;
    if ((outcome === 'wrong' || outcome === 'crash' || outcome === 'hang') && this.examples.length < 5) this.examples.push(`${outcome}: ${detail}`);
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  toString(): string {
    return Object.entries(this.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  }
}

/** Engine messages: an error carrying one of these was not made by simdnn's checks. */
const ENGINE_MESSAGES = /^(Maximum call stack|Cannot (read|set) propert|.* is not (a function|iterable|defined)|Invalid (array|typed array) length|Array buffer allocation failed|Unexpected (token|end of JSON)|offset is out of bounds|Start offset|RangeError|TypeError|memory access out of bounds|unreachable)/;

/** The reason `e` is not one of simdnn's own errors, or undefined when it is. */
export function notOwnError(e: unknown): string | undefined {
  if (!(e instanceof Error)) return `a non-Error was thrown: ${String(e)}`;
  if (e.message.length < 10) return `an empty message: '${e.message}'`;
  if (ENGINE_MESSAGES.test(e.message)) return `an engine error: ${e.message}`;
  return undefined;
}

/** A hang: the promise did not settle within the limit. */
export class Hang extends Error {}

/** `promise`, or a {@link Hang} rejection once `ms` pass (a hang detector, not a speed check). */
export async function settles<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Hang(`did not settle in ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts uncaught exceptions and unhandled rejections while `body` runs. */
export async function countingUncaught(body: () => Promise<void>): Promise<number> {
  let uncaught = 0;
  const onError = (): void => { uncaught++; };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  return uncaught;
}

/** Element-wise identical, NaN equal to NaN and -0 distinct from 0 (the same computation gives the same bits). */
export function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
