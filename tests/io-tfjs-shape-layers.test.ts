// The shape layers with TensorFlow.js 4.22 both ways (cpu backend): same predictions within 1e-5;
// bilinear upsampling against TF.js's resizeBilinear (both sampling conventions); what TF.js does
// with keepdims and with Keras 3's half-pixel bilinear.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.js';
import { freshSeed, makeRng, randomArray } from './helpers/kernels.js';
import { artifactsOf, batchFor, maxAbsDiff, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(async () => {
  await nn.ready();
  await tf.setBackend('cpu');
});

/** What tfjs writes for a model, in memory. */
async function tfjsArtifacts(model: tf.LayersModel): Promise<nn.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved as nn.io.ModelArtifacts;
}

/** Random weights for a tfjs model. */
function randomizeTf(model: tf.LayersModel, s: number): void {
  const rng = makeRng(s);
  model.setWeights(model.weights.map((w) => tf.tensor(randomArray(w.shape.reduce((a: number, b) => a * (b as number), 1), rng, -0.8, 0.8), w.shape as number[])));
}

function tfPredict(model: tf.LayersModel, x: nn.Tensor): tf.Tensor {
  return model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor;
}

/** Every shape layer in one Sequential that TF.js can read: its nearest and TF.js-convention bilinear. */
function everyShapeLayer(): nn.Sequential {
  return nn.sequential({ layers: [
    nn.layers.conv2d({ inputShape: [5, 4, 3], filters: 4, kernelSize: 2, activation: 'relu' }),
    nn.layers.zeroPadding2d({ padding: [[2, 1], [0, 3]] }),
    nn.layers.cropping2d({ cropping: [[1, 0], [2, 1]] }),
    nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
    nn.layers.permute({ dims: [2, 3, 1] }),
    nn.layers.permute({ dims: [3, 1, 2] }),
    nn.layers.upSampling2d({ size: [1, 2] }),
    nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
    nn.layers.globalMaxPooling2d(),
    nn.layers.repeatVector({ n: 4 }),
    nn.layers.permute({ dims: [2, 1] }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 3 }),
  ] });
}

