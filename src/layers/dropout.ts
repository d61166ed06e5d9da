/**
 * Dropout, inverted: while training, each value is kept with probability 1 − rate and scaled by
 * 1/(1 − rate); in evaluate/predict it is the identity. The mask comes from a kernel-side
 * generator seeded from the library's generator, so runs with the same seed match.
 */
import { getRandom } from '../core/random.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readSeed } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs, type LayerCall, type BufferRequest, streamSeed } from './layer.js';

/** Arguments of {@link dropout}, as tfjs-layers. */
export interface DropoutArgs extends LayerArgs {
  /** Fraction of values dropped, in [0, 1). */
  rate: number;
  /** Seed of this layer's mask generator; default drawn from the library generator. */
  seed?: number;
}

/** Inverted dropout, active only in training. */
export class Dropout extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Dropout';
  /** Every option {@link dropout} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'rate', 'seed'];
  readonly rate: number;
  private readonly seed: number;

  constructor(args: DropoutArgs) {
    super(args, 'Dropout');
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new RangeError(`${this.describe()}: rate must be in [0, 1), got ${args.rate}`);
    }
    this.rate = args.rate;
    this.seed = args.seed ?? getRandom().seed();
  }

  /** A Dropout from its Keras config; noise_shape is refused. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Dropout {
    const options = { ...args, rate: r.number('rate'), seed: readSeed(r) };
    r.requireDefault('noise_shape');
    return construct(r, () => new Dropout(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), rate: this.rate, noise_shape: null, seed: this.seed };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  /** The mask of one batch and the 16-byte state of its kernel-side generator. */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'dropout mask', bytes: 4 * capacity * this.outputSize }, { label: 'dropout generator state', bytes: 16 }];
  }

  /** Seeds the generator; a second application of the layer in one model draws its own masks. */
  override initBuffers(buffers: readonly number[], use: number): void {
    this.backend.kernels.dropoutSeedState(buffers[1], streamSeed(this.seed, use));
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    const { inputs, output } = call;
    const count = n * this.outputSize;
    if (!training || this.rate === 0) {
      copyFloats(inputs[0], output, count);
      return;
    }
    const k = this.backend.kernels;
    k.dropoutMask(call.buffers[0], count, this.rate, call.buffers[1]);
    k.dropoutApply(inputs[0], call.buffers[0], output, count, 0);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] === 0) return;
    const count = n * this.outputSize;
    // Backward follows a training forward: the mask was applied whenever rate > 0.
    if (this.rate > 0) this.backend.kernels.dropoutApply(gradOutput, call.buffers[0], gradInputs[0], count, 0);
    else copyFloats(gradOutput, gradInputs[0], count);
  }
}

/** Randomly zeroes a fraction of values while training (tfjs `tf.layers.dropout`). */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
