/**
 * GaussianNoise (Keras/tfjs `GaussianNoise`): adds zero-mean gaussian noise while training, the
 * identity in evaluate/predict; any input shape. The noise comes from a kernel-side
 * counter-based generator seeded from the layer's seed (restarted when the model plans its
 * memory, as Dropout's mask), so runs with the same seed match. The gradient passes unchanged.
 */
import { getRandom } from '../core/random.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readSeed } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs, type LayerCall, type BufferRequest, streamSeed } from './layer.js';

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

  /** The 16-byte state of its kernel-side generator. */
  override bufferRequests(): BufferRequest[] {
    return [{ label: 'noise generator state', bytes: 16 }];
  }

  /** Seeds the generator; a second application of the layer in one model draws its own noise. */
  override initBuffers(buffers: readonly number[], use: number): void {
    this.backend.kernels.augmentNoiseSeed(buffers[0], streamSeed(this.seed >>> 0, use));
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    const { inputs, output } = call;
    const count = n * this.outputSize;
    if (!training || this.stddev === 0) {
      copyFloats(inputs[0], output, count);
      return;
    }
    this.backend.kernels.augmentNoise(inputs[0], output, count, this.stddev, call.buffers[0]);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
  }
}

/** Adds N(0, stddev²) noise to every value while training (tfjs `tf.layers.gaussianNoise`). */
export function gaussianNoise(args: GaussianNoiseArgs): GaussianNoise {
  return new GaussianNoise(args ?? ({} as GaussianNoiseArgs));
}
