/**
 * Rescaling (Keras `Rescaling`): y = x·scale + offset. As in Keras 3, scale and offset are each a
 * number or a nested array that broadcasts against one sample from the right (a per-channel list
 * for channels-last images, or a whole sample); TF.js reads the number form. Nothing trains: the
 * constants live in a planned buffer, written when a model plans its memory, and the gradient is
 * dy·scale. ONNX import lowers Add/Sub/Mul/Div by constants to it.
 */
import type { JSONObject, JSONValue } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';

/** A number, or a nested array of numbers (one level per axis). */
export type NestedNumbers = number | NestedNumbers[];

/** Options of {@link rescaling}. */
export interface RescalingArgs extends LayerArgs {
  /** Multiplier: a number or a nested array broadcasting against a sample from the right. */
  scale: NestedNumbers;
  /** Added after scaling; same forms; default 0. */
  offset?: NestedNumbers;
}

/** Shape and row-major values of a nested numeric array; throws naming `who` on a ragged or non-finite one. */
function flatten(value: NestedNumbers, who: string): { shape: number[]; values: number[] } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${who} must be finite, got ${value}`);
    return { shape: [], values: [value] };
  }
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${who} must be a number or a non-empty nested array of numbers`);
  const parts = value.map((v, i) => flatten(v, `${who}[${i}]`));
  const shape = parts[0].shape;
  parts.forEach((p, i) => {
    if (p.shape.length !== shape.length || p.shape.some((d, j) => d !== shape[j])) {
      throw new RangeError(`${who}[${i}] has shape [${p.shape.join(', ')}], expected [${shape.join(', ')}] as [0]'s (the array is ragged)`);
    }
  });
  return { shape: [value.length, ...shape], values: parts.flatMap((p) => p.values) };
}

/** Multiplies by `scale` and adds `offset`, both broadcast against a sample; any input rank. */
export class Rescaling extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Rescaling';
  /** Every option {@link rescaling} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'scale', 'offset'];
  readonly scale: NestedNumbers;
  readonly offset: NestedNumbers;
  private readonly scaleValues: { shape: number[]; values: number[] };
  private readonly offsetValues: { shape: number[]; values: number[] };
  /** Values per repetition of the constants (the broadcast block), set by build. */
  private period = 1;

  constructor(args: RescalingArgs) {
    super(args, 'Rescaling');
    if (args?.scale === undefined) throw new TypeError(`${this.describe()}: scale is required (a number or a nested array)`);
    this.scale = structuredClone(args.scale);
    this.offset = structuredClone(args.offset ?? 0);
    this.scaleValues = flatten(this.scale, `${this.describe()}: scale`);
    this.offsetValues = flatten(this.offset, `${this.describe()}: offset`);
  }

  /** A Rescaling from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Rescaling {
    const options = { ...args, scale: r.raw('scale') as NestedNumbers, offset: (r.raw('offset') ?? 0) as NestedNumbers };
    return construct(r, () => new Rescaling(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), scale: this.scale as JSONValue, offset: this.offset as JSONValue };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    let period = 1;
    for (const [which, c] of [['scale', this.scaleValues], ['offset', this.offsetValues]] as const) {
      if (c.shape.length > shape.length) {
        throw new RangeError(`${this.describe()}: ${which} has shape [${c.shape.join(', ')}], more axes than the sample [${shape.join(', ')}]`);
      }
      // Leading 1s broadcast like missing axes; after them the constant must match the sample's trailing axes.
      const dims = c.shape.slice(c.shape.findIndex((d) => d !== 1) < 0 ? c.shape.length : c.shape.findIndex((d) => d !== 1));
      const tail = shape.slice(shape.length - dims.length);
      if (dims.some((d, i) => d !== tail[i])) {
        throw new RangeError(`${this.describe()}: ${which} of shape [${c.shape.join(', ')}] does not broadcast against the sample [${shape.join(', ')}]; ` +
          'its axes must equal the sample\'s last axes (leading 1s allowed)');
      }
      period = Math.max(period, dims.reduce((a, d) => a * d, 1));
    }
    this.period = period;
    return [...shape];
  }

  /** The scale and offset, each repeated to one broadcast block. */
  override bufferRequests(): BufferRequest[] {
    return [{ label: 'rescaling constants', bytes: 8 * this.period }];
  }

  override initBuffers(buffers: readonly number[]): void {
    const f32 = this.backend.arena.f32;
    const at = buffers[0] >>> 2;
    for (let j = 0; j < this.period; j++) {
      f32[at + j] = this.scaleValues.values[j % this.scaleValues.values.length];
      f32[at + this.period + j] = this.offsetValues.values[j % this.offsetValues.values.length];
    }
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const k = this.backend.kernels;
    const rows = (n * this.outputSize) / this.period;
    const scale = call.buffers[0], offset = scale + 4 * this.period;
    k.mulRowVector(call.inputs[0], scale, call.output, rows, this.period);
    k.addRowVector(call.output, offset, call.output, rows, this.period);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    this.backend.kernels.mulRowVector(call.gradOutput, call.buffers[0], call.gradInputs[0], (n * this.outputSize) / this.period, this.period);
  }
}

/** y = x·scale + offset (Keras `layers.Rescaling`; TF.js `tf.layers.rescaling` for numbers). */
export function rescaling(args: RescalingArgs): Rescaling {
  return new Rescaling(args ?? ({} as RescalingArgs));
}
