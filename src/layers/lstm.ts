/**
 * LSTM (Keras): gates [i, f, c, o] in that order along the kernels' last axis (kernel
 * [features, 4·units], recurrent_kernel [units, 4·units], bias [4·units]):
 * c_t = f·c_{t−1} + i·act(x·W_c + h·U_c + b_c), h_t = o·act(c_t), i/f/o = recurrentActivation(...).
 */
import type { Activation, ActivationName } from '../activations.js';
import { checkBoolean } from '../core/checks.js';
import { lstmBackward, lstmForward, readColumns } from '../core/kernels/recurrent.js';
import type { Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import { copyFloats, type BufferRequest, type LayerArgs, type LayerCall } from './layer.js';
import {
  RECURRENT_OPTION_KEYS, Recurrent, gateActivation, readCellActivation, readRecurrentOptions, recurrentActivationConfig, type RecurrentArgs, type ReturnStateOf,
} from './recurrent.js';

/** Arguments of {@link lstm}, as tfjs-layers. */
export interface LSTMArgs extends RecurrentArgs {
  /** The gates' activation; default 'hardSigmoid' (TF.js; Keras: 'sigmoid'). */
  recurrentActivation?: ActivationName;
  /** Initialise the forget gate's bias to ones (the rest with biasInitializer); default false (TF.js; Keras: true). */
  unitForgetBias?: boolean;
}

/** The bias initializer with the forget gate's block (units … 2·units) set to ones, as Keras's unit_forget_bias. */
function forgetBiasOnes(base: Initializer, units: number): Initializer {
  return {
    name: base.name,
    fill(values, _shape, random) {
      base.fill(values.subarray(0, units), [units], random);
      values.fill(1, units, 2 * units);
      base.fill(values.subarray(2 * units), [2 * units], random);
    },
  };
}

/** Indices of the LSTM's own buffers (after the common ones). */
const CELL_STATES = 0;
const CELL_OUTPUTS = 1;
const CELL_STATE_GRADIENT = 2;

/** Long short-term memory (Hochreiter & Schmidhuber), Keras's formulation and weight layout. */
export class LSTM<S extends boolean = boolean> extends Recurrent<S> {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'LSTM';
  /** Every option {@link lstm} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...RECURRENT_OPTION_KEYS, 'recurrentActivation', 'unitForgetBias'];
  readonly unitForgetBias: boolean;
  private readonly recurrentAct: Activation;

  constructor(args: LSTMArgs) {
    super(args, 'LSTM');
    this.recurrentAct = gateActivation(args.recurrentActivation, this.cellAct, this.describe());
    this.unitForgetBias = checkBoolean(args.unitForgetBias ?? false, this.describe(), 'unitForgetBias');
  }

  /** An LSTM from its Keras config (TF.js writes unit_forget_bias null when unset). */
  static fromConfig(r: ConfigReader, args: LayerArgs): LSTM {
    const options = {
      ...args, ...readRecurrentOptions(r), recurrentActivation: readCellActivation(r, 'recurrent_activation', 'hardSigmoid'),
      unitForgetBias: r.bool('unit_forget_bias', false),
    };
    return construct(r, () => new LSTM(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), ...recurrentActivationConfig(this.recurrentAct.name), unit_forget_bias: this.unitForgetBias };
  }

  /** Name of the gates' activation. */
  get recurrentActivationName(): ActivationName {
    return this.recurrentAct.name;
  }

  protected get gateCount(): number {
    return 4;
  }

  protected override get stateCount(): number {
    return 2;
  }

  protected override gateActivation(): Activation {
    return this.recurrentAct;
  }

  protected override biasFill(): Initializer {
    return this.unitForgetBias ? forgetBiasOnes(this.biasInitializer, this.units) : this.biasInitializer;
  }

  /** Every step's cell state c and act(c) (backward's, rather than a second activation pass), and c's gradient carried between steps. */
  protected override cellBufferRequests(capacity: number): BufferRequest[] {
    return [
      { label: 'cell states of every step', bytes: 4 * capacity * this.steps * this.units },
      { label: 'activated cell states of every step', bytes: 4 * capacity * this.steps * this.units },
      { label: 'cell state gradient', bytes: 4 * capacity * this.units },
    ];
  }

  protected override locate(s: number, n: number, call: LayerCall): void {
    super.locate(s, n, call);
    const op = this.op, stride = this.steps * this.units, states = this.cellBuffer(call, CELL_STATES);
    op.c = states + 4 * s * this.units; op.cStride = stride;
    op.cPrev = s > 0 ? op.c - 4 * this.units : 0; op.cPrevStride = stride;
    op.tc = this.cellBuffer(call, CELL_OUTPUTS) + 4 * s * this.units; op.tcStride = stride;
    op.dcNext = this.cellBuffer(call, CELL_STATE_GRADIENT);
  }

  protected cellForward(_s: number, n: number): void {
    this.addRecurrent(n, 0, this.gateWidth);
    lstmForward(this.op);
  }

  protected override startCellBackward(n: number, call: LayerCall): void {
    const dc = this.cellBuffer(call, CELL_STATE_GRADIENT), dC = this.returnState ? call.gradOutputs[2] : 0;
    if (dC) copyFloats(dC, dc, n * this.units);
    else this.backend.arena.f32.fill(0, dc >>> 2, (dc >>> 2) + n * this.units);
  }

  protected cellBackward(s: number, n: number): void {
    const op = this.op;
    lstmBackward(op);
    this.addRecurrentKernelGrad(n, 0, this.gateWidth, op.gates, op.gatesStride);
    if (s > 0) this.addStateGrad(n, 0, this.gateWidth, op.gates, op.gatesStride, false);
  }

  protected override writeStates(n: number, call: LayerCall): void {
    super.writeStates(n, call);
    const last = this.cellBuffer(call, CELL_STATES) + 4 * (this.steps - 1) * this.units;
    readColumns({ rows: n, cols: this.units, matrix: last, stride: this.steps * this.units, offset: 0, packed: call.outputs[2], accumulate: false });
  }
}

/** An LSTM layer (tfjs `tf.layers.lstm`); input [batch, steps, features]. */
export function lstm<const A extends LSTMArgs>(args: A): LSTM<ReturnStateOf<A>> {
  return new LSTM<ReturnStateOf<A>>(args);
}
