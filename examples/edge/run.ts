/**
 * Edge inference, end to end: build the worker (training the MLP first if none is saved), print
 * the bundle sizes, then for each route start a fresh workerd on 127.0.0.1 (so its first request
 * is cold), send real test digits and malformed requests, print the results, and stop workerd
 * (also on error or Ctrl-C).
 *
 *   npm run build && npx tsx examples/edge/run.ts [--requests 200] [--retrain] [--epochs 20]
 */
import * as nn from 'simdnn';
import { parseArgs } from 'node:util';
import { digitsWhere } from '../digit-subsets.js';
import { buildEdgeWorker, loadOnnxReference, loadSavedModel, workerd, type BuildResult } from './build.js';
import { sizeRows } from './bundle-size.js';
import { malformedCases, malformedOnnxCases, predict, predictOnnx, sameFloat32Bits, send, type MalformedCase } from './client.js';
import { latencyRows, ms, table, timed } from './measure.js';
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

/** A fresh workerd (a new isolate: nothing loaded yet). */
async function startFresh(built: BuildResult): Promise<string> {
  await stopServer();
  const { ms: listening, value } = await timed(() => startWorkerd(built.configPath));
  server = value;
  console.log(`workerd ${workerd.version} (pid ${server.pid}) listening on ${server.url} after ${ms(listening)}`);
  return server.url;
}

/** Sends the malformed cases, prints them, and returns how many got another status or message. */
async function refuseAll(url: string, cases: MalformedCase[]): Promise<number> {
  const rows: string[][] = [];
  let failures = 0;
  for (const c of cases) {
    const got = await send(url, c);
    const ok = got.status === c.status && c.message.test(got.error) && got.contentType.startsWith('application/json');
    if (!ok) failures++;
    rows.push([c.name, String(got.status), got.error.length > 90 ? got.error.slice(0, 89) + '…' : got.error, ok ? 'ok' : `FAIL (want ${c.status})`]);
  }
  console.log(table(['request', 'status', 'error', 'check'], rows));
  return failures;
}

/** POST /predict: the MLP saved in Node. */
async function serveMlp(built: BuildResult): Promise<number> {
  const url = await startFresh(built);
  const { test } = nn.data.mnist({ testSize: requests });
  const digit = (i: number) => test.x.data.subarray(i * 784, (i + 1) * 784);
  const reference = await loadSavedModel(built.modelDir);
  const nodePredict = (i: number) => reference.predict(nn.tensor(digit(i), [1, 784])) as nn.Tensor;

  const first = await timed(() => predict(url, digit(0)));
  const warm: number[] = [];
  let correct = 0;
  let sameAsNode = 0;
  for (let i = 0; i < requests; i++) {
    const { ms: took, value: answer } = await timed(() => predict(url, digit(i)));
    warm.push(took);
    if (answer.class === test.labels[i]) correct++;
    if (sameFloat32Bits(answer.probabilities, nodePredict(i).data)) sameAsNode++;
  }
  const node: number[] = [];
  for (let i = 0; i < requests; i++) node.push((await timed(() => nodePredict(i))).ms);
  reference.dispose();

  console.log(`\nPOST /predict (MLP saved by simdnn), ${requests} real test digits, sequential, one connection (keep-alive)\n`);
  console.log(table(['measure', 'value'], [
    ['accuracy', `${((correct / requests) * 100).toFixed(1)}% (${correct}/${requests})`],
    ['same probabilities as Node predict', `${sameAsNode}/${requests} (float32 bits)`],
    ...latencyRows(first.ms, warm, node),
  ]));
  console.log('\nMalformed requests\n');
  const failures = await refuseAll(url, malformedCases());
  return failures + (sameAsNode === requests ? 0 : 1);
}

/** POST /predict-onnx: the PyTorch CNN imported from ONNX, digits 0-4. */
async function serveOnnx(built: BuildResult): Promise<number> {
  const url = await startFresh(built);
  const digits = digitsWhere(nn.data.mnist().test, (d) => d < 5, requests);
  const count = digits.labels.length;
  const digit = (i: number) => digits.x.data.subarray(i * 784, (i + 1) * 784);
  const reference = await loadOnnxReference();
  const nodePredict = (i: number) => reference.predict(nn.tensor(digit(i), [1, 1, 28, 28])) as nn.Tensor;

  const first = await timed(() => predictOnnx(url, digit(0)));
  const warm: number[] = [];
  let correct = 0;
  let sameAsNode = 0;
  for (let i = 0; i < count; i++) {
    const { ms: took, value: answer } = await timed(() => predictOnnx(url, digit(i)));
    warm.push(took);
    if (answer.classes[0] === digits.labels[i]) correct++;
    if (sameFloat32Bits(answer.probabilities[0], nodePredict(i).data)) sameAsNode++;
  }
  const batch = Math.min(count, 64);
  const batched = await predictOnnx(url, digits.x.data.subarray(0, batch * 784));
  const batchExpected = (reference.predict(nn.tensor(digits.x.data.slice(0, batch * 784), [batch, 1, 28, 28])) as nn.Tensor).data;
  const batchSame = sameFloat32Bits(batched.probabilities.flat(), batchExpected);
  const node: number[] = [];
  for (let i = 0; i < count; i++) node.push((await timed(() => nodePredict(i))).ms);
  reference.dispose();

  console.log(`\nPOST /predict-onnx (PyTorch CNN imported with loadOnnx), ${count} real test digits 0-4, sequential, one connection (keep-alive)\n`);
  console.log(table(['measure', 'value'], [
    ['accuracy', `${((correct / count) * 100).toFixed(1)}% (${correct}/${count})`],
    ['same probabilities as Node loadOnnx + predict', `${sameAsNode}/${count} (float32 bits)`],
    [`one request of ${batch} digits, same as Node`, batchSame ? 'yes (float32 bits)' : 'NO'],
    ...latencyRows(first.ms, warm, node),
  ]));
  console.log('\nMalformed requests\n');
  const failures = await refuseAll(url, malformedOnnxCases());
  return failures + (sameAsNode === count && batchSame ? 0 : 1);
}

try {
  const built = await buildEdgeWorker({ retrain: values.retrain, epochs, log: (line) => console.log(line) });
  console.log(`\nDeployed bundle (${built.outDir}): gzip at zlib's default level, per file; limits are Cloudflare's compressed Worker sizes\n`);
  console.log(table(['worker', 'file', 'raw', 'gzip', 'gzip total against the limits'], sizeRows({
    'without /predict-onnx': built.withoutOnnx,
    'with /predict-onnx': built.withOnnx,
  })));
  console.log('');
  let failures = await serveMlp(built);
  console.log('');
  failures += await serveOnnx(built);
  if (failures > 0) {
    console.error(`\n${failures} check(s) failed`);
    process.exitCode = 1;
  }
} catch (e) {
  console.error(e);
  if (server) console.error(`workerd output:\n${server.output()}`);
  process.exitCode = 1;
} finally {
  await stopServer();
}
