/** Activation as a layer of its own: the activation applied to the input. */
import type { ActivationName } from '../activations.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, activationConfig, construct, readActivation } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, type LayerArgs, type LayerCall } from './layer.js';

/** Arguments of {@link activation}. */
export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation function to its input (Keras `Activation`). */
export class Activation extends Layer {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'Activation';
  /** Every option {@link activation} accepts. */
  static readonly optionKeys: readonly string[] = [...LAYER_OPTION_KEYS, 'activation'];

  constructor(args: ActivationArgs) {
    super(args, 'Activation', args?.activation);
  }

  /** An Activation from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): Activation {
    const activation = readActivation(r);
    return construct(r, () => new Activation({ ...args, activation }));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), ...activationConfig(this.activationName) };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  protected forwardLinear(n: number, call: LayerCall): void {
    const { inputs, output } = call;
    copyFloats(inputs[0], output, n * this.outputSize);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { gradOutput, gradInputs } = call;
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
  }
}

/** Applies an activation function (tfjs `tf.layers.activation`). */
export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}
