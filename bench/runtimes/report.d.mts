// Types of report.mjs (plain JS, so the runner needs no build step), for tests/bench-runtimes-report.test.ts.

export interface ModelWeights { hash: string; hex: string }
export interface BenchResult {
  config: 'one' | 'all' | 'relaxed';
  backend: { threads: number; simd: 'plain' | 'relaxed'; why?: string };
  env?: { hardwareConcurrency: number | null; worker: boolean; sharedArrayBuffer: boolean; crossOriginIsolated: boolean | null };
  samples: Record<'gemm256' | 'gemm1024' | 'mlpEpoch' | 'cnnEpoch' | 'predict1' | 'predict256', number[]>;
  mlp: ModelWeights;
  cnn: ModelWeights;
}
export interface Row { runtime: string; version?: string; config: BenchResult['config']; result?: BenchResult; error?: string }

export function figures(samples: BenchResult['samples']): Record<keyof BenchResult['samples'], number>;
export function compareModel(got: ModelWeights, want: ModelWeights): { same: boolean; maxDiff: number };
export function verdict(got: BenchResult, want: BenchResult): { same: boolean; text: string };
export function weightsCell(runtime: string, result: BenchResult, node: Partial<Record<BenchResult['config'], BenchResult>>): { fail: boolean; text: string };
export function configCell(result: BenchResult, note: (text: string) => number): string;
export function markdownTable(rows: Row[]): { table: string; notes: string[]; failed: boolean };
