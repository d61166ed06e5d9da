// The issue-rate ceiling of fused f32x4 multiply-adds on one core: a loop of ten independent
// `relaxed_madd` chains whose operands stay in registers (no loads, no packing). No GEMM on this
// core can beat it, so the relaxed build's GFLOP/s read against it. Only the relaxed variant is
// measured: with baseline SIMD, the loop-invariant multiply of a plain mul + add is folded out of
// the loop by the optimiser, and a loop that keeps it is bound by latency, not issue.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHAINS = 10;

/** AssemblyScript: `steps` rounds of CHAINS independent fused multiply-adds (8 flops each). */
const SOURCE = `
export function maddLoop(steps: i32, s: f32): f32 {
  const a = f32x4.splat(s), b = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(1), c2 = f32x4.splat(2), c3 = f32x4.splat(3), c4 = f32x4.splat(4);
  let c5 = f32x4.splat(5), c6 = f32x4.splat(6), c7 = f32x4.splat(7), c8 = f32x4.splat(8), c9 = f32x4.splat(9);
  for (let i = 0; i < steps; i++) {
    c0 = f32x4.relaxed_madd(a, b, c0); c1 = f32x4.relaxed_madd(a, b, c1); c2 = f32x4.relaxed_madd(a, b, c2);
    c3 = f32x4.relaxed_madd(a, b, c3); c4 = f32x4.relaxed_madd(a, b, c4); c5 = f32x4.relaxed_madd(a, b, c5);
    c6 = f32x4.relaxed_madd(a, b, c6); c7 = f32x4.relaxed_madd(a, b, c7); c8 = f32x4.relaxed_madd(a, b, c8);
    c9 = f32x4.relaxed_madd(a, b, c9);
  }
  const low = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), c4);
  const high = f32x4.add(f32x4.add(f32x4.add(c5, c6), f32x4.add(c7, c8)), c9);
  return f32x4.extract_lane(f32x4.add(low, high), 0);
}
`;

/** Runs in a child Node (Node 20 needs the relaxed-SIMD flag): best GFLOP/s of 7 timed loops. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const { maddLoop } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(process.argv[2])), { env: { abort() {} } }).exports;
const steps = 2e7;
maddLoop(1000, 1);
let best = Infinity;
for (let r = 0; r < 7; r++) {
  const t0 = performance.now();
  maddLoop(steps, 1);
  best = Math.min(best, performance.now() - t0);
}
console.log((steps * ${CHAINS * 8}) / (best * 1e6));
`;

/** GFLOP/s of the fused multiply-add loop on one thread, or why it could not be measured. */
export function maddCeiling(): { gflops: number | null; why?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'simdnn-ceiling-'));
  try {
    writeFileSync(join(dir, 'madd.ts'), SOURCE);
    writeFileSync(join(dir, 'run.mjs'), RUNNER);
    const asc = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
    // Its own folder as cwd, so the project's asconfig.json (entries, output files) stays out of it.
    execFileSync(process.execPath, [asc, 'madd.ts', '-O3', '--runtime', 'stub', '--enable', 'simd,relaxed-simd', '-o', 'madd.wasm', '-t', 'madd.wat'],
      { cwd: dir, stdio: 'pipe', timeout: 120_000 });
    const fused = readFileSync(join(dir, 'madd.wat'), 'utf8').match(/f32x4\.relaxed_madd/g)?.length ?? 0;
    if (fused !== CHAINS) return { gflops: null, why: `the compiled loop has ${fused} relaxed_madd, not ${CHAINS}` };
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', 'run.mjs', 'madd.wasm'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    return { gflops: Number(out.trim()) };
  } catch (error) {
    return { gflops: null, why: String((error as Error).message).split('\n')[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
