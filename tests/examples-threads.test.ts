// examples/threads in a fresh Node (its ready({ threads: 'auto' }) must be the process's first):
// the CNN trained on one thread and on every core ends with the same bits, each thread count
// prints its line, and the process exits by itself once shutdown() has stopped the workers.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';

describe('examples/threads', () => {
  it('trains the CNN on 1 thread and on every core to bit-identical weights, and exits', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/threads.ts', '--samples', '600'], {
      encoding: 'utf8', timeout: 120_000,
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^1 thread\(s\): CNN 1 epoch\(s\) on 600 digits in [\d.]+ s \(loss [\d.]+\), MLP predict \d+k samples\/s at batch 256$/);
    expect(lines[1]).toMatch(new RegExp(`^${availableParallelism()} thread\\(s\\): CNN 1 epoch\\(s\\) on 600 digits`));
    // The same seeds and data on both rows: the losses printed are the same number.
    expect(lines[1].match(/loss ([\d.]+)/)![1]).toBe(lines[0].match(/loss ([\d.]+)/)![1]);
    expect(lines[2]).toBe(`weights after training on 1 and on ${availableParallelism()} thread(s): bit-identical`);
  });
});
