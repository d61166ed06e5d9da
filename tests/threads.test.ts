// Threads never change a bit: GEMMs (every orientation, epilogue and awkward size) and the
// convolution passes give the same bits on 1, 2, 3 and 4 threads; a model trained with threads
// ends with the same weights as one trained without; a trap in a worker names its kernel and the
// pool keeps working. Tiny problems are forced to split (setMinWorkPerPart) so edges are exercised.
import { afterAll, beforeAll, describe, expect, inject, it, type TestContext } from 'vitest';
import * as nn from '../src/index.js';
import { getBackend } from '../src/core/wasm.js';
import { gemm, gemmArgs } from '../src/core/kernels/gemm.js';
import { col2im, convArgs, conv2dDirect, im2col } from '../src/core/kernels/conv.js';
import { FUSED_LINEAR, fusedActivation } from '../src/core/kernels/fused-activation.js';
import { setMinWorkPerPart } from '../src/core/threads/parts.js';
import { countNonFinite, setMinFloatsToSplit } from '../src/core/kernels/finite.js';
import { allocWasm, freshSeed, fromWasm, makeRng, randomArray, toWasm } from './helpers/kernels.js';
import { identical } from './helpers/fuzz.js';

const seed = freshSeed();
const COUNTS = [1, 2, 3, 4];
let threaded = false;

beforeAll(async () => {
  await nn.ready({ threads: 4 });
  threaded = getBackend().shared;
  setMinWorkPerPart(64);
});

afterAll(async () => {
  setMinWorkPerPart();
  await nn.ready({ threads: 1 });
});

/** The seed sweep runs files in one process: a file before this one may have loaded the single-thread build. */
function needsThreadedBuild(ctx: TestContext): void {
  if (!threaded && inject('testSeed' as never) !== undefined) ctx.skip();
  expect(threaded, 'the first ready({ threads: 4 }) loads the threaded build').toBe(true);
}

/** Runs `body` at every thread count; returns its outputs and checks that > 1 thread split work. */
async function atEveryCount(body: () => Float32Array): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const threads of COUNTS) {
    await nn.ready({ threads });
    expect(nn.backend().threads).toBe(threads);
    const before = getBackend().pool?.jobs ?? 0;
    out.push(body());
    if (threads > 1) expect(getBackend().pool!.jobs, `work was split on ${threads} threads`).toBeGreaterThan(before);
  }
  return out;
}

function expectAllIdentical(outs: Float32Array[]): void {
  for (let i = 1; i < outs.length; i++) expect(identical(outs[i], outs[0]), `${COUNTS[i]} threads vs 1`).toBe(true);
}

