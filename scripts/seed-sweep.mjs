#!/usr/bin/env node
// Seed sweep: runs every random-input test file (those that call freshSeed()) under many seeds in
// one Vitest process, prints each failing seed with its assertion and a replay command, and exits
// non-zero on any failure.
//
//   npm run test:sweep -- 300                      300 seeds over all random-input files
//   npm run test:sweep -- 50 --base 7 tests/kernels-optim.test.ts
//
// Seeds are base + 7919·k for k = 1..count (base 0 unless --base). The seed reaches the tests through
// Vitest's provide/inject (see freshSeed in tests/helpers/kernels.ts); TEST_SEED=<n> replays one.
// The test files are re-run in the same workers without isolation, so dependencies load once.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createVitest } from 'vitest/node';

const usage = 'usage: node scripts/seed-sweep.mjs <count> [--base <n>] [test files...]';
const args = process.argv.slice(2);
let count = NaN, base = 0;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base') base = Number(args[++i]);
  else if (args[i].startsWith('-')) { console.error(`unknown option ${args[i]}\n${usage}`); process.exit(2); }
  else if (Number.isNaN(count) && /^\d+$/.test(args[i])) count = Number(args[i]);
  else files.push(args[i]);
}
if (!(count >= 1) || !Number.isInteger(base)) { console.error(usage); process.exit(2); }
if (files.length === 0) {
  for (const name of readdirSync('tests').sort()) {
    if (name.endsWith('.test.ts') && readFileSync(`tests/${name}`, 'utf8').includes('freshSeed(')) files.push(`tests/${name}`);
  }
}
delete process.env.TEST_SEED; // a fixed seed would win over the swept one

const vitest = await createVitest('test', {
  watch: false, project: 'node', reporters: [{}], isolate: false,
  maxWorkers: Math.max(1, availableParallelism()),
});
console.log(`sweeping ${count} seeds (base ${base}, step 7919) over ${files.length} files:\n  ${files.join('\n  ')}`);
const started = Date.now();
const failures = [];
for (let k = 1; k <= count; k++) {
  const seed = (base + 7919 * k) >>> 0;
  vitest.provide('testSeed', seed);
  const result = await vitest.runTestFiles(files);
  let tests = 0, failed = 0;
  for (const module of result.testModules) {
    const moduleErrors = module.errors();
    if (moduleErrors.length) {
      failed++;
      failures.push({ seed, file: module.moduleId, name: '(file)', message: moduleErrors[0].message });
    }
    for (const test of module.children.allTests()) {
      tests++;
      const r = test.result();
      if (r.state !== 'failed') continue;
      failed++;
      failures.push({ seed, file: module.moduleId, name: test.fullName, message: r.errors?.[0]?.message ?? '(no message)' });
    }
  }
  for (const e of result.unhandledErrors) {
    failed++;
    failures.push({ seed, file: '(unhandled)', name: '', message: String(e?.message ?? e) });
  }
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`seed ${seed} (${k}/${count}): ${tests} tests, ${failed} failed  [${secs}s]`);
  for (const f of failures.filter((x) => x.seed === seed)) {
    const file = f.file.replace(`${process.cwd()}/`, '');
    console.log(`  FAIL ${file} > ${f.name}\n       ${f.message.split('\n')[0]}\n       replay: TEST_SEED=${seed} npx vitest run --project node ${file}`);
  }
}
await vitest.close();
const seedsFailed = new Set(failures.map((f) => f.seed)).size;
console.log(`\n${count - seedsFailed} seeds passed, ${seedsFailed} failed (${failures.length} failing tests) in ${((Date.now() - started) / 1000).toFixed(0)}s`);
process.exit(failures.length ? 1 : 0);
