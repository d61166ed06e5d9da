// No setting silently ignored: every factory in nn.layers declares its option keys (static optionKeys on its class);
// each declared key is accepted and changes the layer's config, survives getConfig → fromConfig, and its snake_case
// or mis-capitalised spelling is refused naming the key. A new factory or option without an entry below fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

beforeAll(() => nn.ready());

/** The options each factory needs to construct at all. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  dense: { units: 2 }, conv2d: { filters: 2, kernelSize: 3 }, reshape: { targetShape: [4] }, dropout: { rate: 0.5 },
  activation: { activation: 'relu' }, gaussianNoise: { stddev: 0.1 }, randomTranslation: { heightFactor: 0.1, widthFactor: 0.1 },
  randomRotation: { factor: 0.1 }, randomZoom: { heightFactor: 0.1 }, depthwiseConv2d: { kernelSize: 3 },
  separableConv2d: { filters: 2, kernelSize: 3 },
  conv2dTranspose: { filters: 2, kernelSize: 3 }, rescaling: { scale: 0.5 },
  permute: { dims: [2, 1] }, repeatVector: { n: 2 }, upSampling2d: { interpolation: 'bilinear' },
  simpleRNN: { units: 2 }, lstm: { units: 2 }, gru: { units: 2 }, bidirectional: { layer: nn.layers.lstm({ units: 2 }) },
  embedding: { inputDim: 5, outputDim: 2 }, conv1d: { filters: 2, kernelSize: 3 }, timeDistributed: { layer: nn.layers.dense({ units: 2 }) },
};

/** A valid value for each option key, away from its default (and from the REQUIRED values). */
const EXAMPLE: Record<string, unknown> = {
  name: 'custom_name', inputShape: [4, 4, 2], batchInputShape: [null, 4, 4, 2], trainable: false,
  units: 3, activation: 'tanh', useBias: false, kernelInitializer: 'heNormal', biasInitializer: 'ones', kernelRegularizer: 'l2', biasRegularizer: 'l1',
  filters: 3, kernelSize: 2, strides: [1, 2], padding: 'same', dilationRate: 2, poolSize: 3, targetShape: [2, 2], rate: 0.25, seed: 12,
  axis: 3, momentum: 0.9, epsilon: 0.01, center: false, scale: false, stddev: 0.3, mode: 'vertical',
  fillMode: 'wrap', interpolation: 'nearest', fillValue: 0.5, heightFactor: 0.2, widthFactor: 0.3, factor: 0.2,
  depthMultiplier: 2, depthwiseInitializer: 'heNormal', depthwiseRegularizer: 'l2', groups: 2,
  pointwiseInitializer: 'heNormal', pointwiseRegularizer: 'l2',
  inputDim: 7, outputDim: 3, embeddingsInitializer: 'glorotUniform', embeddingsRegularizer: 'l2', maskZero: false, inputLength: 6,
  outputPadding: 1, betaInitializer: 'ones', gammaInitializer: 'zeros', betaRegularizer: 'l2', gammaRegularizer: 'l1',
  alpha: 0.7, offset: 0.25, recurrentInitializer: 'heNormal', recurrentRegularizer: 'l2', returnSequences: true, returnState: true,
  goBackwards: true, dropout: 0.25, recurrentDropout: 0, recurrentActivation: 'tanh', unitForgetBias: true, resetAfter: true, mergeMode: 'sum', cropping: [[1, 0], [0, 2]], dims: [1, 2], n: 3, size: [3, 2], halfPixelCenters: true,
  keepdims: true, layer: nn.layers.flatten(),
};

/** Per factory, example values where the shared one does not fit (1-D layers take one stride). */
const EXAMPLE_FOR: Record<string, Record<string, unknown>> = {
  conv1d: { strides: 2 }, maxPooling1d: { strides: 3 }, averagePooling1d: { strides: 3 },
  zeroPadding2d: { padding: [[1, 2], [0, 3]] }, upSampling2d: { interpolation: 'nearest' },
  rescaling: { scale: 2 }, // 'scale' is a flag elsewhere
  simpleRNN: { activation: 'relu' }, lstm: { activation: 'relu' }, gru: { activation: 'relu' }, // tanh is their default
  bidirectional: { layer: nn.layers.gru({ units: 3 }) },
  conv2dTranspose: { outputPadding: 0 }, // below the default stride 1; the key's default is none
};

