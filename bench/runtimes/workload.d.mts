// Types of the parts of workload.mjs (plain JS, run unbuilt in every runtime) that tests/bench-runtimes-report.test.ts uses.
export function syntheticDigits(n: number, seed: number): { x: Float32Array; labels: Uint8Array };
export function fnv1a(bytes: Uint8Array, h?: number): number;
