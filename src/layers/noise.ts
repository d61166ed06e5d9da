/**
 * GaussianNoise (Keras/tfjs `GaussianNoise`): adds zero-mean gaussian noise while training, the
 * identity in evaluate/predict; any input shape. The noise comes from a kernel-side
 * counter-based generator seeded from the layer's seed (restarted when the model plans its
 * memory, as Dropout's mask), so runs with the same seed match. The gradient passes unchanged.
 */
import { getRandom } from '../core/random.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readSeed } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs } from './layer.js';

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseArgs extends LayerArgs {
  /** Seed of this layer's generator; default drawn from the library generator (`nn.setSeed`). */
  seed?: number;
  /** Standard deviation of the additive noise, ≥ 0. */
  stddev: number;
}

/** Adds zero-mean gaussian noise while training; any input shape; the gradient passes unchanged. */
export class GaussianNoise extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GaussianNoise';
  /** Every option {@link gaussianNoise} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'seed', 'stddev'];
  readonly stddev: number;
  /** Seed of this layer's generator. */
  readonly seed: number;
  /** 16-byte kernel generator state (planned). */
  private state = 0;

  constructor(args: GaussianNoiseArgs) {
    super(args, 'GaussianNoise');
    if (typeof args.stddev !== 'number' || !(args.stddev >= 0 && Number.isFinite(args.stddev))) {
      throw new RangeError(`${this.describe()}: stddev must be a finite number >= 0, got ${args.stddev}`);
    }
    this.stddev = args.stddev;
    if (args.seed !== undefined && !Number.isFinite(args.seed)) throw new RangeError(`${this.describe()}: seed must be a finite number, got ${args.seed}`);
    this.seed = args.seed ?? getRandom().seed();
  }

  /** A GaussianNoise from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GaussianNoise {
    const options = { ...args, stddev: r.number('stddev'), seed: readSeed(r) };
    return construct(r, () => new GaussianNoise(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  override plan(_maxBatch: number): void {
    this.releasePlan();
    this.state = this.backend.arena.alloc(16);
    this.backend.kernels.augmentNoiseSeed(this.state, this.seed >>> 0);
  }

  override releasePlan(): void {
    this.backend.arena.release(this.state);
    this.state = 0;
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number, training: boolean): void {
    const count = n * this.outputSize;
    if (!training || this.stddev === 0) {
      copyFloats(inputs[0], output, count);
      return;
    }
    if (this.state === 0) throw new Error(`${this.describe()}: forward in training before plan(maxBatch)`);
    this.backend.kernels.augmentNoise(inputs[0], output, count, this.stddev, this.state);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
  }
}

/** Adds N(0, stddev²) noise to every value while training (tfjs `tf.layers.gaussianNoise`). */
export function gaussianNoise(args: GaussianNoiseArgs): GaussianNoise {
  return new GaussianNoise(args ?? ({} as GaussianNoiseArgs));
}
