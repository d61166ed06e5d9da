// Fuzz: mutated model.json / weights files (bit flips, truncation, manifest edits, config edits, huge and
// negative shapes, path tricks on disk). Each variant is refused with simdnn's own error, or loads and
// predicts exactly what the file says: the original's predictions, or, when the mutation changed what the
// file says, an oracle's. Never a hang, a crash, an uncaught exception or wasm memory left behind.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import '../src/node/file-io.js';
import { freshSeed, makeRng } from './helpers/kernels.js';
import { artifactsOf, augmented, batchFor, bytesInUse, mlp, randomizeWeights } from './helpers/io-models.js';
import { countingUncaught, Hang, identical, notOwnError, Outcomes, settles } from './helpers/fuzz.js';

const seed = freshSeed();
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1200); // FUZZ_ROUNDS=<n> for a longer run
const PATH_ROUNDS = 150;
const HANG_MS = 10_000; // a load that has not settled by then never will (a FIFO, an endless read)
beforeAll(() => nn.ready());

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function tinyCNN(): nn.LayersModel {
  return nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [5, 5, 2], filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' }),
    nn.layers.batchNormalization(),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

function tinyResidual(): nn.LayersModel {
  const x = nn.input({ shape: [4, 4, 2] });
  const a = nn.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x);
  const s = nn.layers.add().apply([a, x]);
  const c = nn.layers.concatenate().apply([s, a]);
  const g = nn.layers.globalAveragePooling2d().apply(c);
  return nn.model({ inputs: x, outputs: nn.layers.dense({ units: 2 }).apply(g) });
}

/** Two inputs, a dense layer shared by both, two outputs (one of them the shared layer's second node). */
function tinySharedMulti(): nn.LayersModel {
  const a = nn.input({ shape: [3], name: 'a' });
  const b = nn.input({ shape: [3], name: 'b' });
  const shared = nn.layers.dense({ units: 3, activation: 'tanh' });
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const head = nn.layers.dense({ units: 2 }).apply(nn.layers.concatenate().apply([sa, sb]));
  return nn.model({ inputs: [a, b], outputs: [head, sb] });
}

/** Every output's predictions for `xs`, one after the other. */
function predictAll(model: nn.LayersModel, xs: nn.Tensor[]): Float32Array {
  const out = model.predict(xs.length === 1 ? xs[0] : xs);
  const parts = (Array.isArray(out) ? out : [out]).map((t) => t.data);
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => { all.set(p, at); return at + p.length; }, 0);
  return all;
}

/** A saved model and what it predicts: the original every variant is judged against. */
interface Base {
  model: nn.LayersModel;
  json: nn.io.ModelJSON;
  text: string;
  bin: Uint8Array;
  topology: string;
  xs: nn.Tensor[];
  expected: Float32Array;
}

async function makeBases(): Promise<Base[]> {
  const bases: Base[] = [];
  for (const [i, make] of [mlp, tinyCNN, tinyResidual, augmented, tinySharedMulti].entries()) {
    const model = make();
    randomizeWeights(model, seed + i);
    const optimizer = i === 1 ? nn.optimizers.sgd({ momentum: 0.5 }) : i === 3 ? nn.optimizers.rmsprop({ centered: true }) : nn.optimizers.adam();
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const artifacts = await artifactsOf(model, { includeOptimizer: i !== 2 });
    const { modelJSON, weightFiles } = nn.io.toModelJSON(artifacts);
    const xs = model.inputShapes.map((shape, k) => batchFor(shape, 2, seed + 10 + i + 100 * k));
    bases.push({
      model, json: modelJSON, text: JSON.stringify(modelJSON), bin: weightFiles['weights.bin'],
      topology: JSON.stringify(artifacts.modelTopology), xs, expected: predictAll(model, xs),
    });
  }
  return bases;
}

