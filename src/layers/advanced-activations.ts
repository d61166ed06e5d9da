/**
 * Activation layers with a parameter (Keras `LeakyReLU`, `ELU`): the slope or scale is the
 * layer's option, where the `activation:` names use Keras's defaults (0.3 and 1). Keras 3 names
 * LeakyReLU's slope `negative_slope` (default 0.3), Keras 2 and TF.js `alpha`: both are read,
 * `alpha` is written (TF.js reads it).
 */
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, type LayerArgs, type LayerCall } from './layer.js';

/** Options of {@link leakyReLU} and {@link elu}. */
export interface AlphaActivationArgs extends LayerArgs {
  /** LeakyReLU: the slope below zero (default 0.3); ELU: the scale of the negative part (default 1). */
  alpha?: number;
}

abstract class AlphaActivation extends Layer {
  readonly alpha: number;

  protected constructor(args: AlphaActivationArgs, className: string, fallback: number) {
    super(args ?? {}, className);
    this.alpha = args?.alpha ?? fallback;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha)) {
      throw new RangeError(`${this.describe()}: alpha must be a finite number, got ${String(this.alpha)}`);
    }
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), alpha: this.alpha };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }
}

/** x for x > 0, alpha·x below (Keras `LeakyReLU`). */
export class LeakyReLU extends AlphaActivation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'LeakyReLU';
  /** Every option {@link leakyReLU} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'alpha'];

  constructor(args: AlphaActivationArgs = {}) {
    super(args, 'LeakyReLU', 0.3);
  }

  /** A LeakyReLU from its Keras config (`alpha`, or Keras 3's `negative_slope`). */
  static fromConfig(r: ConfigReader, args: LayerArgs): LeakyReLU {
    const slope = r.raw('negative_slope');
    const alpha = slope === undefined ? r.number('alpha', 0.3) : r.number('negative_slope');
    return construct(r, () => new LeakyReLU({ ...args, alpha }));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    this.backend.kernels.leakyReluForward(call.inputs[0], call.output, n * this.outputSize, this.alpha);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    // The output has the input's sign for alpha > 0; the input itself is read so any alpha is right.
    this.backend.kernels.leakyReluBackward(call.inputs[0], call.gradOutput, call.gradInputs[0], n * this.outputSize, this.alpha);
  }
}

/** x for x > 0, alpha·(eˣ − 1) below (Keras `ELU`). */
export class ELU extends AlphaActivation {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'ELU';
  /** Every option {@link elu} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'alpha'];

  constructor(args: AlphaActivationArgs = {}) {
    super(args, 'ELU', 1);
    if (this.alpha <= 0) throw new RangeError(`${this.describe()}: alpha must be > 0 (the backward reads the output), got ${this.alpha}`);
  }

  /** An ELU from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): ELU {
    const alpha = r.number('alpha', 1);
    return construct(r, () => new ELU({ ...args, alpha }));
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    this.backend.kernels.eluForward(call.inputs[0], call.output, n * this.outputSize, this.alpha);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    if (call.gradInputs[0] === 0) return;
    this.backend.kernels.eluBackward(call.output, call.gradOutput, call.gradInputs[0], n * this.outputSize, this.alpha);
  }
}

/** Leaky ReLU with its slope as an option (tfjs `tf.layers.leakyReLU`). */
export function leakyReLU(args: AlphaActivationArgs = {}): LeakyReLU {
  return new LeakyReLU(args);
}

/** ELU with its scale as an option (tfjs `tf.layers.elu`). */
export function elu(args: AlphaActivationArgs = {}): ELU {
  return new ELU(args);
}
