// Fuzz: 1,500 mutated model.json / weight files. Each load throws an Error or returns a model that predicts;
// never a crash, a hang or a non-Error throw, and never wasm memory left behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { freshSeed, makeRng } from './helpers/kernels.js';
import { artifactsOf, augmented, batchFor, bytesInUse, mlp, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1500); // FUZZ_ROUNDS=<n> for a longer run
beforeAll(() => nn.ready());

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];

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

const ODD_VALUES: unknown[] = [null, 0, -1, 1, 2.5, 1e9, -1e9, '', 'x', 'same', 'channels_first', true, false, [], {}, [null], [1, 2], [0, 0, 0], { class_name: 'X', config: {} }, 'NaN'];

/** All [container, key] places in a JSON value. */
function places(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([value, i]); places(v, out); });
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push([value as Record<string, unknown>, k]); places(v, out); }
  }
  return out;
}

/** One mutation of the model.json text or of the weights. */
function mutate(rng: Rng, text: string, bin: Uint8Array): { text: string; bin: Uint8Array } {
  const kind = Math.floor(rng() * 10);
  const at = Math.floor(rng() * text.length);
  switch (kind) {
    case 0: return { text: text.slice(0, at), bin }; // truncated
    case 1: return { text: text.slice(0, at) + String.fromCharCode(32 + Math.floor(rng() * 95)) + text.slice(at + 1), bin }; // one character changed
    case 2: return { text: text.slice(0, at) + text.slice(at + 1 + Math.floor(rng() * 20)), bin }; // a range deleted
    case 3: return { text, bin: bin.slice(0, Math.floor(rng() * bin.length)) }; // weights truncated
    case 4: { // weight bytes flipped (a valid model may come out, with odd values)
      const b = bin.slice();
      for (let i = 0; i < 4; i++) b[Math.floor(rng() * b.length)] ^= 1 << Math.floor(rng() * 8);
      return { text, bin: b };
    }
    case 5: return { text, bin: new Uint8Array([...bin, ...new Uint8Array(1 + Math.floor(rng() * 8))]) }; // weights too long
    default: { // structural: a value replaced, a key deleted, or a list element duplicated
      let json: unknown;
      try { json = JSON.parse(text); } catch { return { text: text.slice(0, at), bin }; }
      const all = places(json);
      for (let n = 1 + Math.floor(rng() * 2); n > 0; n--) {
        if (all.length === 0) break;
        const [container, key] = pick(rng, all);
        const r = rng();
        if (r < 0.6) (container as Record<string, unknown>)[key] = JSON.parse(JSON.stringify(pick(rng, ODD_VALUES)));
        else if (r < 0.8 && !Array.isArray(container)) delete container[key as string];
        else if (Array.isArray(container)) container.push(JSON.parse(JSON.stringify(container[key as number])));
        else (container as Record<string, unknown>)[key] = typeof container[key] === 'number' ? (container[key] as number) * 3 + 1 : container[key];
      }
      return { text: JSON.stringify(json), bin };
    }
  }
}

describe(`fuzzed model files (seed ${seed})`, () => {
  it(`${ROUNDS} mutations: an Error or a working model, never anything else; no memory kept`, async () => {
    const bases: { text: string; bin: Uint8Array }[] = [];
    for (const [i, make] of [mlp, tinyCNN, tinyResidual, augmented].entries()) {
      const model = make();
      randomizeWeights(model, seed + i);
      const optimizer = i === 1 ? nn.optimizers.sgd({ momentum: 0.5 }) : i === 3 ? nn.optimizers.rmsprop({ centered: true }) : nn.optimizers.adam();
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const { modelJSON, weightFiles } = nn.io.toModelJSON(await artifactsOf(model, { includeOptimizer: i !== 2 }));
      bases.push({ text: JSON.stringify(modelJSON), bin: weightFiles['weights.bin'] });
      model.dispose();
    }
    const rng = makeRng(seed);
    const baseline = bytesInUse();
    const outcomes = { error: 0, model: 0 };
    let slowest = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const base = pick(rng, bases);
      let { text, bin } = mutate(rng, base.text, base.bin);
      if (rng() < 0.2) ({ text, bin } = mutate(rng, text, bin)); // sometimes two at once
      const started = performance.now();
      let model: nn.LayersModel | null = null;
      try {
        model = await nn.loadModel(nn.io.fromModelJSON(text, { 'weights.bin': bin }));
      } catch (e) {
        if (!(e instanceof Error)) throw new Error(`round ${round}: a non-Error was thrown: ${String(e)}\n${text}`);
        expect(e.message.length, `round ${round}: empty message`).toBeGreaterThan(10);
        outcomes.error++;
      }
      if (model) {
        outcomes.model++;
        const size = model.inputShape.reduce((a, b) => a * b, 1);
        if (size <= 1e5) {
          const y = model.predict(batchFor(model.inputShape, 2, round));
          expect(y.shape[0]).toBe(2);
        }
        model.dispose();
      }
      slowest = Math.max(slowest, performance.now() - started);
      if (bytesInUse() !== baseline) throw new Error(`round ${round}: ${bytesInUse() - baseline} bytes of wasm memory kept\n${text}`);
    }
    expect(outcomes.error + outcomes.model).toBe(ROUNDS);
    expect(outcomes.error).toBeGreaterThan(ROUNDS / 4);
    expect(slowest).toBeLessThan(2000);
  });
});
