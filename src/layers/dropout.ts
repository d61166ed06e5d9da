/**
 * Dropout, inverted: while training, each value is kept with probability 1 − rate and scaled by
 * 1/(1 − rate); in evaluate/predict it is the identity. The mask comes from a kernel-side
 * generator seeded from the library's generator, so runs with the same seed match.
 */
import { getRandom } from '../core/random.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readSeed } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs } from './layer.js';

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
  private mask = 0;
  /** 16-byte generator state in wasm memory. */
  private state = 0;
  private maskActive = false;

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

  override plan(maxBatch: number): void {
    this.releasePlan();
    const { kernels, arena } = this.backend;
    this.mask = arena.allocF32(maxBatch * this.outputSize);
    this.state = arena.alloc(16);
    kernels.dropoutSeedState(this.state, this.seed);
  }

  override releasePlan(): void {
    const { arena } = this.backend;
    arena.release(this.mask);
    arena.release(this.state);
    this.mask = this.state = 0;
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number, training: boolean): void {
    const count = n * this.outputSize;
    this.maskActive = training && this.rate > 0;
    if (!this.maskActive) {
      copyFloats(inputs[0], output, count);
      return;
    }
    const k = this.backend.kernels;
    k.dropoutMask(this.mask, count, this.rate, this.state);
    k.dropoutApply(inputs[0], this.mask, output, count, 0);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    if (gradInputs[0] === 0) return;
    const count = n * this.outputSize;
    if (this.maskActive) this.backend.kernels.dropoutApply(gradOutput, this.mask, gradInputs[0], count, 0);
    else copyFloats(gradOutput, gradInputs[0], count);
  }
}

/** Randomly zeroes a fraction of values while training (tfjs `tf.layers.dropout`). */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
