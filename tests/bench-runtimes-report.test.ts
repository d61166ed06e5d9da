// The cross-runtime bench's verdicts (bench/runtimes/report.mjs), without running a runtime:
// a plain-build run whose weights differ from Node's fails the command, a relaxed one never does;
// and the workload's synthetic digits are the same from the same seed.
import { describe, expect, it } from 'vitest';
import { markdownTable, type BenchResult, type Row } from '../bench/runtimes/report.mjs';
import { syntheticDigits } from '../bench/runtimes/workload.mjs';

const hexOf = (values: number[]): string =>
  Array.from(new Uint8Array(Float32Array.from(values).buffer), (b) => b.toString(16).padStart(2, '0')).join('');

function result(config: BenchResult['config'], mlp: number[], simd: 'plain' | 'relaxed' = 'plain', why?: string): BenchResult {
  const sample = [1];
  return {
    config,
    backend: { threads: config === 'all' ? 2 : 1, simd, ...(why ? { why } : {}) },
    samples: { gemm256: sample, gemm1024: sample, mlpEpoch: sample, cnnEpoch: sample, predict1: sample, predict256: sample },
    mlp: { hash: 'h', hex: hexOf(mlp) },
    cnn: { hash: 'h', hex: hexOf([0.5, -0.25]) },
  };
}

const node: Row[] = [
  { runtime: 'node', version: 'node 20', config: 'one', result: result('one', [1, 2, 3]) },
  { runtime: 'node', version: 'node 20', config: 'all', result: result('all', [1, 2, 3]) },
  { runtime: 'node', version: 'node 20', config: 'relaxed', result: result('relaxed', [1, 2, 3.0000002], 'relaxed') },
];
const cellOf = (table: string, line: number): string => table.split('\n')[line].split(' | ').at(-1)!;

describe('bench:runtimes report', () => {
  it('passes identical plain weights and flags a plain run that differs, with its largest difference', () => {
    const same = markdownTable([...node, { runtime: 'deno', version: 'deno 2', config: 'one', result: result('one', [1, 2, 3]) }]);
    expect(same.failed).toBe(false);
    expect(cellOf(same.table, 5)).toBe('bit-identical |');
    const differs = markdownTable([...node, { runtime: 'deno', version: 'deno 2', config: 'all', result: result('all', [1, 2.5, 3]) }]);
    expect(differs.failed).toBe(true);
    expect(cellOf(differs.table, 5)).toBe('DIFFERS (MLP max \\|diff\\| 5.0e-1, CNN bit-identical) |');
  });

  it('reports relaxed differences against Node relaxed and plain without failing', () => {
    const { failed, table } = markdownTable([...node, { runtime: 'bun', version: 'bun 1', config: 'relaxed', result: result('relaxed', [1, 2, 3], 'relaxed') }]);
    expect(failed).toBe(false);
    expect(cellOf(table, 5)).toMatch(/^vs Node relaxed: DIFFERS \(MLP max \\\|diff\\\| 2\.4e-7, CNN bit-identical\); vs Node plain: bit-identical \|$/);
    expect(cellOf(table, 4)).toMatch(/^vs Node plain: DIFFERS/);
  });

  it('holds a relaxed config that fell back to plain to the plain rule, with its why as a footnote', () => {
    const fellBack = result('relaxed', [1, 2, 4], 'plain', 'relaxed SIMD is not supported by this engine');
    const { failed, table, notes } = markdownTable([...node, { runtime: 'bun', version: 'bun 1', config: 'relaxed', result: fellBack }]);
    expect(failed).toBe(true);
    expect(table.split('\n')[5]).toContain('relaxed → plain, 1 thread [1]');
    expect(notes).toEqual(['relaxed SIMD is not supported by this engine']);
  });

  it('fails on a run that errored', () => {
    const { failed, table } = markdownTable([...node, { runtime: 'workerd', config: 'one', error: 'workerd exited with 1\nmore' }]);
    expect(failed).toBe(true);
    expect(cellOf(table, 5)).toBe('ERROR [1] |');
  });
});

describe('bench:runtimes workload', () => {
  it('makes the same synthetic digits from the same seed, pixels in [0, 1], all 10 classes', () => {
    const a = syntheticDigits(200, 7), b = syntheticDigits(200, 7);
    expect(a.x.every((v, i) => v === b.x[i]) && a.labels.every((v, i) => v === b.labels[i])).toBe(true);
    expect(a.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(new Set(a.labels).size).toBe(10);
  });
});
