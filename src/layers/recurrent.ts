/**
 * What SimpleRNN, LSTM and GRU share (Keras `RNN`): a [batch, steps, features] input read step by
 * step by a cell with k gate blocks of `units` each, Keras weight layout (kernel [features, k·units],
 * recurrent_kernel [units, k·units], bias [k·units]), and backpropagation through time over buffers
 * the memory plan owns. Forward projects every step's input at once (one GEMM, [batch·steps,
 * features]·[features, k·units] + bias), then per step adds hPrev·U (a GEMM) and runs the cell's
 * fused gate kernel; backward mirrors it step by step and ends with the input side's two GEMMs.
 */
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { checkBoolean, checkInRange, checkPositiveInteger } from '../core/checks.js';
import { getRandom } from '../core/random.js';
import { gemm, gemmArgs } from '../core/kernels/gemm.js';
import { maskSequence, readColumns, recurrentStepArgs, type RecurrentStepArgs } from '../core/kernels/recurrent.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { JSONObject } from '../io/types.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import { ConfigReader, activationConfig, initializerConfig, readActivation, readInitializer, readRegularizer, readSeed, regularizerConfig } from './keras-config.js';
import { LAYER_OPTION_KEYS, Layer, copyFloats, formatShape, streamSeed, type BufferRequest, type LayerArgs, type LayerCall, type Param } from './layer.js';

/** Options every recurrent layer takes, as tfjs-layers names them. */
export interface RecurrentArgs extends LayerArgs {
  /** Width of the state (and of each gate). */
  units: number;
  /** The cell's activation; default 'tanh'. */
  activation?: ActivationName;
  /** Whether the gates have a bias; default true. */
  useBias?: boolean;
  /** Default 'glorotNormal' (TF.js; Keras: glorotUniform). */
  kernelInitializer?: string | Initializer;
  /** Default 'orthogonal'. */
  recurrentInitializer?: string | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: string | Initializer;
  /** Penalty on the kernel. */
  kernelRegularizer?: string | Regularizer;
  /** Penalty on the recurrent kernel. */
  recurrentRegularizer?: string | Regularizer;
  /** Penalty on the bias. */
  biasRegularizer?: string | Regularizer;
  /** Output the state after every step, [steps, units], instead of after the last one, [units]; default false. */
  returnSequences?: boolean;
  /** Also output the final state(s) (h; LSTM: h and c): `apply` returns [output, ...states]; default false. */
  returnState?: boolean;
  /** Read the steps last to first (and output them in that order); default false. */
  goBackwards?: boolean;
  /**
   * Fraction of the input features dropped while training, in [0, 1): one mask per sequence, the
   * same at every step (Keras, TF.js); default 0.
   */
  dropout?: number;
  /** Keras's dropout of the state inside each step: only 0 (a non-zero rate is refused, see its error). */
  recurrentDropout?: number;
  /** Seed of the dropout masks' generator; default drawn from the library generator when dropout > 0. */
  seed?: number;
}

/**
 * The `S` of a recurrent layer made from options `A`: true when they set `returnState: true` (its
 * `apply` returns [output, ...states]), false when they leave it off, boolean when unknown.
 */
export type ReturnStateOf<A extends { returnState?: boolean }> = 'returnState' extends keyof A
  ? (A['returnState'] extends true ? true : A['returnState'] extends false | undefined ? false : boolean) : false;

/** The option keys every recurrent layer accepts. */
export const RECURRENT_OPTION_KEYS: readonly string[] = [...LAYER_OPTION_KEYS, 'units', 'activation', 'useBias', 'kernelInitializer',
  'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'returnSequences', 'returnState',
  'goBackwards', 'dropout', 'recurrentDropout', 'seed'];

/** Activations the fused gate kernels apply: element-wise, with a derivative the kernels take from the output. */
const CELL_ACTIVATIONS: readonly ActivationName[] = ['tanh', 'sigmoid', 'hardSigmoid', 'hardSigmoidKeras3', 'relu', 'relu6', 'leakyRelu', 'elu',
  'selu', 'softplus', 'linear'];

