// Types of the parts of harness.mjs (plain JS, run by node directly) that the TypeScript benches use.
import type { Page } from 'playwright-core';

/** What a task given to withDeadline registers its clean-ups on, and sees when it timed out. */
export interface DeadlineContext {
  aborted: boolean;
  defer(fn: () => unknown): void;
}

export const ISOLATION: Record<string, string>;
export function withDeadline<T>(task: (ctx: DeadlineContext) => Promise<T>, what: string, ms?: number): Promise<T>;
export function openChromiumPage(ctx: DeadlineContext, dir: string, path: string, headers?: Record<string, string>):
  Promise<{ page: Page; log: string[]; version: string } | undefined>;
