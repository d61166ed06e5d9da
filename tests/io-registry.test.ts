// The layer class registry: a user's own Layer subclass, once registered with nn.serialization.registerClass,
// saves and loads like a built-in layer; before that, save and load refuse it naming the cure.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import type { LayerCall } from '../src/layers/layer.js';
import { freshSeed } from './helpers/kernels.js';
import { artifactsOf, batchFor, bytesInUse, randomizeWeights } from './helpers/io-models.js';

const seed = freshSeed();
beforeAll(() => nn.ready());

interface ScaleArgs extends nn.LayerArgs {
  /** Constant factor applied on top of the learned per-channel gain. */
  factor: number;
}

/** y = factor · gain ⊙ x over the last axis, with a learned gain: a user layer written against the public Layer. */
class Scale extends nn.Layer {
  static readonly className: string = 'Scale';
  static readonly optionKeys = [...nn.serialization.LAYER_OPTION_KEYS, 'factor'];
  readonly factor: number;
  private gain!: nn.Param;

  constructor(args: ScaleArgs) {
    super(args, 'Scale');
    this.factor = args.factor;
  }

  static fromConfig(config: nn.serialization.ConfigReader, args: nn.LayerArgs): Scale {
    return new Scale({ ...args, factor: config.number('factor') });
  }

  override getConfig(): nn.io.JSONObject {
    return { ...super.getConfig(), factor: this.factor };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  protected override createParams(): void {
    this.gain = this.addParam('gain', [this.outputShape[this.outputShape.length - 1]], nn.initializers.ones());
  }

  protected forwardLinear(n: number, { inputs, output }: LayerCall): void {
    const f32 = this.backend.arena.f32, c = this.gain.size, g = this.gain.ptr >>> 2;
    for (let i = 0; i < n * this.outputSize; i++) f32[(output >>> 2) + i] = this.factor * f32[g + (i % c)] * f32[(inputs[0] >>> 2) + i];
  }

  protected backwardLinear(n: number, { inputs, gradOutput, gradInputs }: LayerCall): void {
    const f32 = this.backend.arena.f32, c = this.gain.size, g = this.gain.ptr >>> 2, dg = this.gain.grad >>> 2;
    f32.fill(0, dg, dg + c);
    for (let i = 0; i < n * this.outputSize; i++) {
      const dy = f32[(gradOutput >>> 2) + i];
      f32[dg + (i % c)] += this.factor * dy * f32[(inputs[0] >>> 2) + i];
      if (gradInputs[0] !== 0) f32[(gradInputs[0] >>> 2) + i] = this.factor * f32[g + (i % c)] * dy;
    }
  }
}

const make = (): nn.Sequential => nn.sequential({ layers: [
  nn.layers.dense({ inputShape: [5], units: 4, activation: 'tanh' }),
  new Scale({ factor: 1.5, name: 'scale' }),
  nn.layers.dense({ units: 3 }),
] });

describe(`a registered user layer saves and loads (seed ${seed})`, () => {
  it('refused by save and load before registration, naming registerClass', async () => {
    const model = make();
    await expect(artifactsOf(model)).rejects.toThrow(/layer 'scale' of class Scale cannot be saved: its class is not registered.*nn\.serialization\.registerClass/);
    const saved = nn.io.modelToArtifacts(nn.sequential({ layers: [nn.layers.dense({ inputShape: [2], units: 2, name: 'plain' })] }));
    const topology = JSON.parse(JSON.stringify(saved.modelTopology));
    topology.config.layers[0].class_name = 'Unregistered';
    await expect(nn.loadModel({ ...saved, modelTopology: topology })).rejects.toThrow(/layer class 'Unregistered' is not supported; supported: InputLayer, Dense, .*register your own with nn\.serialization\.registerClass/);
    model.dispose();
  });

  it('once registered: the config holds its option, weights and predictions survive, a misspelt key is refused', async () => {
    nn.serialization.registerClass(Scale);
    nn.serialization.registerClass(Scale); // the same class again is a no-op
    const model = make();
    randomizeWeights(model, seed);
    const artifacts = await artifactsOf(model);
    const layers = (artifacts.modelTopology.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers;
    expect(layers[1]).toEqual({ class_name: 'Scale', config: { name: 'scale', trainable: true, factor: 1.5 } });
    const loaded = await nn.loadModel(artifacts);
    expect(loaded.layers[1]).toBeInstanceOf(Scale);
    expect((loaded.layers[1] as Scale).factor).toBe(1.5);
    expect(loaded.getWeights().map((w) => Array.from(w.data))).toEqual(model.getWeights().map((w) => Array.from(w.data)));
    const x = batchFor([5], 4, seed + 1);
    expect(Array.from((loaded.predict(x) as nn.Tensor).data)).toEqual(Array.from((model.predict(x) as nn.Tensor).data));
    // Its own keys are read through the ConfigReader: one it does not read is refused by name.
    const bad = JSON.parse(JSON.stringify(artifacts.modelTopology));
    bad.config.layers[1].config.factr = 2;
    const before = bytesInUse();
    await expect(nn.loadModel({ ...artifacts, modelTopology: bad })).rejects.toThrow(/layer 'scale' \(Scale\): option 'factr' \(2\) is not supported/);
    expect(bytesInUse()).toBe(before);
    // The manifest is checked against the weights the class will create, before it builds.
    const wrong = { ...artifacts, weightSpecs: artifacts.weightSpecs.map((s) => (s.name === 'scale/gain' ? { ...s, shape: [2, 2] } : s)) };
    await expect(nn.loadModel(wrong)).rejects.toThrow(/weight 'scale\/gain' has shape \[2, 2\] but layer 'scale' \(Scale\) expects \[4\]/);
    expect(bytesInUse()).toBe(before);
    // And its constructor refuses unknown options like the built-in layers.
    expect(() => new Scale({ factor: 1, fator: 2 } as ScaleArgs)).toThrow("Scale: unknown option 'fator'; did you mean 'factor'?");
    model.dispose();
    loaded.dispose();
  });

  it('registerClass refuses what it cannot load, and a second class under a taken name', () => {
    class NoName extends Scale {}
    expect(() => nn.serialization.registerClass(NoName)).toThrow(/class NoName needs its own static className/);
    class NoFromConfig extends Scale { static override readonly className: string = 'NoFromConfig'; }
    expect(() => nn.serialization.registerClass(NoFromConfig)).toThrow('class NoFromConfig needs its own static fromConfig(config, args)');
    class Other extends Scale {
      static override readonly className: string = 'Dense';
      static override fromConfig(config: nn.serialization.ConfigReader, args: nn.LayerArgs): Other { return new Other({ ...args, factor: config.number('factor') }); }
    }
    expect(() => nn.serialization.registerClass(Other)).toThrow("serialization.registerClass: class name 'Dense' is already registered to another class");
    expect(() => nn.serialization.registerClass({} as never)).toThrow(/expected a subclass of nn.Layer/);
  });
});
