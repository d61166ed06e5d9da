/**
 * GRU (Keras): gates [z, r, h] along the kernels' last axis (kernel [features, 3·units],
 * recurrent_kernel [units, 3·units]); h_t = z·h_{t−1} + (1 − z)·hh. resetAfter (Keras 2/3's default)
 * resets the recurrent product, hh = act(x·W_h + b_h + r·(h·U_h + b'_h)), with a separate
 * recurrent bias (bias [2, 3·units]: input row, recurrent row); without it (TF.js's only form)
 * hh = act(x·W_h + b_h + (r·h)·U_h), bias [3·units].
 */
import type { Activation, ActivationName } from '../activations.js';
import { checkBoolean } from '../core/checks.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import {
  gruBackward, gruForward, gruResetGatesBackward, gruResetGatesForward, gruResetOutputBackward, gruResetOutputForward,
} from '../core/kernels/recurrent.js';
import type { JSONObject } from '../io/types.js';
import { ConfigReader, construct } from './keras-config.js';
import type { BufferRequest, LayerArgs, LayerCall } from './layer.js';
import {
  RECURRENT_OPTION_KEYS, Recurrent, gateActivation, readCellActivation, readRecurrentOptions, recurrentActivationConfig, type RecurrentArgs, type ReturnStateOf,
} from './recurrent.js';

/** Arguments of {@link gru}, as tfjs-layers. */
export interface GRUArgs extends RecurrentArgs {
  /** The gates' activation; default 'hardSigmoid' (TF.js; Keras: 'sigmoid'). */
  recurrentActivation?: ActivationName;
  /**
   * Apply the reset gate after the recurrent product, with its own recurrent bias; default false
   * (TF.js, which can only load false; Keras 2 and 3 default to true).
   */
  resetAfter?: boolean;
}

/** Indices of the GRU's own buffers: reset after, [inner, innerH]; reset before, [rh]. */
const INNER = 0;
const INNER_H = 1;
const RH = 0;

/** Gated recurrent unit (Cho et al.), Keras's formulation and weight layout. */
export class GRU<S extends boolean = boolean> extends Recurrent<S> {
  /** Keras class name, the key of the serialization registry. */
  static readonly className: string = 'GRU';
  /** Every option {@link gru} accepts; any other key is refused naming the nearest. */
  static readonly optionKeys: readonly string[] = [...RECURRENT_OPTION_KEYS, 'recurrentActivation', 'resetAfter'];
  readonly resetAfter: boolean;
  private readonly recurrentAct: Activation;
  /** Reset after: hPrev·U + recurrent bias. Reset before: the gradient of r·hPrev, dhh·U_hᵀ. */
  private readonly innerGemm = gemmArgs();

  constructor(args: GRUArgs) {
    super(args, 'GRU');
    this.recurrentAct = gateActivation(args.recurrentActivation, this.cellAct, this.describe());
    this.resetAfter = checkBoolean(args.resetAfter ?? false, this.describe(), 'resetAfter');
  }

  /** A GRU from its Keras config; a config without reset_after (older Keras, TF.js) resets before. */
  static fromConfig(r: ConfigReader, args: LayerArgs): GRU {
    const options = {
      ...args, ...readRecurrentOptions(r), recurrentActivation: readCellActivation(r, 'recurrent_activation', 'hardSigmoid'),
      resetAfter: r.bool('reset_after', false),
    };
    return construct(r, () => new GRU(options));
  }

  override getConfig(): JSONObject {
    return { ...super.getConfig(), ...recurrentActivationConfig(this.recurrentAct.name), reset_after: this.resetAfter };
  }

  /** Name of the gates' activation. */
  get recurrentActivationName(): ActivationName {
    return this.recurrentAct.name;
  }

  protected get gateCount(): number {
    return 3;
  }

