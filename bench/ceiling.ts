// The issue-rate ceiling of f32x4 multiply-adds on this machine: a loop of ten independent
// multiply-adds whose operands stay in registers (no loads, no packing), compiled with the
// project's asc in the plain and the relaxed variant. A GEMM cannot beat it, so its GFLOP/s
// read against this figure, not against a clock-times-width guess.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** AssemblyScript: `steps` rounds of 10 chained-per-accumulator multiply-adds (80 flops a round). */
const SOURCE = `
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
export function maddLoop(steps: i32, s: f32): f32 {
  const a = f32x4.splat(s), b = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4);
  let c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9);
  for (let i = 0; i < steps; i++) {
    c0 = madd(c0, a, b); c1 = madd(c1, a, b); c2 = madd(c2, a, b); c3 = madd(c3, a, b); c4 = madd(c4, a, b);
    c5 = madd(c5, a, b); c6 = madd(c6, a, b); c7 = madd(c7, a, b); c8 = madd(c8, a, b); c9 = madd(c9, a, b);
  }
  const low = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), c4);
  const high = f32x4.add(f32x4.add(f32x4.add(c5, c6), f32x4.add(c7, c8)), c9);
  return f32x4.extract_lane(f32x4.add(low, high), 0);
}
`;

/** Runs in a child Node (so the relaxed variant can have its flag): best GFLOP/s of 7 timed loops. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const bytes = readFileSync(process.argv[2]);
const { maddLoop } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() {} } }).exports;
const steps = 2e7;
maddLoop(1000, 1);
let best = Infinity;
for (let r = 0; r < 7; r++) {
  const t0 = performance.now();
  maddLoop(steps, 1);
  best = Math.min(best, performance.now() - t0);
}
console.log((steps * 80) / (best * 1e6));
`;

export interface Ceiling {
  plain: number | null;
  relaxed: number | null;
}

/** GFLOP/s of the multiply-add loop on one thread, plain and relaxed (null where it cannot run). */
export function maddCeiling(): Ceiling {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-ceiling-'));
  try {
    writeFileSync(join(dir, 'madd.ts'), SOURCE);
    writeFileSync(join(dir, 'run.mjs'), RUNNER);
    const asc = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
    const measure = (variant: 'plain' | 'relaxed'): number | null => {
      const wasm = join(dir, `${variant}.wasm`);
      const features = variant === 'relaxed' ? ['--enable', 'relaxed-simd'] : [];
      try {
        execFileSync(process.execPath, [asc, join(dir, 'madd.ts'), '-O3', '--runtime', 'stub', '-o', wasm, ...features], { stdio: 'ignore' });
        const flags = variant === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
        return Number(execFileSync(process.execPath, [...flags, join(dir, 'run.mjs'), wasm], { encoding: 'utf8' }).trim());
      } catch {
        return null;
      }
    };
    return { plain: measure('plain'), relaxed: measure('relaxed') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
