/**
 * The ONNX backend test vectors (Debian's libonnx-testdata, installed by .ci/run): every case
 * whose ops simdnn imports must match the expected outputs within ONNX Runtime's tolerances
 * (|a − b| ≤ 1e-5 + 1e-3·|b|); every other case must be refused with OnnxUnsupportedError
 * (or a clear decode error for data types simdnn does not read). Prints passed / failed /
 * unsupported per op. Cases that take their weights as graph inputs are imported a second time
 * with those inputs bound as constants (`loadOnnx`'s `constants` option).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { decodeOnnx, loadOnnx, OnnxUnsupportedError, SUPPORTED_OPS } from '../src/onnx/index.js';
import { decodeTensorProto, type OnnxTensorProto } from '../src/onnx/decode.js';

const ROOT = process.env.ONNX_TESTDATA ?? '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'];
const RTOL = 1e-3;
const ATOL = 1e-5;

type Status = 'passed' | 'failed' | 'unsupported';
interface Outcome { name: string; ops: string[]; status: Status; detail: string }

function tensorOf(t: OnnxTensorProto): nn.Tensor | null {
  return t.values instanceof Float32Array ? new nn.Tensor(t.values, t.dims) : null;
}

function compare(got: nn.Tensor, want: OnnxTensorProto, which: string): string | null {
  if (got.shape.length !== want.dims.length || got.shape.some((d, i) => d !== want.dims[i])) {
    return `${which}: shape [${got.shape.join(', ')}], expected [${want.dims.join(', ')}]`;
  }
  const expected = want.values as Float32Array;
  for (let i = 0; i < expected.length; i++) {
    const a = got.data[i], b = expected[i];
    if (!(Math.abs(a - b) <= ATOL + RTOL * Math.abs(b)) && !(Number.isNaN(a) && Number.isNaN(b))) {
      return `${which}[${i}]: ${a}, expected ${b}`;
    }
  }
  return null;
}

async function runCase(dir: string, name: string): Promise<Outcome> {
  const bytes = readFileSync(join(dir, 'model.onnx'));
  let ops: string[] = [];
  let decoded;
  try {
    decoded = decodeOnnx(bytes);
    ops = [...new Set(decoded.graph.nodes.map((n) => n.opType))];
  } catch (e) {
    return { name, ops: ['(decode)'], status: 'unsupported', detail: (e as Error).message };
  }
  const initialized = new Set(decoded.graph.initializers.map((t) => t.name));
  const inputNames = decoded.graph.inputs.map((i) => i.name).filter((n) => !initialized.has(n));
  const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  for (const set of sets) {
    const files = readdirSync(join(dir, set));
    const read = (prefix: string) => files.filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f))
      .sort((a, b) => parseInt(a.slice(prefix.length + 1)) - parseInt(b.slice(prefix.length + 1)))
      .map((f) => decodeTensorProto(readFileSync(join(dir, set, f))));
    let inputs: OnnxTensorProto[], outputs: OnnxTensorProto[];
    try {
      inputs = read('input');
      outputs = read('output');
    } catch (e) {
      // Vectors of a type simdnn does not read (uint16, strings): the model must be refused too.
      try {
        (await loadOnnx(bytes)).dispose();
      } catch (refused) {
        if (refused instanceof OnnxUnsupportedError) return { name, ops, status: 'unsupported', detail: refused.message };
        return { name, ops, status: 'failed', detail: `load: ${(refused as Error).message}` };
      }
      return { name, ops, status: 'failed', detail: `loaded, but its test vectors are unreadable: ${(e as Error).message}` };
    }
    let model: nn.LayersModel;
    let given = inputs;
    try {
      model = await loadOnnx(bytes);
    } catch (first) {
      if (!(first instanceof OnnxUnsupportedError)) return { name, ops, status: 'failed', detail: `load: ${(first as Error).message}` };
      // Weights as graph inputs: bind every input but the first as a constant and try again.
      const constants: Record<string, nn.Tensor> = {};
      let bindable = inputs.length > 1;
      inputs.slice(1).forEach((t, i) => {
        const v = tensorOf(t);
        if (v) constants[inputNames[i + 1]] = v;
        else bindable = false;
      });
      if (!bindable) return { name, ops, status: 'unsupported', detail: first.message };
      try {
        model = await loadOnnx(bytes, { constants });
        given = inputs.slice(0, 1);
      } catch (second) {
        if (second instanceof OnnxUnsupportedError) return { name, ops, status: 'unsupported', detail: first.message };
        return { name, ops, status: 'failed', detail: `load with constants: ${(second as Error).message}` };
      }
    }
    try {
      const xs = given.map(tensorOf);
      if (xs.some((x) => x === null)) return { name, ops, status: 'failed', detail: 'loaded, but an input is not float' };
      if (xs.some((x) => x!.data.some((v) => !Number.isFinite(v)))) {
        return { name, ops, status: 'unsupported', detail: 'non-finite inputs (simdnn refuses NaN and Infinity in inputs)' };
      }
      const predicted = model.predict(xs.length === 1 ? xs[0]! : (xs as nn.Tensor[]), { batchSize: 1 << 16 });
      const list = Array.isArray(predicted) ? predicted : [predicted];
      if (list.length !== outputs.length) return { name, ops, status: 'failed', detail: `${list.length} outputs, expected ${outputs.length}` };
      for (let i = 0; i < list.length; i++) {
        const problem = compare(list[i], outputs[i], `${set}/output_${i}`);
        if (problem) return { name, ops, status: 'failed', detail: problem };
      }
    } catch (e) {
      return { name, ops, status: 'failed', detail: `predict: ${(e as Error).message}` };
    } finally {
      model.dispose();
    }
  }
  return { name, ops, status: 'passed', detail: '' };
}

function table(outcomes: Outcome[]): string {
  const perOp = new Map<string, Record<Status, number>>();
  for (const o of outcomes) {
    for (const op of o.ops) {
      const row = perOp.get(op) ?? { passed: 0, failed: 0, unsupported: 0 };
      row[o.status]++;
      perOp.set(op, row);
    }
  }
  const lines = [...perOp.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([op, r]) => `${op.padEnd(28)} ${String(r.passed).padStart(6)} ${String(r.failed).padStart(6)} ${String(r.unsupported).padStart(11)}`);
  return [`${'op'.padEnd(28)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'unsupported'.padStart(11)}`, ...lines].join('\n');
}

describe('ONNX backend test vectors (libonnx-testdata)', () => {
  it('finds the test data (installed by .ci/run: apt-get install libonnx-testdata)', () => {
    expect(existsSync(join(ROOT, 'node')), `${ROOT}/node is missing: install Debian's libonnx-testdata or set ONNX_TESTDATA`).toBe(true);
  });

  for (const suite of SUITES) {
    it(`${suite}: supported cases match, the rest are refused`, async () => {
      const folder = join(ROOT, suite);
      const cases = readdirSync(folder).filter((d) => existsSync(join(folder, d, 'model.onnx'))).sort();
      const outcomes: Outcome[] = [];
      for (const c of cases) outcomes.push(await runCase(join(folder, c), c));
      const count = (s: Status) => outcomes.filter((o) => o.status === s).length;
      console.log(`\nlibonnx-testdata ${suite}: ${cases.length} cases, ${count('passed')} passed, ${count('failed')} failed, ${count('unsupported')} unsupported\n${table(outcomes)}`);
      // Refused although every op is in the table: an attribute, shape or dtype outside the supported set.
      const partial = outcomes.filter((o) => o.status === 'unsupported' && o.ops.every((op) => SUPPORTED_OPS.includes(op)));
      console.log(`${suite}: ${partial.length} refused cases use only supported op types (an attribute, shape or type outside the set):\n` +
        partial.map((o) => `  ${o.name}: ${o.detail.split('\n').slice(1).join(' | ').trim() || o.detail}`).join('\n'));
      const failed = outcomes.filter((o) => o.status === 'failed').map((o) => `${o.name}: ${o.detail}`);
      expect(failed).toEqual([]);
      expect(count('passed')).toBeGreaterThan(0);
    }, 600_000);
  }
});
