// LeakyReLU from a file Keras 3 wrote (tests/fixtures/keras3/leaky_relu, scripts/fixtures/make_keras3.py): its slope
// is under `negative_slope` there (Keras 2 and TF.js: `alpha`), and is read, not dropped for the 0.3 default: the
// predictions match Keras's and differ from what slope 0.3 would give. The activation string 'leaky_relu' is slope
// 0.2 in Keras 3 (not TF.js's 0.3 of simdnn's 'leakyRelu'): read as 'leakyReluKeras3', saved back as 'leaky_relu'.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { artifactsOf, maxAbsDiff } from './helpers/io-models.js';

beforeAll(() => nn.ready());

const dir = join(__dirname, 'fixtures', 'keras3', 'leaky_relu');
const json = (): nn.io.ModelJSON => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as nn.io.ModelJSON;
const weights = { 'weights.bin': new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { x: { shape: number[]; data: number[] }; y: { shape: number[]; data: number[] } };
const load = (j: unknown) => nn.loadModel(nn.io.fromModelJSON(j, weights));
const layersOf = (j: nn.io.ModelJSON) => (j.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;

/** Keras (torch) and simdnn sum the Dense products in different orders: a few float32 roundings of values ≤ ~5. */
const TOLERANCE = 1e-5;

describe('LeakyReLU saved by Keras 3', () => {
  it("the file says negative_slope (0.15, and the default 0.3), not alpha, and a Dense's activation 'leaky_relu'", () => {
    const leaky = layersOf(json()).filter((l) => l.class_name === 'LeakyReLU');
    expect(leaky.map((l) => [l.config.negative_slope, 'alpha' in l.config])).toEqual([[0.15, false], [0.3, false]]);
    expect(layersOf(json()).filter((l) => l.class_name === 'Dense').map((l) => l.config.activation)).toEqual(['linear', 'linear', 'leaky_relu', 'linear']);
  });

  it('loads with each slope read, and predicts what Keras predicted', async () => {
    const model = await load(json());
    expect(model.layers.filter((l) => l.className === 'LeakyReLU').map((l) => (l as unknown as { alpha: number }).alpha)).toEqual([0.15, 0.3]);
    expect(model.layers.filter((l) => l.className === 'Dense').map((l) => l.activationName)).toEqual(['linear', 'linear', 'leakyReluKeras3', 'linear']);
    const x = nn.tensor(Float32Array.from(reference.x.data), reference.x.shape);
    const y = model.predict(x) as nn.Tensor;
    expect(y.shape).toEqual(reference.y.shape);
    expect(maxAbsDiff(y.data, reference.y.data)).toBeLessThan(TOLERANCE);
    model.dispose();
  });

  // The fixture tells the slopes apart: each wrong slope moves the predictions by far more than the tolerance.
  const wrong: [string, (j: nn.io.ModelJSON) => void][] = [
    ['negative_slope 0.3 in place of 0.15', (j) => { layersOf(j).find((l) => l.config.negative_slope === 0.15)!.config.negative_slope = 0.3; }],
    ["TF.js's leakyRelu (0.3) in place of 'leaky_relu' (0.2)", (j) => { layersOf(j).find((l) => l.config.activation === 'leaky_relu')!.config.activation = 'leakyRelu'; }],
  ];
  it.each(wrong)('%s: predictions far off', async (_name, change) => {
    const j = json();
    change(j);
    const model = await load(j);
    const y = model.predict(nn.tensor(Float32Array.from(reference.x.data), reference.x.shape)) as nn.Tensor;
    expect(maxAbsDiff(y.data, reference.y.data)).toBeGreaterThan(100 * TOLERANCE);
    model.dispose();
  });

  it("saves 'leaky_relu' and negative_slope's value back, and loads them to the same predictions", async () => {
    const model = await load(json());
    const artifacts = await artifactsOf(model);
    const saved = (artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    expect(saved.filter((l) => l.class_name === 'Dense').map((l) => l.config.activation)).toEqual(['linear', 'linear', 'leaky_relu', 'linear']);
    expect(saved.filter((l) => l.class_name === 'LeakyReLU').map((l) => l.config.alpha)).toEqual([0.15, 0.3]);
    const again = await nn.loadModel(artifacts);
    const x = nn.tensor(Float32Array.from(reference.x.data), reference.x.shape);
    expect(Array.from((again.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    model.dispose();
    again.dispose();
  });
});
