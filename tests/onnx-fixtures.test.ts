// Proves the ONNX import fixtures (tests/fixtures/onnx/, written by
// scripts/fixtures/onnx/make_onnx_fixtures.py): each model loads in ONNX Runtime Web and computes
// what its producer (PyTorch, or onnx.reference.ReferenceEvaluator for the onnx.helper graphs)
// computed, so the importer tests can take ONNX Runtime as the reference.
//
// Tolerance, per output element i against the producer's value b_i:
//   |a_i - b_i| <= 2 · R · u · max(|b_i|, rms(b)),   u = 2^-24 (float32's unit roundoff)
// R is the manifest's `roundings`: the most float32 roundings any path accumulates into one output
// element, where a K-term reduction counts K (any summation order is within γ_K ≈ K·u of the exact
// sum, Higham §3.1), an arithmetic op 1 and an exp/log/tanh-based op 4. Each of the two float32
// computations is within R·u of the exact value, hence 2·R·u between them. The error of a sum scales
// with its terms, not with its result: an element that is small because its terms cancelled still
// carries their error, so the magnitude is the larger of |b_i| and the output's RMS (its typical
// magnitude, which the terms share in these random-weight nets). Ops that only move or select
// values (R = 0: Transpose, Pad, MaxPool, Relu, Clip) must match exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { attr, encodeModel } from '../src/onnx/encode.js';
import { fixtureArrays, fixtureBytes, ortRun, readManifest, rms, toNhwc } from './helpers/onnx-fixtures.js';

const U = 2 ** -24;
const { fixtures } = readManifest();

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('ONNX fixtures in ONNX Runtime Web agree with their producer', () => {
  it('the manifest lists every kind of fixture the importer needs', () => {
    const exporters = new Set(fixtures.map((f) => f.exporter));
    expect([...exporters].sort()).toEqual(['dynamo', 'onnx.helper', 'torchscript']);
    expect(new Set(fixtures.map((f) => f.opset))).toEqual(new Set([10, 11, 13, 14, 18]));
    expect(new Set(fixtures.map((f) => f.name)).size).toBe(fixtures.length);
  });

  it("the NHWC import test's transpose is ONNX's Transpose perm [0, 2, 3, 1]", async () => {
    const shape = [2, 3, 5, 7];
    const x = { name: 'x', shape, data: Float32Array.from({ length: 210 }, (_, i) => i) };
    const transpose = encodeModel({ graph: {
      name: 'nhwc', nodes: [{ opType: 'Transpose', inputs: ['x'], outputs: ['y'], attributes: [attr.ints('perm', [0, 2, 3, 1])] }],
      initializers: [], inputs: [{ name: 'x', shape }], outputs: [{ name: 'y', shape: [2, 5, 7, 3] }],
    } });
    const [y] = await ortRun(transpose, [x]);
    const mine = toNhwc(x);
    expect(mine.shape).toEqual(y.shape);
    expect([...mine.data]).toEqual([...y.data]);
  });

  for (const entry of fixtures) {
    it(`${entry.name} (${entry.exporter}, opset ${entry.opset}: ${entry.ops.join(', ')})`, async () => {
      const { inputs, outputs } = fixtureArrays(entry);
      const got = await ortRun(fixtureBytes(entry), inputs);
      expect(got.map((o) => o.name)).toEqual(outputs.map((o) => o.name));
      for (let k = 0; k < outputs.length; k++) {
        const want = outputs[k], have = got[k];
        expect(have.shape, `${want.name} shape`).toEqual(want.shape);
        const R = want.roundings!;
        const floor = rms(want.data);
        let worst = 0, at = -1;
        for (let i = 0; i < want.data.length; i++) {
          const b = want.data[i], a = have.data[i];
          expect(Number.isFinite(a), `${want.name}[${i}] finite`).toBe(true);
          const err = Math.abs(a - b), tol = 2 * R * U * Math.max(Math.abs(b), floor);
          if (err > tol && (err - tol) > worst) { worst = err - tol; at = i; }
        }
        if (at >= 0) {
          const b = want.data[at];
          expect.fail(`${want.name}[${at}]: ONNX Runtime ${have.data[at]}, ${entry.expectedFrom} ${b}, ` +
            `|diff| ${Math.abs(have.data[at] - b)} > 2·${R}·u·max(|b|, rms ${floor}) = ${2 * R * U * Math.max(Math.abs(b), floor)}`);
        }
      }
    });
  }
});