const ODD_VALUES: unknown[] = [null, 0, -1, 1, 2.5, 1e9, -1e9, '', 'x', 'same', 'channels_first', true, false, [], {}, [null], [1, 2], [0, 0, 0], { class_name: 'X', config: {} }, 'NaN'];
const ODD_SHAPES: unknown[] = [[1e9, 1e9], [2 ** 53], [2 ** 31, 2 ** 31, 4], [-1], [-8, 6], [0], [], [2.5], ['3'], null, 'x', [1e308]];

/** All [container, key] places in a JSON value. */
function places(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([value, i]); places(v, out); });
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push([value as Record<string, unknown>, k]); places(v, out); }
  }
  return out;
}

/** One to two structural edits somewhere inside `root`: a value replaced, a key deleted, a list element duplicated, a number changed. */
function editJSON(rng: Rng, root: unknown): void {
  const all = places(root);
  for (let n = 1 + Math.floor(rng() * 2); n > 0 && all.length > 0; n--) {
    const [container, key] = pick(rng, all);
    const r = rng();
    if (r < 0.6) (container as Record<string, unknown>)[key] = clone(pick(rng, ODD_VALUES));
    else if (r < 0.8 && !Array.isArray(container)) delete container[key as string];
    else if (Array.isArray(container)) container.push(clone(container[key as number]));
    else (container as Record<string, unknown>)[key] = typeof container[key] === 'number' ? (container[key] as number) * 3 + 1 : container[key];
  }
}

/** A mutated variant; `flipped` when only weight bytes changed (the oracle then decodes them). */
interface Variant { family: string; text: string; bin: Uint8Array; flipped?: boolean }

function mutate(rng: Rng, base: Base): Variant {
  const { text, bin } = base;
  const at = Math.floor(rng() * text.length);
  const json = clone(base.json);
  const specs = json.weightsManifest[0].weights as unknown as Record<string, unknown>[];
  const spec = pick(rng, specs);
  switch (pick(rng, ['flip', 'flip', 'value', 'truncate', 'manifest', 'shape', 'config', 'config', 'text', 'text'] as const)) {
    case 'value': { // one float set to a value a model cannot hold, or may: NaN, ±Infinity, a negative, huge or subnormal one
      const b = bin.slice();
      new DataView(b.buffer).setFloat32(4 * Math.floor(rng() * (b.length / 4)), pick(rng, [NaN, Infinity, -Infinity, -5, 3e38, 1e-45]), true);
      return { family: 'value', text, bin: b, flipped: true };
    }
    case 'flip': { // bit flips, often in a float's exponent byte: NaN, ±Infinity, huge or tiny values
      const b = bin.slice();
      for (let n = 1 + Math.floor(rng() * 4); n > 0; n--) {
        const i = Math.floor(rng() * b.length);
        b[rng() < 0.5 ? i | 3 : i] ^= 1 << Math.floor(rng() * 8);
      }
      return { family: 'bit flip', text, bin: b, flipped: true };
    }
    case 'truncate': {
      const r = rng();
      if (r < 0.4) return { family: 'truncation', text, bin: bin.slice(0, Math.floor(rng() * bin.length)) };
      if (r < 0.7) return { family: 'truncation', text, bin: new Uint8Array([...bin, ...new Uint8Array(1 + Math.floor(rng() * 8))]) };
      return { family: 'truncation', text: text.slice(0, at), bin };
    }
    case 'manifest': {
      const r = rng();
      if (r < 0.2) spec.name = pick(rng, ['ghost/kernel', `${spec.name}:0`, (pick(rng, specs).name as string), '', `${spec.name}/x`]);
      else if (r < 0.4) spec.dtype = pick(rng, ['float64', 'int32', 'uint8', 'string', null, 1]);
      else if (r < 0.55) specs.splice(specs.indexOf(spec), 1);
      else if (r < 0.65) specs.push(clone(spec));
      else if (r < 0.8) spec.quantization = pick(rng, [{ dtype: 'uint8', scale: 1e38, min: 0 }, { dtype: 'float16' }, { dtype: 'uint16' }, { dtype: 'int4' }, 'x']);
      else if (r < 0.9) spec.group = 'optimizer';
      else json.weightsManifest[0].paths = pick(rng, [[], ['nope.bin'], ['weights.bin', 'weights.bin'], ['./weights.bin']]);
      return { family: 'manifest edit', text: JSON.stringify(json), bin };
    }
    case 'shape':
      spec.shape = clone(pick(rng, ODD_SHAPES));
      return { family: 'shape', text: JSON.stringify(json), bin };
    case 'config':
      editJSON(rng, json.modelTopology);
      return { family: 'config edit', text: JSON.stringify(json), bin };
    case 'text': {
      const r = rng();
      if (r < 0.5) return { family: 'text', text: text.slice(0, at) + String.fromCharCode(32 + Math.floor(rng() * 95)) + text.slice(at + 1), bin };
      return { family: 'text', text: text.slice(0, at) + text.slice(at + 1 + Math.floor(rng() * 20)), bin };
    }
  }
}