  protected override gateActivation(): Activation {
    return this.recurrentAct;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, this.gateWidth] : [this.gateWidth];
  }

  /** Reset after: hPrev·U + b' per step and every step's candidate part of it. Reset before: r·hPrev per step. */
  protected override cellBufferRequests(capacity: number): BufferRequest[] {
    if (!this.resetAfter) return [{ label: 'reset state', bytes: 4 * capacity * this.units }];
    return [
      { label: 'recurrent product', bytes: 4 * capacity * this.gateWidth },
      { label: 'recurrent candidates of every step', bytes: 4 * capacity * this.steps * this.units },
    ];
  }

  protected override locate(s: number, n: number, call: LayerCall): void {
    super.locate(s, n, call);
    const op = this.op;
    if (this.resetAfter) {
      op.inner = this.cellBuffer(call, INNER);
      op.innerH = this.cellBuffer(call, INNER_H) + 4 * s * this.units; op.innerHStride = this.steps * this.units;
    } else {
      op.rh = this.cellBuffer(call, RH);
    }
  }

  /** Byte offset of the recurrent bias row (reset after), 0 without a bias. */
  private recurrentBias(ofGradient = false): number {
    return this.bias ? (ofGradient ? this.bias.grad : this.bias.ptr) + 4 * this.gateWidth : 0;
  }

  protected cellForward(_s: number, n: number): void {
    const op = this.op, u = this.units;
    if (this.resetAfter) {
      // inner = hPrev·U + b' (at the first step hPrev = 0: k = 0 leaves the bias alone).
      const g = this.innerGemm;
      g.m = n; g.n = this.gateWidth; g.k = op.hPrev ? u : 0;
      g.a = op.hPrev; g.lda = op.hPrevStride; g.b = this.recurrentKernel.ptr; g.ldb = this.gateWidth; g.transposeB = false;
      g.c = op.inner; g.ldc = this.gateWidth; g.bias = this.recurrentBias();
      gemm(g);
      gruForward(op);
      return;
    }
    this.addRecurrent(n, 0, 2 * u);
    gruResetGatesForward(op);
    this.addRecurrent(n, 2 * u, u, op.rh, u);
    gruResetOutputForward(op);
  }

  protected override startCellBackward(): void {
    if (this.resetAfter && this.bias) {
      const at = this.recurrentBias(true) >>> 2;
      this.backend.arena.f32.fill(0, at, at + this.gateWidth);
    }
  }

  protected cellBackward(s: number, n: number): void {
    const op = this.op, u = this.units, width = this.gateWidth;
    if (this.resetAfter) {
      gruBackward(op);
      this.addRecurrentKernelGrad(n, 0, width, op.inner, width);
      if (this.bias) this.backend.kernels.sumRows(op.inner, this.recurrentBias(true), n, width, 1);
      if (s > 0) this.addStateGrad(n, 0, width, op.inner, width, true);
      return;
    }
    gruResetOutputBackward(op);
    // The gradient of r·hPrev: dhh·U_hᵀ.
    const g = this.innerGemm;
    g.m = n; g.n = u; g.k = u;
    g.a = op.gates + 8 * u; g.lda = op.gatesStride; g.b = this.recurrentKernel.ptr + 8 * u; g.ldb = width; g.transposeB = true;
    g.c = op.rh; g.ldc = u; g.bias = 0;
    gemm(g);
    gruResetGatesBackward(op);
    this.addRecurrentKernelGrad(n, 0, 2 * u, op.gates, op.gatesStride);
    this.addRecurrentKernelGrad(n, 2 * u, u, op.gates + 8 * u, op.gatesStride, op.rh, u);
    if (s > 0) this.addStateGrad(n, 0, 2 * u, op.gates, op.gatesStride, true);
  }
}

/** A GRU layer (tfjs `tf.layers.gru`); input [batch, steps, features]. */
export function gru<const A extends GRUArgs>(args: A): GRU<ReturnStateOf<A>> {
  return new GRU<ReturnStateOf<A>>(args);
}