/** The activation `name` (or `fallback`) if a gate kernel can apply it; an error naming the layer and argument otherwise. */
export function cellActivation(name: string | undefined, fallback: ActivationName, who: string, arg: string): Activation {
  const activation = getActivation(name ?? fallback, `${who}: ${arg}`);
  if (!CELL_ACTIVATIONS.includes(activation.name) || activation.fused === null) {
    throw new Error(`${who}: ${arg} '${activation.name}' is not supported in a recurrent cell (its gate kernels apply element-wise ` +
      `activations whose derivative follows from their output); supported: ${CELL_ACTIVATIONS.join(', ')}`);
  }
  return activation;
}

/**
 * The gates' activation (default 'hardSigmoid', TF.js's; Keras's is 'sigmoid'). A file names both
 * hard sigmoids 'hard_sigmoid' and tells Keras 3's by a config-wide marker, so the cell and the
 * gates cannot use different ones.
 */
export function gateActivation(name: string | undefined, cell: Activation, who: string): Activation {
  const gates = cellActivation(name, 'hardSigmoid', who, 'recurrentActivation');
  const hard = [gates.name, cell.name].filter((n) => n === 'hardSigmoid' || n === 'hardSigmoidKeras3');
  if (hard.length === 2 && hard[0] !== hard[1]) {
    throw new Error(`${who}: activation '${cell.name}' and recurrentActivation '${gates.name}' are two different hard sigmoids, which a saved config cannot tell apart; use one of them for both`);
  }
  return gates;
}

/** `recurrent_activation` as a config writes it, with Keras 3's marker when it is Keras 3's hard sigmoid. */
export function recurrentActivationConfig(name: ActivationName): JSONObject {
  const { activation, ...marker } = activationConfig(name);
  return { ...marker, recurrent_activation: activation };
}

/** A cell activation from a config key (`fallback` when absent or null), read as `readActivation` reads 'activation'. */
export function readCellActivation(r: ConfigReader, key: string, fallback: ActivationName): ActivationName {
  const value = r.raw(key);
  if (value === undefined || value === null) return fallback;
  try {
    return readActivation(new ConfigReader(r.who, { activation: value, dtype: r.raw('dtype') }));
  } catch (e) {
    throw new Error((e as Error).message.replace(`${r.who}: activation`, `${r.who}: ${key}`));
  }
}