/**
 * What the flipped weights file says, decoded here from the format (little-endian float32 in
 * manifest order): per layer weight name, its values; null when it says something a model
 * cannot hold (a non-finite value, a negative variance), which must be refused.
 */
function decodeFlipped(base: Base, bin: Uint8Array): Map<string, Float32Array> | null {
  const out = new Map<string, Float32Array>();
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let at = 0;
  for (const s of base.json.weightsManifest[0].weights) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = s.dtype === 'int32' ? view.getInt32(at + 4 * i, true) : view.getFloat32(at + 4 * i, true);
    at += 4 * n;
    if (values.some((v) => !Number.isFinite(v))) return null;
    if (s.name.endsWith('/moving_variance') && values.some((v) => v < 0)) return null;
    if (s.group !== 'optimizer') out.set(s.name, values);
  }
  return out;
}

/** The original model's predictions with `weights` in place of its own (its own put back after). */
function predictWith(base: Base, weights: Map<string, Float32Array>): Float32Array {
  const own = base.model.getWeights();
  const names = base.model.layers.flatMap((l) => l.params.map((p) => `${l.name}/${p.name}`));
  base.model.setWeights(names.map((name, i) => nn.tensor(weights.get(name)!, [...own[i].shape])));
  const y = predictAll(base.model, base.xs);
  base.model.setWeights(own);
  return y;
}

/** Judges an accepted variant: 'same', 'asWritten', or 'wrong' with why. */
async function judgeAccepted(base: Base, variant: Variant, loaded: nn.LayersModel): Promise<['same' | 'asWritten' | 'wrong', string]> {
  if (JSON.stringify(loaded.inputShapes) !== JSON.stringify(base.model.inputShapes)) {
    return loaded.inputShapes.every((shape) => shape.reduce((a, b) => a * b, 1) > 0) ? ['asWritten', 'other inputs'] : ['wrong', 'an empty input'];
  }
  const y = predictAll(loaded, base.xs);
  if (variant.flipped) {
    const weights = decodeFlipped(base, variant.bin);
    if (!weights) return ['wrong', 'a non-finite weight or negative variance was accepted'];
    return identical(y, predictWith(base, weights)) ? [identical(y, base.expected) ? 'same' : 'asWritten', ''] : ['wrong', 'predictions differ from the weights the file holds'];
  }
  if (identical(y, base.expected)) return ['same', ''];
  if (!y.every(Number.isFinite)) return ['wrong', 'non-finite predictions'];
  // The file says another model: the loaded one must be that model, so saving and loading it again changes nothing.
  const resaved = await artifactsOf(loaded);
  if (JSON.stringify(resaved.modelTopology) === base.topology) return ['wrong', 'the original topology predicts differently'];
  const again = await nn.loadModel(resaved);
  const same = identical(predictAll(again, base.xs), y);
  again.dispose();
  return same ? ['asWritten', ''] : ['wrong', 'the loaded model does not survive its own save'];
}

