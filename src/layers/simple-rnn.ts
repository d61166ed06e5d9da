/**
 * SimpleRNN (Keras): h_t = act(x_t·W + b + h_{t−1}·U), one gate block; kernel [features, units],
 * recurrent_kernel [units, units], bias [units].
 */
import { simpleRnnBackward, simpleRnnForward } from '../core/kernels/recurrent.js';
import { ConfigReader, construct } from './keras-config.js';
import type { LayerArgs, LayerCall } from './layer.js';
import { RECURRENT_OPTION_KEYS, Recurrent, readRecurrentOptions, type RecurrentArgs, type ReturnStateOf } from './recurrent.js';

/** Arguments of {@link simpleRNN}, as tfjs-layers. */
export type SimpleRNNArgs = RecurrentArgs;

/** A fully connected recurrent layer whose output is its state. */
export class SimpleRNN<S extends boolean = boolean> extends Recurrent<S> {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'SimpleRNN';
  /** Every option {@link simpleRNN} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = RECURRENT_OPTION_KEYS;

  constructor(args: SimpleRNNArgs) {
    super(args, 'SimpleRNN');
  }

  /** A SimpleRNN from its Keras config. */
  static fromConfig(r: ConfigReader, args: LayerArgs): SimpleRNN {
    const options = { ...args, ...readRecurrentOptions(r) };
    return construct(r, () => new SimpleRNN(options));
  }

  protected get gateCount(): number {
    return 1;
  }

  protected cellForward(_s: number, n: number): void {
    this.addRecurrent(n, 0, this.units);
    simpleRnnForward(this.op);
  }

  protected cellBackward(s: number, n: number, _call: LayerCall): void {
    const op = this.op;
    simpleRnnBackward(op);
    this.addRecurrentKernelGrad(n, 0, this.units, op.gates, op.gatesStride);
    if (s > 0) this.addStateGrad(n, 0, this.units, op.gates, op.gatesStride, false);
  }
}

/** A fully connected recurrent layer (tfjs `tf.layers.simpleRNN`); input [batch, steps, features]. */
export function simpleRNN<const A extends SimpleRNNArgs>(args: A): SimpleRNN<ReturnStateOf<A>> {
  return new SimpleRNN<ReturnStateOf<A>>(args);
}