/** Reads the options every recurrent layer's Keras config has; stateful, time-major, constraints and activity penalties are refused. */
export function readRecurrentOptions(r: ConfigReader): Omit<RecurrentArgs, keyof LayerArgs> {
  const options = {
    units: r.positiveInt('units'), activation: readCellActivation(r, 'activation', 'tanh'), useBias: r.bool('use_bias', true),
    kernelInitializer: readInitializer(r, 'kernel_initializer'), recurrentInitializer: readInitializer(r, 'recurrent_initializer'),
    biasInitializer: readInitializer(r, 'bias_initializer'), kernelRegularizer: readRegularizer(r, 'kernel_regularizer'),
    recurrentRegularizer: readRegularizer(r, 'recurrent_regularizer'), biasRegularizer: readRegularizer(r, 'bias_regularizer'),
    returnSequences: r.bool('return_sequences', false), returnState: r.bool('return_state', false), goBackwards: r.bool('go_backwards', false),
    dropout: r.number('dropout', 0), recurrentDropout: r.number('recurrent_dropout', 0), seed: readSeed(r),
  };
  for (const key of ['kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'activity_regularizer']) r.requireDefault(key);
  r.requireDefault('stateful', false);
  r.requireDefault('time_major', false);
  // How Keras computes, not what: unrolling, its kernel choice, cuDNN; the mask option matters only with masks (simdnn has none).
  r.ignore('unroll', 'implementation', 'use_cudnn', 'zero_output_for_mask');
  return options;
}

/** Indices of the buffers every recurrent layer asks the plan for, before its cell's own. */
const GATES = 0;
const STATE_GRADIENT = 1;
const STATES = 2;

/**
 * The recurrent layers' common part. `S` is whether `returnState` is on: `apply` then returns
 * [output, ...states].
 */
export abstract class Recurrent<S extends boolean = boolean> extends Layer {
  readonly units: number;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: S;
  readonly goBackwards: boolean;
  /** Fraction of input features dropped while training. */
  readonly dropout: number;
  /** Seed of the dropout masks: given, or drawn when there is dropout; null for none. */
  private readonly seed: number | null;
  /** The cell's activation (the layer's own, applied after its output, stays linear). */
  protected readonly cellAct: Activation;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  protected readonly kernelRegularizer: Regularizer | null;
  protected readonly recurrentRegularizer: Regularizer | null;
  protected readonly biasRegularizer: Regularizer | null;
  protected kernel!: Param;
  protected recurrentKernel!: Param;
  protected bias: Param | null = null;
  /** Steps and features per step of the input. */
  protected steps = 0;
  protected features = 0;
  /** The current step's operands, refilled per step. */
  protected op!: RecurrentStepArgs;
  /** x·W + b for every step; hPrev·U per step; backward: U's gradient, hPrev's gradient, W's, x's. */
  protected readonly inputGemm = gemmArgs();
  protected readonly recurrentGemm = gemmArgs({ accumulate: true });
  protected readonly recurrentKernelGradGemm = gemmArgs({ transposeA: true, accumulate: true });
  protected readonly stateGradGemm = gemmArgs({ transposeB: true });
  private readonly kernelGradGemm = gemmArgs({ transposeA: true });
  private readonly inputGradGemm = gemmArgs({ transposeB: true });
  /** The options it was made with (initializer and regularizer objects included), for {@link withDirection}. */
  private readonly args: RecurrentArgs;

  protected constructor(args: RecurrentArgs, className: string) {
    super(args, className);
    this.args = { ...args };
    const who = this.describe();
    this.units = checkPositiveInteger(args.units, who, 'units');
    this.cellAct = cellActivation(args.activation, 'tanh', who, 'activation');
    this.useBias = checkBoolean(args.useBias ?? true, who, 'useBias');
    this.returnSequences = checkBoolean(args.returnSequences ?? false, who, 'returnSequences');
    this.returnState = checkBoolean(args.returnState ?? false, who, 'returnState') as S;
    this.goBackwards = checkBoolean(args.goBackwards ?? false, who, 'goBackwards');
    this.dropout = args.dropout === undefined ? 0 : checkInRange(args.dropout, who, 'dropout', 0, 1);
    if (args.recurrentDropout !== undefined && args.recurrentDropout !== 0) {
      throw new Error(`${who}: recurrentDropout ${args.recurrentDropout} is not supported (0 only): a mask on the state inside every step ` +
        'would need each step\'s masked state kept for backpropagation through time, which simdnn does not do; ' +
        'use dropout (on the inputs, one mask per sequence) or a dropout layer between recurrent layers');
    }
    this.seed = args.seed ?? (this.dropout > 0 ? getRandom().seed() : null);
    this.kernelInitializer = getInitializer(args.kernelInitializer, 'glorotNormal', `${who}: kernelInitializer`);
    this.recurrentInitializer = getInitializer(args.recurrentInitializer, 'orthogonal', `${who}: recurrentInitializer`);
    this.biasInitializer = getInitializer(args.biasInitializer, 'zeros', `${who}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${who}: kernelRegularizer`);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer, `${who}: recurrentRegularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${who}: biasRegularizer`);
  }

  /**
   * A new, unbuilt layer of the same class and options, named `name` and reading the steps in the
   * given direction: Bidirectional's two layers. `stream` numbers the copy, so each draws its own
   * dropout masks from this layer's seed.
   */
  withDirection(name: string, goBackwards: boolean, stream: number): Recurrent<S> {
    const { inputShape: _shape, batchInputShape: _batchShape, ...options } = this.args;
    const cls = this.constructor as new (args: RecurrentArgs) => Recurrent<S>;
    const seed = this.seed === null ? undefined : streamSeed(this.seed, stream);
    return new cls({ ...options, name, goBackwards, trainable: this.trainable, seed });
  }

  /** Gate blocks of `units` per step: 1 (SimpleRNN), 3 (GRU), 4 (LSTM). */
  protected abstract get gateCount(): number;

  /** States the cell carries (and returnState outputs): 1 (h), or 2 for LSTM (h, c). */
  protected get stateCount(): number {
    return 1;
  }

  /** Floats of one step's gates for one sample. */
  protected get gateWidth(): number {
    return this.gateCount * this.units;
  }

  override getConfig(): JSONObject {
    const init = (i: Initializer, key: string): JSONObject => {
      const c = initializerConfig(i);
      return c ? { [key]: c } : {};
    };
    return {
      ...super.getConfig(), units: this.units, ...activationConfig(this.cellAct.name), use_bias: this.useBias,
      ...init(this.kernelInitializer, 'kernel_initializer'), ...init(this.recurrentInitializer, 'recurrent_initializer'),
      ...init(this.biasInitializer, 'bias_initializer'),
      kernel_regularizer: regularizerConfig(this.kernelRegularizer), recurrent_regularizer: regularizerConfig(this.recurrentRegularizer),
      bias_regularizer: regularizerConfig(this.biasRegularizer), activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: this.dropout, recurrent_dropout: 0,
      seed: this.seed,
      return_sequences: this.returnSequences, return_state: this.returnState, go_backwards: this.goBackwards, stateful: false, unroll: false,
    };
  }

  protected computeOutputShape(inputShapes: number[][]): number[] {
    const shape = this.singleInput(inputShapes);
    if (shape.length !== 2) {
      throw new Error(`${this.describe()}: expects a sequence input [steps, features] per sample, got ${formatShape(shape)}`);
    }
    [this.steps, this.features] = shape;
    this.op = recurrentStepArgs(this.units, this.cellAct.fused!, this.gateActivation().fused!);
    return this.returnSequences ? [this.steps, this.units] : [this.units];
  }

  /** The gates' activation (LSTM, GRU); SimpleRNN has none. */
  protected gateActivation(): Activation {
    return getActivation('linear', this.describe());
  }

  override get outputShapes(): number[][] {
    if (!this.returnState) return [this.outputShape];
    return [this.outputShape, ...Array.from({ length: this.stateCount }, () => [this.units])];
  }

  /** The bias's shape: [k·units]; GRU with resetAfter: [2, 3·units]. */
  protected biasShape(): number[] {
    return [this.gateWidth];
  }

  /** The bias initializer as the weight is drawn (LSTM's unitForgetBias sets the forget gate's to ones). */
  protected biasFill(): Initializer {
    return this.biasInitializer;
  }

  protected override createParams(): void {
    this.kernel = this.addParam('kernel', [this.features, this.gateWidth], this.kernelInitializer, true, this.kernelRegularizer);
    this.recurrentKernel = this.addParam('recurrent_kernel', [this.units, this.gateWidth], this.recurrentInitializer, true, this.recurrentRegularizer);
    if (this.useBias) this.bias = this.addParam('bias', this.biasShape(), this.biasFill(), true, this.biasRegularizer);
  }

  /**
   * Per application: every step's gates (activations after forward, their gradient after backward),
   * the state gradient carried between steps, the states of every step (unless the output holds
   * them: returnSequences), then the cell's own.
   */
  override bufferRequests(capacity: number): BufferRequest[] {
    const perState = 4 * capacity * this.steps * this.units;
    return [
      { label: 'gates of every step', bytes: 4 * capacity * this.steps * this.gateWidth },
      { label: 'state gradient', bytes: 4 * capacity * this.units },
      ...(this.returnSequences ? [] : [{ label: 'states of every step', bytes: perState }]),
      ...this.cellBufferRequests(capacity),
      ...(this.dropout > 0 ? [
        { label: 'dropout mask', bytes: 4 * capacity * this.features }, { label: 'dropout generator state', bytes: 16 },
        { label: 'dropped-out input', bytes: 4 * capacity * this.steps * this.features },
      ] : []),
    ];
  }

  /** Seeds the dropout masks' generator; a second application of the layer in one model draws its own masks. */
  override initBuffers(buffers: readonly number[], use: number): void {
    if (this.dropout > 0) this.backend.kernels.dropoutSeedState(buffers[buffers.length - 2], streamSeed(this.seed!, use));
  }

  /** The input the gates read: x, or while training with dropout x·mask, the mask drawn now (one per sequence). */
  private gateInput(n: number, call: LayerCall, training: boolean, draw: boolean): number {
    if (!training || this.dropout === 0) return call.inputs[0];
    const b = call.buffers, mask = b[b.length - 3], dropped = b[b.length - 1];
    if (draw) {
      this.backend.kernels.dropoutMask(mask, n * this.features, this.dropout, b[b.length - 2]);
      maskSequence({ input: call.inputs[0], mask, output: dropped, rows: n, steps: this.steps, features: this.features });
    }
    return dropped;
  }

  /** The cell's buffers, after the common ones (their index: {@link cellBuffer}). */
  protected cellBufferRequests(_capacity: number): BufferRequest[] {
    return [];
  }

  /** The cell's i-th buffer in `call`. */
  protected cellBuffer(call: LayerCall, i: number): number {
    return call.buffers[(this.returnSequences ? STATES : STATES + 1) + i];
  }

  /** The input step processing step s reads: s, or steps − 1 − s going backwards. */
  protected inputStep(s: number): number {
    return this.goBackwards ? this.steps - 1 - s : s;
  }

  /** Points `op.h` at step s's state: the output's row block (returnSequences, or the last step), else the states buffer. */
  protected placeState(s: number, call: LayerCall, which: 'h' | 'hPrev'): void {
    const last = s === this.steps - 1 && !this.returnSequences;
    const base = this.returnSequences ? call.output : call.buffers[STATES];
    const ptr = last ? call.output : base + 4 * s * this.units;
    const stride = last ? this.units : this.steps * this.units;
    if (which === 'h') { this.op.h = ptr; this.op.hStride = stride; } else { this.op.hPrev = ptr; this.op.hPrevStride = stride; }
  }

  /** Fills `op` for step s of n samples: gates, h and hPrev (0 at the first step); the cell adds its own. */
  protected locate(s: number, n: number, call: LayerCall): void {
    const op = this.op;
    op.rows = n;
    op.gates = call.buffers[GATES] + 4 * this.inputStep(s) * this.gateWidth;
    op.gatesStride = this.steps * this.gateWidth;
    this.placeState(s, call, 'h');
    if (s > 0) this.placeState(s - 1, call, 'hPrev');
    else { op.hPrev = 0; op.hPrevStride = this.units; }
  }

  /**
   * gates(step)[:, from : from + cols] += a·U[:, from : from + cols] (from, cols in floats), a = hPrev
   * [n, units] with row stride `lda` unless given; skipped at the first step (hPrev = 0).
   */
  protected addRecurrent(n: number, from: number, cols: number, a = this.op.hPrev, lda = this.op.hPrevStride): void {
    if (this.op.hPrev === 0) return;
    const g = this.recurrentGemm, op = this.op;
    g.m = n; g.n = cols; g.k = this.units;
    g.a = a; g.lda = lda;
    g.b = this.recurrentKernel.ptr + 4 * from; g.ldb = this.gateWidth;
    g.c = op.gates + 4 * from; g.ldc = op.gatesStride;
    gemm(g);
  }

  /** U[:, from : from + cols]'s gradient += aᵀ·d (a = hPrev unless given), d [n, cols] with row stride `ldd`; skipped at the first step. */
  protected addRecurrentKernelGrad(n: number, from: number, cols: number, d: number, ldd: number, hPrev = this.op.hPrev, hPrevStride = this.op.hPrevStride): void {
    if (this.op.hPrev === 0) return;
    const g = this.recurrentKernelGradGemm;
    g.m = this.units; g.n = cols; g.k = n;
    g.a = hPrev; g.lda = hPrevStride;
    g.b = d; g.ldb = ldd;
    g.c = this.recurrentKernel.grad + 4 * from; g.ldc = this.gateWidth;
    gemm(g);
  }

  /** dhNext (+)= d·U[:, from : from + cols]ᵀ, d [n, cols] with row stride `ldd`: hPrev's gradient through U. */
  protected addStateGrad(n: number, from: number, cols: number, d: number, ldd: number, accumulate: boolean): void {
    const g = this.stateGradGemm;
    g.m = n; g.n = this.units; g.k = cols;
    g.a = d; g.lda = ldd;
    g.b = this.recurrentKernel.ptr + 4 * from; g.ldb = this.gateWidth;
    g.c = this.op.dhNext; g.ldc = this.units; g.accumulate = accumulate;
    gemm(g);
  }

  /** Byte offset of the input bias (0 without a bias). */
  protected inputBias(): number {
    return this.bias ? this.bias.ptr : 0;
  }

  /** One step of the cell: gates of step s hold x·W + b; leaves the activations there and writes the state. */
  protected abstract cellForward(s: number, n: number, call: LayerCall): void;

  /** One step back: `op.dhNext` holds dh from later steps, `op.dy` this step's output gradient; writes the gates' gradient in place. */
  protected abstract cellBackward(s: number, n: number, call: LayerCall): void;

  /** Sets up the cell's carried gradients before the last step's backward (LSTM: the cell state's). */
  protected startCellBackward(_n: number, _call: LayerCall): void {}

  /** Writes the returnState outputs after the last step: h, and the cell's (LSTM: c). */
  protected writeStates(n: number, call: LayerCall): void {
    this.placeState(this.steps - 1, call, 'h');
    readColumns({ rows: n, cols: this.units, matrix: this.op.h, stride: this.op.hStride, offset: 0, packed: call.outputs[1], accumulate: false });
  }

  protected forwardLinear(n: number, call: LayerCall, training: boolean): void {
    // Every step's x·W + b at once: [n·steps, features]·[features, k·units].
    const g = this.inputGemm;
    g.m = n * this.steps; g.n = this.gateWidth; g.k = this.features;
    g.a = this.gateInput(n, call, training, true); g.b = this.kernel.ptr; g.c = call.buffers[GATES]; g.bias = this.inputBias();
    gemm(g);
    for (let s = 0; s < this.steps; s++) {
      this.locate(s, n, call);
      this.cellForward(s, n, call);
    }
    if (this.returnState) this.writeStates(n, call);
  }

  protected backwardLinear(n: number, call: LayerCall): void {
    const { arena, kernels: k } = this.backend;
    const u = this.units, op = this.op;
    const dY = call.gradOutputs[0], dH = this.returnState ? call.gradOutputs[1] : 0;
    const dhNext = call.buffers[STATE_GRADIENT];
    // The last state's gradient: from the output (unless it is the whole sequence) and from the returned state.
    const fromOutput = this.returnSequences ? 0 : dY;
    if (fromOutput && dH) k.addArrays(fromOutput, dH, dhNext, n * u);
    else if (fromOutput || dH) copyFloats(fromOutput || dH, dhNext, n * u);
    else arena.f32.fill(0, dhNext >>> 2, (dhNext >>> 2) + n * u);
    arena.f32.fill(0, this.recurrentKernel.grad >>> 2, (this.recurrentKernel.grad >>> 2) + this.recurrentKernel.size);
    this.startCellBackward(n, call);
    for (let s = this.steps - 1; s >= 0; s--) {
      this.locate(s, n, call);
      op.dhNext = dhNext;
      op.dy = this.returnSequences && dY ? dY + 4 * s * u : 0;
      op.dyStride = this.steps * u;
      this.cellBackward(s, n, call);
    }
    // The input side, every step at once: b's gradient, W's = xᵀ·dgates, x's = dgates·Wᵀ.
    const gates = call.buffers[GATES], rows = n * this.steps, width = this.gateWidth;
    if (this.bias) k.sumRows(gates, this.bias.grad, rows, width, 0);
    const gk = this.kernelGradGemm;
    gk.m = this.features; gk.n = width; gk.k = rows;
    // Backward follows a training forward: with dropout, the gates read the masked input.
    gk.a = this.gateInput(n, call, true, false); gk.b = gates; gk.c = this.kernel.grad;
    gemm(gk);
    if (call.gradInputs[0] !== 0) {
      const gi = this.inputGradGemm;
      gi.m = rows; gi.n = this.features; gi.k = width;
      gi.a = gates; gi.b = this.kernel.ptr; gi.c = call.gradInputs[0];
      gemm(gi);
      if (this.dropout > 0) {
        const mask = call.buffers[call.buffers.length - 3];
        maskSequence({ input: call.gradInputs[0], mask, output: call.gradInputs[0], rows: n, steps: this.steps, features: this.features });
      }
    }
  }

  override toString(): string {
    return `${this.describe()} ${formatShape(this.outputShape)}`;
  }
}