describe(`threads (seed ${seed})`, () => {
  const shapes: [number, number, number, boolean, boolean][] = [
    [37, 29, 41, false, false], [131, 97, 157, false, true], [23, 301, 67, true, false],
    [517, 13, 211, true, true], [7, 6, 300, false, false], [83, 1031, 19, false, false], [2, 77, 33, true, false],
  ];
  for (const [m, n, k, tA, tB] of shapes) it(`GEMM m=${m} n=${n} k=${k} transA=${tA} transB=${tB} is bit-identical on 1-4 threads`, async (ctx) => {
    needsThreadedBuild(ctx);
    const b = getBackend();
    const rng = makeRng(seed + m * 31 + n * 7 + k);
    const a = toWasm(b, randomArray(m * k, rng)), bm = toWasm(b, randomArray(k * n, rng));
    const bias = toWasm(b, randomArray(n, rng)), c0 = randomArray(m * n, rng), c = allocWasm(b, m * n);
    for (const [accumulate, withBias] of [[false, false], [true, true]]) {
      const g = gemmArgs({ m, n, k, a, b: bm, c, transposeA: tA, transposeB: tB, accumulate, bias: withBias ? bias : 0,
        activation: withBias ? fusedActivation('leakyRelu', 0.1) : FUSED_LINEAR });
      const outs = await atEveryCount(() => {
        getBackend().arena.f32.set(c0, c >>> 2);
        gemm(g);
        return fromWasm(getBackend(), c, m * n);
      });
      expectAllIdentical(outs);
    }
  });

  it('im2col, col2im and the direct convolution are bit-identical on 1-4 threads', async (ctx) => {
    needsThreadedBuild(ctx);
    const b = getBackend();
    const rng = makeRng(seed + 5);
    const batch = 7, inH = 11, inW = 9, channels = 3, filters = 8;
    const window = { inH, inW, channels, kh: 3, kw: 2, strideH: 2, strideW: 1, dilationH: 1, dilationW: 2,
      padTop: 1, padLeft: 1, outH: 6, outW: 8 };
    const patch = window.kh * window.kw * channels, rows = batch * window.outH * window.outW;
    const c = convArgs(window);
    c.batch = batch; c.filters = filters;
    c.input = toWasm(b, randomArray(batch * inH * inW * channels, rng));
    c.columns = allocWasm(b, rows * patch);
    c.gradInput = allocWasm(b, batch * inH * inW * channels);
    c.kernel = toWasm(b, randomArray(patch * filters, rng));
    c.bias = toWasm(b, randomArray(filters, rng));
    c.output = allocWasm(b, rows * filters);
    const grads = randomArray(rows * patch, rng);
    expectAllIdentical(await atEveryCount(() => { im2col(c); return fromWasm(getBackend(), c.columns, rows * patch); }));
    expectAllIdentical(await atEveryCount(() => {
      getBackend().arena.f32.set(grads, c.columns >>> 2);
      col2im(c);
      return fromWasm(getBackend(), c.gradInput, batch * inH * inW * channels);
    }));
    expectAllIdentical(await atEveryCount(() => { conv2dDirect(c); return fromWasm(getBackend(), c.output, rows * filters); }));
  });

  /** Trains a small CNN and MLP head on fixed data; returns every weight, flattened. */
  async function trainedWeights(): Promise<Float32Array> {
    nn.setSeed(seed);
    const rng = makeRng(seed + 9);
    const n = 24;
    const model = nn.sequential({ layers: [
      nn.layers.conv2d({ inputShape: [9, 9, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      nn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 13, activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const labels = new Uint8Array(n).map(() => Math.floor(rng() * 3));
    const { arena } = getBackend();
    const inUse: number[] = [];
    await model.fit(nn.tensor(randomArray(n * 9 * 9 * 2, rng), [n, 9, 9, 2]), nn.data.toCategorical(labels, 3), {
      epochs: 3, batchSize: 8, verbose: 0, seed, callbacks: [{ onBatchEnd: () => { inUse.push(arena.bytesInUse); } }],
    });
    // A step allocates nothing, with threads too.
    expect(new Set(inUse.slice(1)).size).toBe(1);
    const weights = model.getWeights().flatMap((w) => [...w.data]);
    model.dispose();
    return Float32Array.from(weights);
  }

  it('a model trained with threads has bit-identical weights to one trained on one thread', async (ctx) => {
    needsThreadedBuild(ctx);
    const outs: Float32Array[] = [];
    for (const threads of COUNTS) {
      await nn.ready({ threads });
      outs.push(await trainedWeights());
    }
    expectAllIdentical(outs);
  });

  it('the count of NaN and ±Infinity in a batch is the same on 1-4 threads, and right', async (ctx) => {
    needsThreadedBuild(ctx);
    const rng = makeRng(seed + 5);
    const b = getBackend();
    const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, -0];
    const cases = [1, 3, 7, 4099, 200_003].map((n) => {
      const values = randomArray(n, rng);
      // Non-finite values at random places, and at the end where the last part's bound falls.
      for (let i = 0; i < 1 + (n >> 6); i++) values[Math.floor(rng() * n)] = specials[Math.floor(rng() * specials.length)];
      values[n - 1] = Number.NaN;
      return { n, ptr: toWasm(b, values), want: values.reduce((count, v) => count + (Number.isFinite(v) ? 0 : 1), 0) };
    });
    setMinFloatsToSplit(1);
    try {
      for (const threads of COUNTS) {
        await nn.ready({ threads });
        const before = getBackend().pool?.jobs ?? 0;
        for (const { n, ptr, want } of cases) expect(countNonFinite(ptr, n), `n=${n} on ${threads} threads`).toBe(want);
        if (threads > 1) expect(getBackend().pool!.jobs).toBeGreaterThan(before);
      }
    } finally {
      setMinFloatsToSplit();
      for (const { ptr } of cases) b.arena.release(ptr);
    }
  });

  it("a trap in a worker is an Error naming the kernel, and the pool works afterwards", async (ctx) => {
    needsThreadedBuild(ctx);
    await nn.ready({ threads: 2 });
    const b = getBackend();
    // 64x64 by 64x64, split by rows: the worker's rows of A lie past the end of memory, the caller's do not.
    const end = b.arena.byteLength;
    const bm = allocWasm(b, 64 * 64, 1), c = allocWasm(b, 64 * 64);
    const g = gemmArgs({ m: 64, n: 64, k: 64, a: end - 30 * 64 * 4, b: bm, c });
    expect(() => gemm(g)).toThrow(/kernel 'gemmPart' trapped in worker 1: .*out of bounds/);
    const a = allocWasm(b, 64 * 64, 2);
    const jobs = b.pool!.jobs;
    gemm({ ...g, a });
    expect(b.pool!.jobs).toBe(jobs + 1);
    expect([...fromWasm(b, c, 64 * 64)].every((v) => v === 128)).toBe(true);
  });
});
