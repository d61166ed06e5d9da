/**
 * Augmentation layers, active only while training (the identity in evaluate/predict), with the
 * names, arguments and defaults of Keras: randomFlip, randomTranslation, randomRotation,
 * randomZoom, on images [N, height, width, channels]. (gaussianNoise, for any shape, is in noise.ts.)
 *
 * Each image layer draws its per-sample parameters from its own seeded generator into a buffer
 * planned for the largest batch, then runs one kernel over the batch. Backward is exact: the
 * gradient goes through the adjoint of the transform applied in the last training forward (a
 * flip is its own adjoint; resampling scatters each gradient to its source taps; the fill value
 * has no gradient), so the layers may sit anywhere in a model, not only first. Each generator
 * restarts from its seed when the model lays out its memory plan, as Dropout's does.
 */
import { affineImages, affineImagesBackward, flipImages, flipImagesBackward, imageBatchArgs, type ImageBatchArgs } from '../core/kernels/augment.js';
import { Random, getRandom } from '../core/random.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct, readChannelsLast, readChoice, readFactor, readSeed } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, formatShape, type LayerArgs, type LayerCall, type BufferRequest } from './layer.js';

/**
 * How a source pixel outside the image is filled (Keras `fill_mode`), applied to each integer
 * pixel index: 'reflect' d c b a | a b c d | d c b a; 'constant' the fill value; 'nearest' the
 * edge pixel; 'wrap' a b c d | a b c d | a b c d (periodic).
 */
export type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';
/** How a source point between pixels is sampled: 'bilinear', or 'nearest' (the closest pixel, halves rounded up). */
export type Interpolation = 'bilinear' | 'nearest';
/** A range [lower, upper], or f for [−f, f]. */
export type Factor = number | [number, number];

const FILL_MODES: readonly FillMode[] = ['reflect', 'constant', 'nearest', 'wrap'];
const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest'];
const FLIP_MODES = ['horizontal', 'vertical', 'horizontal_and_vertical'] as const;

const RANDOM_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'seed'];
const AFFINE_KEYS: readonly string[] = [...RANDOM_KEYS, 'fillMode', 'interpolation', 'fillValue'];

/** Options shared by the resampling layers in a Keras config (translation, rotation, zoom). */
function readAffine(r: ConfigReader): AffineArgs {
  readChannelsLast(r);
  // Keras 3 writes it only when set; it changes how bounding boxes in a dict input move, not images.
  r.ignore('bounding_box_format');
  return { fillMode: readChoice(r, 'fill_mode', FILL_MODES, 'reflect'), interpolation: readChoice(r, 'interpolation', INTERPOLATIONS, 'bilinear'), fillValue: r.number('fill_value', 0), seed: readSeed(r) };
}

/** A [lower, upper] range as Keras reads it back (a pair is taken as is), or null. */
function rangeConfig(v: [number, number] | null): JSONObject[string] {
  return v ? [...v] : null;
}

/** Options shared by the augmentation layers. */
export interface RandomArgs extends LayerArgs {
  /** Seed of this layer's generator; default drawn from the library generator (`nn.setSeed`). */
  seed?: number;
}

/** Options of the resampling layers (translation, rotation, zoom). */
export interface AffineArgs extends RandomArgs {
  /** Fill of points outside the image (default 'reflect': d c b a | a b c d | d c b a). */
  fillMode?: FillMode;
  /** Sampling between pixels (default 'bilinear'). */
  interpolation?: Interpolation;
  /** Value outside the image when fillMode is 'constant' (default 0). */
  fillValue?: number;
}

function seedOf(seed: number | undefined, who: string): number {
  if (seed === undefined) return getRandom().seed();
  if (!Number.isFinite(seed)) throw new RangeError(`${who}: seed must be a finite number, got ${seed}`);
  return seed;
}

