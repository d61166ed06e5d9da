// The event loop stays responsive during fit under yieldEvery 'auto': a 5 ms setInterval measures
// the longest gap between its ticks while the example CNN (examples/mnist-cnn.ts) trains one epoch
// on the built-in MNIST split, through the built package ('simdnn' resolves to dist/).
//
// The gaps and the epoch-time cost are printed, not asserted: wall-clock and even process CPU time
// (which counts the other test files' worker threads and V8's GC threads) vary with the machine's
// load, and a test must pass on every run. The yield rule itself (16 ms of work, then at most one
// batch) is checked on a clock the test drives, in tests/yield-every.test.ts. What is asserted here
// holds on any machine: under 'auto' the timer fires many times during an epoch (each yield lets a
// due timer run), and under 'never' not once (the whole fit is one gap).
import { loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { mnistCnn } from '../examples/mnist-cnn.js';

interface Gaps {
  /** Longest wall-clock time between two ticks (or a tick and the start or end), ms. */
  wall: number;
  /** Most CPU time the process used between two ticks, ms. */
  cpu: number;
  /** Ticks of the timer while `run` ran. */
  ticks: number;
  seconds: number;
}

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** The longest gaps between the ticks of a 5 ms interval timer while `run` runs, and how long it ran. */
async function measure(run: () => Promise<unknown>): Promise<Gaps> {
  let lastWall = performance.now();
  let lastCpu = cpuMs();
  const gaps = { wall: 0, cpu: 0, ticks: 0 };
  const tick = (): void => {
    const wall = performance.now();
    const cpu = cpuMs();
    gaps.wall = Math.max(gaps.wall, wall - lastWall);
    gaps.cpu = Math.max(gaps.cpu, cpu - lastCpu);
    lastWall = wall;
    lastCpu = cpu;
    gaps.ticks++;
  };
  const timer = setInterval(tick, 5);
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  const ticks = gaps.ticks;
  tick(); // the stretch from the last tick to the end
  return { ...gaps, ticks, seconds };
}

describe('yieldEvery on the example CNN', () => {
  it("'auto' lets timers run all through an epoch, 'never' not once (the gaps and the epoch-time cost are printed)", async () => {
    await nn.ready();
    nn.setSeed(1);
    const { train } = nn.data.mnist(); // 7,996 digits: one epoch at batch 8 takes about 1.7 s of CPU
    const model = mnistCnn();
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    // Batch 8: one step of this CNN takes about 1.7 ms of CPU (1.67 s per epoch of 1,000 steps).
    const batchSize = 8;
    await model.fit(train.x, train.y, { batchSize, epochs: 1, seed: 1, verbose: 0, yieldEvery: 'never' }); // the plan and the JIT warmed up
    const runs: Record<'never' | 'auto', Gaps[]> = { never: [], auto: [] };
    for (const yieldEvery of ['never', 'auto', 'never', 'auto'] as const) {
      runs[yieldEvery].push(await measure(() => model.fit(train.x, train.y, { batchSize, epochs: 1, seed: 1, verbose: 0, yieldEvery })));
    }
    model.dispose();
    const most = (mode: 'never' | 'auto', key: 'wall' | 'cpu') => Math.max(...runs[mode].map((r) => r[key]));
    const seconds = (mode: 'never' | 'auto') => runs[mode].reduce((s, r) => s + r.seconds, 0) / runs[mode].length;
    const cost = (seconds('auto') / seconds('never') - 1) * 100;
    console.log(`example CNN, ${train.labels.length} digits, batch ${batchSize}, load average ${loadavg()[0].toFixed(1)} on this machine: ` +
      `longest event-loop gap under 'auto' ${most('auto', 'wall').toFixed(1)} ms wall-clock, ${most('auto', 'cpu').toFixed(1)} ms of CPU, ` +
      `${Math.min(...runs.auto.map((r) => r.ticks))} ticks or more per epoch (under 'never': ${most('never', 'wall').toFixed(0)} ms, ${most('never', 'cpu').toFixed(0)} ms); ` +
      `epoch ${seconds('never').toFixed(3)} s under 'never', ${seconds('auto').toFixed(3)} s under 'auto' (${cost >= 0 ? '+' : ''}${cost.toFixed(1)}%), ` +
      'mean of two epochs each, alternated');
    // An epoch is 1,000 batches of about 1.7 ms: even on a machine fifty times faster it outlasts
    // 16 ms many times over, so 'auto' yields again and again, and a yield lets the due timer run.
    for (const run of runs.auto) expect(run.ticks).toBeGreaterThan(0);
    for (const run of runs.never) expect(run.ticks).toBe(0);
  });
});