describe(`shape layers with TensorFlow.js 4.22 (seed ${seed})`, () => {
  it('simdnn → tf.loadLayersModel: same output shape and predictions within 1e-5', async () => {
    const m = everyShapeLayer();
    randomizeWeights(m, seed);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.className));
    const x = batchFor([5, 4, 3], 3, seed + 1);
    const theirs = tfPredict(loaded, x);
    expect(theirs.shape).toEqual([3, 3]);
    expect(maxAbsDiff(theirs.dataSync(), (m.predict(x) as nn.Tensor).data)).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel: every shape layer, same predictions within 1e-5', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.zeroPadding2d({ inputShape: [6, 5, 2], padding: [[1, 2], [3, 0]] }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh' }),
      tf.layers.upSampling2d({ size: [3, 2], interpolation: 'bilinear' }),
      tf.layers.cropping2D({ cropping: [[2, 1], [0, 3]] }),
      tf.layers.zeroPadding2d({}),
      tf.layers.permute({ dims: [3, 1, 2] }),
      tf.layers.upSampling2d({}),
      tf.layers.globalMaxPooling2d({}),
      tf.layers.repeatVector({ n: 3 }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ] });
    randomizeTf(m, seed + 2);
    const loaded = await nn.loadModel(await tfjsArtifacts(m));
    expect(loaded.layers.map((l) => l.className)).toEqual(m.layers.map((l) => l.getClassName()));
    const x = batchFor([6, 5, 2], 3, seed + 3);
    expect(maxAbsDiff((loaded.predict(x) as nn.Tensor).data, tfPredict(m, x).dataSync())).toBeLessThan(1e-5);
    loaded.dispose();
    m.dispose();
  });

  it('tfjs → nn.loadModel: padding and cropping in their int and [h, w] forms, permute of rank 4', async () => {
    const m = tf.sequential({ layers: [
      tf.layers.zeroPadding2d({ inputShape: [4, 3, 2], padding: [2, 1] }),
      tf.layers.cropping2D({ cropping: 1 }),
      tf.layers.cropping2D({ cropping: [1, 0] }),
      tf.layers.zeroPadding2d({ padding: 3 }),
      tf.layers.reshape({ targetShape: [10, 9, 1, 2] }),
      tf.layers.permute({ dims: [4, 2, 1, 3] }),
      tf.layers.flatten(),
    ] });
    const loaded = await nn.loadModel(await tfjsArtifacts(m));
    const x = batchFor([4, 3, 2], 2, seed + 4);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from(tfPredict(m, x).dataSync()));
    loaded.dispose();
    m.dispose();
  });

  // [h, w, c, sizeH, sizeW]: odd sizes and channel counts with SIMD tails.
  const resizes: [number, number, number, number, number][] = [[1, 1, 1, 2, 2], [3, 5, 7, 2, 3], [4, 2, 5, 3, 1], [2, 3, 33, 4, 4]];
  resizes.forEach(([h, w, c, sh, sw]) => {
    it(`bilinear ${h}x${w}x${c} by ${sh}x${sw}: tf.image.resizeBilinear within 1e-6, with and without half-pixel centres`, () => {
      const x = batchFor([h, w, c], 2, seed + h * w * c);
      for (const halfPixelCenters of [false, true]) {
        const y = nn.sequential({ layers: [nn.layers.upSampling2d({ inputShape: [h, w, c], size: [sh, sw], interpolation: 'bilinear', halfPixelCenters })] });
        const want = tf.image.resizeBilinear(tf.tensor(x.data, [2, h, w, c]) as tf.Tensor4D, [h * sh, w * sw], false, halfPixelCenters);
        // TF.js interpolates in float64 and rounds once; simdnn's float32 lerps are within 32u of that for |x| ≤ 1.
        expect(maxAbsDiff((y.predict(x) as nn.Tensor).data, want.dataSync())).toBeLessThan(1e-6);
        y.dispose();
      }
    });
  });

  it('tfjs 4.22 has no keepdims: it reads the key and ignores it, giving [batch, C] where simdnn gives [batch, 1, 1, C] (same values)', async () => {
    const m = nn.sequential({ layers: [nn.layers.globalMaxPooling2d({ inputShape: [3, 4, 5], keepdims: true })] });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    const x = batchFor([3, 4, 5], 2, seed + 5);
    const theirs = tfPredict(loaded, x);
    expect(theirs.shape).toEqual([2, 5]);
    expect((m.predict(x) as nn.Tensor).shape).toEqual([2, 1, 1, 5]);
    expect(Array.from(theirs.dataSync())).toEqual(Array.from((m.predict(x) as nn.Tensor).data));
    loaded.dispose();
    m.dispose();
  });

  it("half-pixel bilinear (Keras 3's) is written with Keras 3's dtype object: tfjs 4.22 reads it and samples at o/s, as its own", async () => {
    // Not as the first layer: tfjs gives a first layer's dtype to the model's input, and cannot feed float32 to a dtype object.
    const m = nn.sequential({ layers: [
      nn.layers.reshape({ inputShape: [3, 4, 2], targetShape: [3, 4, 2] }),
      nn.layers.upSampling2d({ interpolation: 'bilinear', halfPixelCenters: true }),
    ] });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(m) as tf.io.ModelArtifacts));
    const x = batchFor([3, 4, 2], 2, seed + 6);
    const own = tf.image.resizeBilinear(tf.tensor(x.data, [2, 3, 4, 2]) as tf.Tensor4D, [6, 8], false, false).dataSync();
    expect(maxAbsDiff(tfPredict(loaded, x).dataSync(), own)).toBe(0);
    expect(maxAbsDiff((m.predict(x) as nn.Tensor).data, own)).toBeGreaterThan(1e-2);
    loaded.dispose();
    m.dispose();
  });

  it("a Keras 3 file (tests/fixtures/keras3/shape_layers): its bilinear layer is read with half-pixel centres; read TF.js's way it predicts otherwise", async () => {
    const dir = join(__dirname, 'fixtures', 'keras3', 'shape_layers');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { x: { shape: number[]; data: number[] }; y: { data: number[] } };
    const weights = { 'weights.bin': new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
    const x = nn.tensor(new Float32Array(reference.x.data), reference.x.shape);
    const keras3 = await nn.loadModel(nn.io.fromModelJSON(json, weights));
    expect((keras3.layers[3] as nn.layers.UpSampling2D).halfPixelCenters).toBe(true);
    expect(maxAbsDiff((keras3.predict(x) as nn.Tensor).data, reference.y.data)).toBeLessThan(1e-5);
    // The same file with a dtype string, as TF.js writes it: sampled at o/s, far from what Keras 3 predicted.
    const bilinear = json.modelTopology.config.layers.find((l) => l.class_name === 'UpSampling2D' && l.config.interpolation === 'bilinear')!;
    bilinear.config.dtype = 'float32';
    const tfjsWay = await nn.loadModel(nn.io.fromModelJSON(json, weights));
    expect((tfjsWay.layers[3] as nn.layers.UpSampling2D).halfPixelCenters).toBe(false);
    expect(maxAbsDiff((tfjsWay.predict(x) as nn.Tensor).data, reference.y.data)).toBeGreaterThan(0.05);
    keras3.dispose();
    tfjsWay.dispose();
  });
});
