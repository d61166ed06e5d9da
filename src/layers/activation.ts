/** Activation as a layer of its own: the activation applied to the input. */
import type { ActivationName } from '../activations.js';
import { Layer, copyFloats, type LayerArgs } from './layer.js';

/** Arguments of {@link activation}. */
export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation function to its input (Keras `Activation`). */
export class Activation extends Layer {

  constructor(args: ActivationArgs) {
    super(args, 'Activation', args.activation);
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    return [...this.singleInput(inputShapes)];
  }

  protected forwardLinear(n: number, inputs: readonly number[], output: number): void {
    copyFloats(inputs[0], output, n * this.outputSize);
  }

  protected backwardLinear(n: number, _inputs: readonly number[], _output: number, gradOutput: number, gradInputs: readonly number[]): void {
    if (gradInputs[0] !== 0) copyFloats(gradOutput, gradInputs[0], n * this.outputSize);
  }
}

/** Applies an activation function (tfjs `tf.layers.activation`). */
export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}