/** Options whose only accepted value is the default, so setting them cannot change the config. */
const DEFAULT_ONLY: Record<string, string[]> = {
  embedding: ['maskZero'], // true is refused: simdnn propagates no masks (tests/embedding.test.ts)
  // A non-zero recurrent dropout is refused (tests of the recurrent layers): 0, the default, is the only value.
  simpleRNN: ['recurrentDropout'], lstm: ['recurrentDropout'], gru: ['recurrentDropout'],
};

type Factory = (args?: Record<string, unknown>) => nn.Layer;
type LayerClass = { optionKeys?: readonly string[]; className: string };

const factories = Object.entries(nn.layers).filter(([name, f]) => typeof f === 'function' && /^[a-z]/.test(name)) as [string, Factory][];

/** What a layer was configured with: its Keras config and declared input shape (seeds drawn from a fixed generator). */
function configured(factory: Factory, args: Record<string, unknown>): string {
  nn.setSeed(1);
  // A fixed name: an automatic one counts up with every layer made.
  const layer = factory({ name: 'fixed', ...args });
  return JSON.stringify({ config: layer.getConfig(), inputShape: layer.declaredInputShape });
}

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const capitalised = (key: string): string => key[0].toUpperCase() + key.slice(1);

describe('every layer factory refuses unknown options, naming the nearest', () => {
  it('nn.layers has the factories this table knows', () => {
    expect(factories.length).toBeGreaterThanOrEqual(17);
  });

  for (const [name, factory] of factories) {
    it(`${name}: declares its keys; each is accepted, honoured and kept by getConfig/fromConfig; misspellings are refused`, () => {
      const minimal = REQUIRED[name] ?? {};
      const cls = factory(minimal).constructor as unknown as LayerClass;
      const keys = cls.optionKeys;
      expect(Array.isArray(keys), `${name}: its class declares no static optionKeys`).toBe(true);
      expect(keys).toEqual(expect.arrayContaining(['name', 'inputShape', 'batchInputShape', 'trainable', ...Object.keys(minimal)]));
      const registered = nn.serialization.getRegisteredClass(cls.className);
      expect(registered, `${name}: class ${cls.className} is not registered`).toBe(cls);
      const base = configured(factory, minimal);
      const examples = { ...EXAMPLE, ...EXAMPLE_FOR[name] };
      for (const key of keys!) {
        expect(key in examples, `${name}: no example value for option '${key}'; add one to EXAMPLE`).toBe(true);
        const args = { ...minimal, [key]: examples[key] };
        // batchInputShape is inputShape with a batch entry: the same declared shape as inputShape.
        if (DEFAULT_ONLY[name]?.includes(key)) expect(configured(factory, args)).toBe(base);
        else if (key !== 'batchInputShape') expect(configured(factory, args), `${name}: option '${key}' changed nothing`).not.toBe(base);
        else expect(configured(factory, args)).toBe(configured(factory, { ...minimal, inputShape: EXAMPLE.inputShape }));
        // Saved and read back, the config is the same: no option is lost on the way through a file.
        const layer = factory(args);
        const config = layer.getConfig();
        const reader = new nn.serialization.ConfigReader(`${name} config`, config);
        reader.ignore('name');
        const rebuilt = registered!.fromConfig(reader, { name: config.name as string, trainable: reader.bool('trainable', true) });
        reader.finish();
        expect(rebuilt.getConfig(), `${name}: '${key}' through getConfig/fromConfig`).toEqual(config);
        for (const wrong of new Set([snakeCase(key), capitalised(key)].filter((k) => k !== key))) {
          expect(() => factory({ ...minimal, [wrong]: examples[key] }), `${name}: '${wrong}'`).toThrow(`${cls.className}: unknown option '${wrong}'; did you mean '${key}'?`);
        }
      }
    });
  }

  it('the examples of the issue', () => {
    expect(() => nn.layers.conv2d({ filters: 2, kernel_size: 3 } as never)).toThrow("Conv2D: unknown option 'kernel_size'; did you mean 'kernelSize'?");
    expect(() => nn.layers.dense({ units: 2, kernel_regularizer: 'l2' } as never)).toThrow("Dense: unknown option 'kernel_regularizer'; did you mean 'kernelRegularizer'?");
    expect(() => nn.layers.dropout({ rate: 0.1, noiseShape: [1] } as never)).toThrow("Dropout: unknown option 'noiseShape'; valid options: name, inputShape, batchInputShape, trainable, rate, seed");
  });
});