/** Loads `load()` and records the outcome in each tally; `mustLoad` when the file is valid and refusing it is wrong. Returns the refusal. */
async function trial(tallies: Outcomes[], label: string, load: () => Promise<nn.LayersModel>, judge: (m: nn.LayersModel) => Promise<['same' | 'asWritten' | 'wrong', string]>, mustLoad = false): Promise<Error | null> {
  const add = (outcome: Parameters<Outcomes['add']>[0], detail = ''): void => tallies.forEach((t) => t.add(outcome, `${label}: ${detail}`));
  const before = bytesInUse();
  let loaded: nn.LayersModel | null = null;
  let failure: Error | null = null;
  try {
    loaded = await settles(load(), HANG_MS);
  } catch (e) {
    if (e instanceof Hang) { add('hang'); return null; }
    const why = notOwnError(e);
    if (why) add('crash', why);
    else if (mustLoad) add('wrong', `a valid file was refused: ${(e as Error).message}`);
    else add('error');
    failure = e as Error;
  }
  if (loaded) {
    try {
      const [outcome, why] = await judge(loaded);
      add(outcome, why);
    } catch (e) {
      add('crash', `the loaded model failed: ${(e as Error).message}`);
    }
    loaded.dispose();
  }
  if (bytesInUse() !== before) add('crash', `${bytesInUse() - before} bytes of wasm memory kept`);
  return failure;
}

let bases: Base[] = [];
beforeAll(async () => { bases = await makeBases(); });
afterAll(() => { for (const b of bases) b.model.dispose(); });

describe(`fuzzed model files (seed ${seed})`, () => {
  it(`${ROUNDS} mutated model.json / weights.bin pairs: refused with simdnn's error, or as the file says`, async () => {
    const rng = makeRng(seed);
    const outcomes = new Outcomes();
    const byFamily: Record<string, Outcomes> = {};
    const uncaught = await countingUncaught(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const base = pick(rng, bases);
        const variant = mutate(rng, base);
        const family = (byFamily[variant.family] ??= new Outcomes());
        const mustLoad = variant.flipped === true && decodeFlipped(base, variant.bin) !== null && optimizerUntouched(base, variant.bin);
        await trial([outcomes, family], `round ${round} (${variant.family})`, () => nn.loadModel(nn.io.fromModelJSON(variant.text, { 'weights.bin': variant.bin })),
          (m) => judgeAccepted(base, variant, m), mustLoad);
      }
    });
    console.log(`io-fuzz model files, seed ${seed}: ${outcomes} (${ROUNDS} variants)\n` +
      Object.entries(byFamily).map(([f, o]) => `  ${f}: ${o}`).join('\n'));
    expect(outcomes.examples, outcomes.examples.join('\n')).toEqual([]);
    expect(uncaught).toBe(0);
    expect(outcomes.total).toBe(ROUNDS);
    expect(outcomes.counts.error).toBeGreaterThan(ROUNDS / 4);
  });
});

/** True when the flipped bytes are all in layer weights (optimizer state may be refused on its own terms). */
function optimizerUntouched(base: Base, bin: Uint8Array): boolean {
  let at = 0;
  for (const s of base.json.weightsManifest[0].weights) {
    const size = 4 * s.shape.reduce((a, b) => a * b, 1);
    if (s.group === 'optimizer' && !identical(bin.subarray(at, at + size), base.bin.subarray(at, at + size))) return false;
    at += size;
  }
  return true;
}

/** Whether a manifest path names, from `folder`, a regular file inside it of `need` bytes: what the loader must accept. */
async function validInside(folder: string, path: string, need: number): Promise<{ valid: boolean; escapes: boolean }> {
  let depth = 0;
  let climbs = false;
  for (const part of path.split(/[\\/]/)) {
    depth += part === '..' ? -1 : part === '' || part === '.' ? 0 : 1;
    climbs ||= depth < 0;
  }
  if (path === '' || path.includes('\0') || isAbsolute(path) || /^[a-z]:|^\\/i.test(path) || climbs) return { valid: false, escapes: true };
  const real = await realpath(resolve(folder, path)).catch(() => null);
  if (real === null || !real.startsWith(folder + sep)) return { valid: false, escapes: true };
  const info = await stat(real);
  return { valid: info.isFile() && info.size === need, escapes: false };
}