function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], fallback: T, who: string, arg: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new RangeError(`${who}: ${arg} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** [lower, upper] from a Factor, checked: finite, lower ≤ upper, within [min, max]. */
function range(value: Factor | undefined, who: string, arg: string, min = -Infinity, max = Infinity): [number, number] {
  const pair = typeof value === 'number' ? [-value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`${who}: ${arg} must be a finite number or a [lower, upper] pair, got ${JSON.stringify(value)}`);
  }
  const [lower, upper] = pair;
  if (lower > upper) throw new RangeError(`${who}: ${arg} must have lower <= upper, got [${lower}, ${upper}]`);
  if (lower < min || upper > max) throw new RangeError(`${who}: ${arg} must lie in [${min}, ${max}], got [${lower}, ${upper}]`);
  return [lower, upper];
}

/** Shared plumbing of the image layers: the rank check, the parameter buffer, identity when not training. */
abstract class ImageAugmentation extends Layer {
  /** Seed of this layer's generator. */
  readonly seed: number;
  protected random: Random;
  /** The kernels' operands, refilled per call. */
  private readonly images = imageBatchArgs();

  protected constructor(args: RandomArgs, className: string, private readonly paramFloats: number) {
    super(args, className);
    this.seed = seedOf(args.seed, this.describe());
    this.random = new Random(this.seed);
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 3) {
      throw new RangeError(`${this.describe()}: expects images [N, height, width, channels] (rank 4), got input ${formatShape([null, ...shape])} (rank ${shape.length + 1})`);
    }
    return [...shape];
  }

  /**
   * The per-sample parameters of one batch (`paramFloats` values per sample), and an i32 flag:
   * whether its forward applied the transform (training), which its backward then inverts.
   */
  override bufferRequests(capacity: number): BufferRequest[] {
    return [{ label: 'sampled transform parameters', bytes: 4 * capacity * this.paramFloats }, { label: 'transform applied', bytes: 4 }];
  }

  /** A new plan restarts the generator from the seed, so a fit's augmentations depend only on the seeds. */
  override initBuffers(_buffers: readonly number[], use: number): void {
    if (use === 0) this.random = new Random(this.seed);
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    const { inputs, output } = call;
    const { arena } = this.backend;
    arena.i32[call.buffers[1] >>> 2] = training ? 1 : 0;
    if (!training) {
      copyFloats(inputs[0], output, n * this.outputSize);
      return;
    }
    this.draw(n, call.buffers[0] >>> 2);
    const a = this.operands(n, call);
    a.input = inputs[0]; a.output = output;
    this.transform(a);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] === 0) return;
    if (this.backend.arena.i32[call.buffers[1] >>> 2] === 0) {
      copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
      return;
    }
    const a = this.operands(n, call);
    a.gradOutput = gradOutput; a.gradInput = gradInputs[0];
    this.transformBackward(a);
  }

  /** The batch's sizes and sampled parameters in the kernels' struct. */
  private operands(n: number, call: LayerCall): ImageBatchArgs {
    const a = this.images;
    const shape = this.outputShape;
    a.batch = n; a.height = shape[0]; a.width = shape[1]; a.channels = shape[2];
    a.params = call.buffers[0];
    return a;
  }

  /** Writes the parameters of n samples at index `at` of the arena's f32/i32 views. */
  protected abstract draw(n: number, at: number): void;
  /** output = the transformed input, sample by sample. */
  protected abstract transform(a: ImageBatchArgs): void;
  /** gradInput = the transform's adjoint applied to gradOutput. */
  protected abstract transformBackward(a: ImageBatchArgs): void;
}

/** Options of {@link randomFlip}. */
export interface RandomFlipArgs extends RandomArgs {
  /** Which flips may happen, each with probability 1/2 (default 'horizontal_and_vertical'). */
  mode?: (typeof FLIP_MODES)[number];
}

/** Random horizontal and/or vertical flips while training; see {@link randomFlip}. */
export class RandomFlip extends ImageAugmentation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'RandomFlip';
  /** Every option {@link randomFlip} accepts. */
  static readonly optionKeys: readonly string[] = [...RANDOM_KEYS, 'mode'];
  /** Which flips may happen. */
  readonly mode: (typeof FLIP_MODES)[number];

  constructor(args: RandomFlipArgs = {}) {
    super(args, 'RandomFlip', 1);
    this.mode = oneOf(args.mode, FLIP_MODES, 'horizontal_and_vertical', this.describe(), 'mode');
  }

  /** A RandomFlip from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): RandomFlip {
    const options = { ...args, mode: readChoice(r, 'mode', FLIP_MODES, 'horizontal_and_vertical'), seed: readSeed(r) };
    readChannelsLast(r);
    r.ignore('bounding_box_format');
    return construct(r, () => new RandomFlip(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), mode: this.mode, seed: this.seed };
  }

  protected draw(n: number, at: number): void {
    const flags = this.backend.arena.i32;
    const horizontal = this.mode !== 'vertical', vertical = this.mode !== 'horizontal';
    for (let s = 0; s < n; s++) {
      flags[at + s] = (horizontal && this.random.next() < 0.5 ? 1 : 0) | (vertical && this.random.next() < 0.5 ? 2 : 0);
    }
  }

  protected transform(a: ImageBatchArgs): void {
    flipImages(a);
  }

  protected transformBackward(a: ImageBatchArgs): void {
    flipImagesBackward(a);
  }
}

/** Resampling through a per-sample affine map from output pixel (row i, col j) to a source point. */
abstract class AffineAugmentation extends ImageAugmentation {
  /** Fill outside the image. */
  readonly fillMode: FillMode;
  /** Sampling between pixels. */
  readonly interpolation: Interpolation;
  /** Value outside the image for fillMode 'constant'. */
  readonly fillValue: number;

  protected constructor(args: AffineArgs, className: string) {
    super(args, className, 6);
    this.fillMode = oneOf(args.fillMode, FILL_MODES, 'reflect', this.describe(), 'fillMode');
    this.interpolation = oneOf(args.interpolation, INTERPOLATIONS, 'bilinear', this.describe(), 'interpolation');
    this.fillValue = args.fillValue ?? 0;
    if (!Number.isFinite(this.fillValue)) throw new RangeError(`${this.describe()}: fillValue must be a finite number, got ${this.fillValue}`);
  }

  /**
   * Keras options of the resampling layers; factors are written as the [lower, upper] pairs the
   * layer holds. No data_format, which Keras 2 would refuse and Keras 3 defaults to channels_last.
   */
  override getConfig(): JSONObject {
    return { ...super.getConfig(), fill_mode: this.fillMode, interpolation: this.interpolation, seed: this.seed, fill_value: this.fillValue };
  }

  protected draw(n: number, at: number): void {
    const [h, w] = this.outputShape;
    const f32 = this.backend.arena.f32;
    for (let s = 0; s < n; s++) this.sample(f32, at + 6 * s, h, w);
  }

  /**
   * Writes one sample's map [a0, a1, a2, b0, b1, b2]: source column = a0·j + a1·i + a2,
   * source row = b0·j + b1·i + b2 (Keras's transform vector without projective terms).
   */
  protected abstract sample(out: Float32Array, at: number, h: number, w: number): void;

  protected transform(a: ImageBatchArgs): void {
    this.affineModes(a);
    affineImages(a);
  }

  protected transformBackward(a: ImageBatchArgs): void {
    this.affineModes(a);
    affineImagesBackward(a);
  }

  /** This layer's interpolation and fill as the kernel's codes. */
  private affineModes(a: ImageBatchArgs): void {
    a.interpolation = INTERPOLATIONS.indexOf(this.interpolation);
    a.fillMode = FILL_MODES.indexOf(this.fillMode);
    a.fillValue = this.fillValue;
  }
}

/** Options of {@link randomTranslation}. */
export interface RandomTranslationArgs extends AffineArgs {
  /** Vertical shift as a fraction of the height: [lower, upper] or f for [−f, f], within [−1, 1]. */
  heightFactor: Factor;
  /** Horizontal shift as a fraction of the width, likewise. */
  widthFactor: Factor;
}

/** Random shifts while training; see {@link randomTranslation}. */
export class RandomTranslation extends AffineAugmentation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'RandomTranslation';
  /** Every option {@link randomTranslation} accepts. */
  static readonly optionKeys: readonly string[] = [...AFFINE_KEYS, 'heightFactor', 'widthFactor'];
  /** Range of the vertical shift, in fractions of the height. */
  readonly heightFactor: [number, number];
  /** Range of the horizontal shift, in fractions of the width. */
  readonly widthFactor: [number, number];

  constructor(args: RandomTranslationArgs) {
    super(args, 'RandomTranslation');
    this.heightFactor = range(args.heightFactor, this.describe(), 'heightFactor', -1, 1);
    this.widthFactor = range(args.widthFactor, this.describe(), 'widthFactor', -1, 1);
  }

  /** A RandomTranslation from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): RandomTranslation {
    const options = { ...args, heightFactor: readFactor(r, 'height_factor')!, widthFactor: readFactor(r, 'width_factor')!, ...readAffine(r) };
    return construct(r, () => new RandomTranslation(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), height_factor: rangeConfig(this.heightFactor), width_factor: rangeConfig(this.widthFactor) };
  }

  protected sample(out: Float32Array, at: number, h: number, w: number): void {
    const dy = this.random.uniform(...this.heightFactor) * h;
    const dx = this.random.uniform(...this.widthFactor) * w;
    out[at] = 1; out[at + 1] = 0; out[at + 2] = -dx;
    out[at + 3] = 0; out[at + 4] = 1; out[at + 5] = -dy;
  }
}

/** Options of {@link randomRotation}. */
export interface RandomRotationArgs extends AffineArgs {
  /** Angle as a fraction of 2π: [lower, upper] or f for [−f, f]; positive turns counter-clockwise. */
  factor: Factor;
}

/** Random rotations about the image centre while training; see {@link randomRotation}. */
export class RandomRotation extends AffineAugmentation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'RandomRotation';
  /** Every option {@link randomRotation} accepts. */
  static readonly optionKeys: readonly string[] = [...AFFINE_KEYS, 'factor'];
  /** Range of the angle, in fractions of 2π. */
  readonly factor: [number, number];

  constructor(args: RandomRotationArgs) {
    super(args, 'RandomRotation');
    this.factor = range(args.factor, this.describe(), 'factor');
  }

  /** A RandomRotation from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): RandomRotation {
    const options = { ...args, factor: readFactor(r, 'factor')!, ...readAffine(r) };
    return construct(r, () => new RandomRotation(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), factor: rangeConfig(this.factor) };
  }

  protected sample(out: Float32Array, at: number, h: number, w: number): void {
    const angle = this.random.uniform(...this.factor) * 2 * Math.PI;
    const cos = Math.cos(angle), sin = Math.sin(angle);
    out[at] = cos; out[at + 1] = -sin; out[at + 2] = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2;
    out[at + 3] = sin; out[at + 4] = cos; out[at + 5] = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2;
  }
}

/** Options of {@link randomZoom}. */
export interface RandomZoomArgs extends AffineArgs {
  /** Vertical zoom: [lower, upper] or f for [−f, f], lower ≥ −1; positive zooms out (0.2 shows 20% more). */
  heightFactor: Factor;
  /** Horizontal zoom, likewise; default: the vertical zoom drawn (aspect ratio kept). */
  widthFactor?: Factor;
}

/** Random zoom about the image centre while training; see {@link randomZoom}. */
export class RandomZoom extends AffineAugmentation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'RandomZoom';
  /** Every option {@link randomZoom} accepts. */
  static readonly optionKeys: readonly string[] = [...AFFINE_KEYS, 'heightFactor', 'widthFactor'];
  /** Range of the vertical zoom (1 + factor scales the sampled extent). */
  readonly heightFactor: [number, number];
  /** Range of the horizontal zoom, or null to reuse the vertical one. */
  readonly widthFactor: [number, number] | null;

  constructor(args: RandomZoomArgs) {
    super(args, 'RandomZoom');
    this.heightFactor = range(args.heightFactor, this.describe(), 'heightFactor', -1);
    this.widthFactor = args.widthFactor === undefined ? null : range(args.widthFactor, this.describe(), 'widthFactor', -1);
  }

  /** A RandomZoom from its Keras config (width_factor null: the height's zoom is reused). */
  static fromConfig(r: ConfigReader, args: LayerArgs): RandomZoom {
    const options = { ...args, heightFactor: readFactor(r, 'height_factor')!, widthFactor: readFactor(r, 'width_factor', true), ...readAffine(r) };
    return construct(r, () => new RandomZoom(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), height_factor: rangeConfig(this.heightFactor), width_factor: rangeConfig(this.widthFactor) };
  }

  protected sample(out: Float32Array, at: number, h: number, w: number): void {
    const zy = 1 + this.random.uniform(...this.heightFactor);
    const zx = this.widthFactor ? 1 + this.random.uniform(...this.widthFactor) : zy;
    out[at] = zx; out[at + 1] = 0; out[at + 2] = ((w - 1) / 2) * (1 - zx);
    out[at + 3] = 0; out[at + 4] = zy; out[at + 5] = ((h - 1) / 2) * (1 - zy);
  }
}

/** Flips each image left↔right and/or up↔down with probability 1/2 while training (Keras `RandomFlip`). */
export function randomFlip(args: RandomFlipArgs = {}): RandomFlip {
  return new RandomFlip(args);
}

/** Shifts each image by a random fraction of its height and width while training (Keras `RandomTranslation`). */
export function randomTranslation(args: RandomTranslationArgs): RandomTranslation {
  return new RandomTranslation(args ?? ({} as RandomTranslationArgs));
}

/** Rotates each image about its centre by a random angle while training (Keras `RandomRotation`). */
export function randomRotation(args: RandomRotationArgs): RandomRotation {
  return new RandomRotation(args ?? ({} as RandomRotationArgs));
}

/** Zooms each image in or out about its centre by a random factor while training (Keras `RandomZoom`). */
export function randomZoom(args: RandomZoomArgs): RandomZoom {
  return new RandomZoom(args ?? ({} as RandomZoomArgs));
}
