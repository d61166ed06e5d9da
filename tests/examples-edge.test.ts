// examples/edge: the MNIST MLP saved with model.save and the PyTorch CNN imported from ONNX,
// bundled with simdnn into a workerd worker, served on 127.0.0.1; their answers must equal Node's
// predictions bit for bit, and every malformed request must get its status and message. Sizes are
// printed, never timed. Needs `npm run build` (dist/) first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from 'simdnn';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digitsWhere } from '../examples/digit-subsets.js';
import { buildEdgeWorker, loadOnnxReference, loadSavedModel, type BuildResult } from '../examples/edge/build.js';
import { CLOUDFLARE_LIMITS, sizeRows } from '../examples/edge/bundle-size.js';
import { malformedCases, malformedOnnxCases, predict, predictOnnx, sameFloat32Bits, send } from '../examples/edge/client.js';
import { startWorkerd, type RunningWorkerd } from '../examples/edge/workerd.js';

const DIGITS = 40;

describe('examples/edge: workerd inference', () => {
  let dir: string;
  let built: BuildResult;
  let server: RunningWorkerd | undefined;
  let reference: nn.LayersModel;
  let onnxReference: nn.LayersModel;

  beforeAll(async () => {
    // A fresh model in a temporary folder, so the test never depends on (or touches) examples/edge/model.
    dir = await mkdtemp(join(tmpdir(), 'simdnn-edge-'));
    built = await buildEdgeWorker({ modelDir: join(dir, 'model'), outDir: join(dir, 'dist'), epochs: 2, seed: 3 });
    server = await startWorkerd(built.configPath);
    reference = await loadSavedModel(built.modelDir);
    onnxReference = await loadOnnxReference();
  });

  afterAll(async () => {
    await server?.stop();
    reference?.dispose();
    onnxReference?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('trains, saves and bundles the model into one worker module plus the kernels', () => {
    expect(built.trained).toBe(true);
    expect(built.testAccuracy).toBeGreaterThan(0.8);
    expect(built.bundleBytes).toBeGreaterThan(400_000); // 101,770 float32 weights are inside
    expect(built.wasmBytes).toBeLessThan(160 * 1024); // the package test's ceiling (tests/package.test.ts)
    expect(server!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it(`answers POST /predict for ${DIGITS} test digits exactly as Node's model.predict`, async () => {
    const { test } = nn.data.mnist({ testSize: DIGITS, seed: 5 });
    let correct = 0;
    for (let i = 0; i < DIGITS; i++) {
      const pixels = test.x.data.subarray(i * 784, (i + 1) * 784);
      const answer = await predict(server!.url, pixels);
      const expected = reference.predict(nn.tensor(pixels, [1, 784])) as nn.Tensor;
      expect(answer.probabilities).toEqual(Array.from(expected.data));
      expect(answer.class).toBe(expected.argMax(-1).data[0]);
      if (answer.class === test.labels[i]) correct++;
    }
    expect(correct / DIGITS).toBeGreaterThan(0.7);
  });

  it('answers concurrent requests like sequential ones', async () => {
    const { test } = nn.data.mnist({ testSize: 8, seed: 6 });
    const pixels = (i: number) => test.x.data.subarray(i * 784, (i + 1) * 784);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => predict(server!.url, pixels(i))));
    answers.forEach((answer, i) => expect(answer.probabilities).toEqual(Array.from((reference.predict(nn.tensor(pixels(i), [1, 784])) as nn.Tensor).data)));
  });

  it('bundles the ONNX route within Cloudflare\'s compressed limit, without eval or new Function', async () => {
    console.log(sizeRows({ 'without /predict-onnx': built.withoutOnnx, 'with /predict-onnx': built.withOnnx }).map((r) => r.join('  ')).join('\n'));
    expect(built.withOnnx.files.map((f) => f.name)).toEqual(['worker.js', 'simdnn.wasm', 'mnist04-cnn.onnx']);
    expect(built.withOnnx.gzipBytes).toBeLessThan(CLOUDFLARE_LIMITS.free);
    expect(built.withOnnx.bytes).toBeGreaterThan(built.withoutOnnx.bytes);
    // workerd refuses code generation at run time; simdnn/onnx decodes protobuf without it.
    const script = await readFile(join(built.outDir, 'worker.js'), 'utf8');
    expect(script).not.toMatch(/\bnew Function\s*\(|(^|[^\w$.])eval\s*\(/);
  });

  it(`answers POST /predict-onnx for ${DIGITS} test digits 0-4 exactly as Node's loadOnnx + predict`, async () => {
    const digits = digitsWhere(nn.data.mnist({ testSize: 2 * DIGITS, seed: 7 }).test, (d) => d < 5, DIGITS);
    const count = digits.labels.length;
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const pixels = digits.x.data.subarray(i * 784, (i + 1) * 784);
      const answer = await predictOnnx(server!.url, pixels);
      const expected = onnxReference.predict(nn.tensor(pixels, [1, 1, 28, 28])) as nn.Tensor;
      expect(sameFloat32Bits(answer.probabilities[0], expected.data)).toBe(true);
      expect(answer.classes).toEqual([expected.argMax(-1).data[0]]);
      if (answer.classes[0] === digits.labels[i]) correct++;
    }
    expect(count).toBeGreaterThan(DIGITS / 2);
    expect(correct / count).toBeGreaterThan(0.9); // PyTorch's own test accuracy is 95.9%
  });

  it('answers a batch of digits in one /predict-onnx request as Node does', async () => {
    const digits = digitsWhere(nn.data.mnist({ testSize: 64, seed: 8 }).test, (d) => d < 5, 16);
    const n = digits.labels.length;
    const answer = await predictOnnx(server!.url, digits.x.data);
    const expected = onnxReference.predict(nn.tensor(digits.x.data, [n, 1, 28, 28])) as nn.Tensor;
    expect(answer.probabilities).toHaveLength(n);
    expect(sameFloat32Bits(answer.probabilities.flat(), expected.data)).toBe(true);
    expect(answer.classes).toEqual(Array.from(expected.argMax(-1).data));
  });

  for (const c of [...malformedCases(), ...malformedOnnxCases()]) {
    it(`refuses ${c.name} with ${c.status} and a JSON message`, async () => {
      const got = await send(server!.url, c);
      expect(got.status).toBe(c.status);
      expect(got.contentType).toMatch(/^application\/json/);
      expect(got.error).toMatch(c.message);
    });
  }

  it('still answers after the malformed requests, and stops', async () => {
    const answer = await predict(server!.url, new Float32Array(784).fill(0.1));
    expect(answer.probabilities).toHaveLength(10);
    const onnxAnswer = await predictOnnx(server!.url, new Float32Array(784).fill(0.1));
    expect(onnxAnswer.probabilities[0]).toHaveLength(5);
    expect(server!.output()).not.toMatch(/uncaught|fatal/i);
    const { url } = server!;
    await server!.stop();
    server = undefined;
    await expect(fetch(`${url}/predict`, { method: 'POST', body: '[]' })).rejects.toThrow();
  });
});