describe(`path tricks in the weights manifest, on disk (seed ${seed})`, () => {
  it(`${PATH_ROUNDS} manifests with tricky paths: only regular files inside the folder are read, and nothing leaks about the rest`, async () => {
    const rng = makeRng(seed + 1);
    const root = await mkdtemp(join(tmpdir(), 'simdnn-fuzz-'));
    await mkdir(join(root, 'model'));
    const folder = await realpath(join(root, 'model'));
    const base = bases[0];
    const need = base.bin.length;
    const outcomes = new Outcomes();
    try {
      await writeFile(join(folder, 'weights.bin'), base.bin);
      await mkdir(join(folder, 'sub'));
      await copyFile(join(folder, 'weights.bin'), join(folder, 'sub', 'w.bin'));
      await copyFile(join(folder, 'weights.bin'), join(root, 'outside.bin'));
      await writeFile(join(folder, 'big.bin'), new Uint8Array(need + 8));
      await writeFile(join(folder, 'short.bin'), base.bin.subarray(0, need - 8));
      await symlink('weights.bin', join(folder, 'alias.bin'));
      await symlink(join(root, 'outside.bin'), join(folder, 'out.bin'));
      await symlink(join(root, 'nowhere.bin'), join(folder, 'dangling.bin'));
      await symlink(root, join(folder, 'dirlink'));
      await symlink('/dev/zero', join(folder, 'zero.bin'));
      execFileSync('mkfifo', [join(folder, 'pipe.bin')]);
      const names = ['..', '.', '', 'sub', 'weights.bin', 'w.bin', 'outside.bin', 'model', 'dirlink', 'alias.bin', 'out.bin', 'dangling.bin', 'zero.bin', 'pipe.bin', 'big.bin', 'short.bin', 'nowhere.bin'];
      const fixed = ['/etc/passwd', '../../../../etc/passwd', '/dev/zero', join(folder, 'weights.bin'), '../outside.bin', 'C:\\Windows\\win.ini', '\\\\server\\share\\w.bin', 'weights.bin\0.txt', './weights.bin', 'sub/../weights.bin'];
      const uncaught = await countingUncaught(async () => {
        for (let round = 0; round < PATH_ROUNDS; round++) {
          let path = rng() < 0.3 ? pick(rng, fixed) : Array.from({ length: 1 + Math.floor(rng() * 3) }, () => pick(rng, names)).join(rng() < 0.85 ? '/' : '\\');
          if (rng() < 0.1) path = `/${path}`;
          const paths = rng() < 0.15 ? ['weights.bin', path] : [path];
          const expectation = paths.length === 1 ? await validInside(folder, path, need) : { valid: false, escapes: (await validInside(folder, path, 0)).escapes };
          await writeFile(join(folder, 'model.json'), JSON.stringify({ ...base.json, weightsManifest: [{ ...base.json.weightsManifest[0], paths }] }));
          const refusal = await trial([outcomes], `path ${JSON.stringify(paths)}`, () => nn.loadModel(`file://${folder}`),
            async (m) => {
              if (!expectation.valid) return ['wrong', `loaded though not a regular file of ${need} bytes inside the folder`];
              return identical(predictAll(m, base.xs), base.expected) ? ['same', ''] : ['wrong', 'predicts differently'];
            }, expectation.valid);
          // Nothing about a target outside the folder: not its size, not whether it exists.
          if (refusal && expectation.escapes && /\d+ bytes|ENOENT|EACCES|ELOOP|ENOTDIR|FIFO|device/.test(refusal.message)) {
            outcomes.add('wrong', `path ${JSON.stringify(paths)}: the refusal tells about the target: ${refusal.message}`);
          }
        }
      });
      console.log(`io-fuzz path tricks, seed ${seed}: ${outcomes} (${PATH_ROUNDS} manifests)`);
      expect(outcomes.examples, outcomes.examples.join('\n')).toEqual([]);
      expect(uncaught).toBe(0);
      expect(outcomes.counts.same).toBeGreaterThan(0);
      expect(outcomes.counts.error).toBeGreaterThan(PATH_ROUNDS / 2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
