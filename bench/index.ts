// Runs the bench sections and prints each one's table.
//   npm run bench                      every section, full sampling
//   npm run bench -- --quick           fewer samples and rounds, slowest cases skipped
//   npm run bench -- gemm              only the named section(s)
//   npm run bench -- --filter=1024,fwd only rows whose name contains one of these
//   npm run bench -- --no-browser      no headless Chromium (the threads section's browser table)
import { benchConv, formatConv } from './conv.js';
import { benchCutoff } from './cutoff.js';
import { benchDepthwise, formatDepthwise } from './depthwise.js';
import { benchGemm, formatGemm } from './gemm.js';
import { benchInference, formatInference } from './inference.js';
import { benchOnnx, formatOnnx } from './onnx.js';
import { benchThreads } from './threads.js';
import { benchTraining, formatTraining } from './training.js';
import type { BenchOptions } from './table.js';

interface Section {
  name: string;
  /** Measures and returns the printable report; progress lines go to `log`. */
  run: (options: BenchOptions, log: (line: string) => void) => Promise<string>;
}

const sections: Section[] = [
  { name: 'gemm', run: async (options, log) => formatGemm(await benchGemm(options, log)) },
  { name: 'conv', run: async (options, log) => formatConv(await benchConv(options, log)) },
  { name: 'depthwise', run: async (options, log) => formatDepthwise(await benchDepthwise(options, log)) },
  { name: 'training', run: async (options, log) => formatTraining(await benchTraining(options, log)) },
  { name: 'inference', run: async (options, log) => formatInference(await benchInference(options, log)) },
  { name: 'onnx', run: async (options, log) => formatOnnx(await benchOnnx(options, log)) },
  { name: 'threads', run: (options, log) => benchThreads(options, log) },
  { name: 'cutoff', run: (options, log) => benchCutoff(options, log) },
];

const args = process.argv.slice(2);
const options: BenchOptions = {
  quick: args.includes('--quick'),
  filter: args.filter((a) => a.startsWith('--filter=')).flatMap((a) => a.slice('--filter='.length).split(',')).filter(Boolean),
  browser: !args.includes('--no-browser'),
};
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((name) => !sections.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
// Progress goes to stderr so stdout holds only the tables.
const log = (line: string) => process.stderr.write(`  ${line}\n`);
for (const section of sections) {
  if (wanted.length > 0 && !wanted.includes(section.name)) continue;
  const started = performance.now();
  const report = await section.run(options, log);
  console.log(`\n== ${section.name} (${((performance.now() - started) / 1000).toFixed(0)} s) ==\n${report}\n`);
}
