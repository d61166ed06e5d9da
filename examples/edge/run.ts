/**
 * Edge inference, end to end: build the worker (training the model first if none is saved),
 * start workerd on 127.0.0.1, send real test digits and malformed requests, print the results,
 * and stop workerd (also on error or Ctrl-C).
 *
 *   npm run build && npx tsx examples/edge/run.ts [--requests 200] [--retrain] [--epochs 20]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';
import { buildEdgeWorker, loadSavedModel, workerd } from './build.js';
import { malformedCases, predict, send } from './client.js';
import { startWorkerd, type RunningWorkerd } from './workerd.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    epochs: { type: 'string', default: '20' },
    retrain: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const epochs = Number(values.epochs);
if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests: expected a positive integer, got ${values.requests}`);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs: expected a positive integer, got ${values.epochs}`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const ms = (v: number): string => `${v.toFixed(2)} ms`;

let server: RunningWorkerd | undefined;
const stopServer = async (): Promise<void> => {
  const s = server;
  server = undefined;
  if (s) {
    await s.stop();
    console.log(`workerd (pid ${s.pid}) stopped`);
  }
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopServer().finally(() => process.exit(130)));
}

try {
  const built = await buildEdgeWorker({ retrain: values.retrain, epochs, log: (line) => console.log(line) });
  console.log(`bundle: worker.js ${(built.bundleBytes / 1024).toFixed(0)} KB (handler + simdnn/core + model), simdnn.wasm ${(built.wasmBytes / 1024).toFixed(0)} KB -> ${built.outDir}`);

  const startedAt = performance.now();
  server = await startWorkerd(built.configPath);
  const listening = performance.now() - startedAt;
  console.log(`workerd ${workerd.version} (pid ${server.pid}) listening on ${server.url} after ${ms(listening)}`);

  const { test } = nn.data.mnist({ testSize: requests });
  const digit = (i: number) => test.x.data.subarray(i * 784, (i + 1) * 784);

  // The reference: the same saved model, predicting in Node, one digit at a time.
  const reference = await loadSavedModel(built.modelDir);

  // First request: the isolate loads the kernels and the model (once).
  let t = performance.now();
  await predict(server.url, digit(0));
  const first = performance.now() - t;

  const latencies: number[] = [];
  let correct = 0;
  let sameAsNode = 0;
  for (let i = 0; i < requests; i++) {
    t = performance.now();
    const answer = await predict(server.url, digit(i));
    latencies.push(performance.now() - t);
    if (answer.class === test.labels[i]) correct++;
    const node = Array.from((reference.predict(nn.tensor(digit(i), [1, 784])) as nn.Tensor).data);
    if (node.every((p, k) => p === answer.probabilities[k])) sameAsNode++;
  }
  const nodeLatencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    t = performance.now();
    reference.predict(nn.tensor(digit(i), [1, 784]));
    nodeLatencies.push(performance.now() - t);
  }
  reference.dispose();
  latencies.sort((a, b) => a - b);
  nodeLatencies.sort((a, b) => a - b);

  console.log(`\nPOST /predict, ${requests} real test digits, sequential, one connection (keep-alive)\n`);
  console.log(table(['measure', 'value'], [
    ['accuracy', `${((correct / requests) * 100).toFixed(1)}% (${correct}/${requests})`],
    ['same probabilities as Node predict', `${sameAsNode}/${requests} (bit for bit)`],
    ['first request (loads kernels + model)', ms(first)],
    ['latency p50', ms(quantile(latencies, 0.5))],
    ['latency p95', ms(quantile(latencies, 0.95))],
    ['latency max', ms(latencies[latencies.length - 1])],
    ['Node in-process predict p50 (batch 1)', ms(quantile(nodeLatencies, 0.5))],
  ]));

  console.log('\nMalformed requests\n');
  const rows: string[][] = [];
  let failures = 0;
  for (const c of malformedCases()) {
    const got = await send(server.url, c);
    const ok = got.status === c.status && c.message.test(got.error) && got.contentType.startsWith('application/json');
    if (!ok) failures++;
    rows.push([c.name, String(got.status), got.error.length > 70 ? got.error.slice(0, 69) + '…' : got.error, ok ? 'ok' : `FAIL (want ${c.status})`]);
  }
  const after = await predict(server.url, digit(0));
  rows.push(['valid request afterwards', '200', `class ${after.class}`, 'ok']);
  console.log(table(['request', 'status', 'error', 'check'], rows));
  if (failures > 0) process.exitCode = 1;
} catch (e) {
  console.error(e);
  if (server) console.error(`workerd output:\n${server.output()}`);
  process.exitCode = 1;
} finally {
  await stopServer();
}
