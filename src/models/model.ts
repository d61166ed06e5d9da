/**
 * LayersModel: the state a user holds (layers, compiled loss/optimizer/metrics, the memory plan)
 * and the Keras verbs. The loops themselves live in training.ts.
 */
import { Tensor, type TensorLike } from '../core/tensor.js';
import { getBackend } from '../core/wasm.js';
import type { Callback } from '../callbacks/callback.js';
import { History } from '../callbacks/callback.js';
import { readParams, writeParams, type Layer, type Param } from '../layers/layer.js';
import type { CustomLoss } from '../losses/custom.js';
import type { Loss, LossName } from '../losses/loss.js';
import type { MetricLike } from '../metrics/registry.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { isExtraOutput, type GraphNode } from './graph.js';
import { resolveHeads, type Head } from './heads.js';
import { ExecutionPlan } from './plan.js';
import { SymbolicTensor, applyLayerOutputs } from '../layers/input.js';
import type { ModelData, ModelLabels } from './data.js';
import { modelCreated, modelReleased, warnIfModelsFillMemory } from './memory.js';
import { holdLayers, letGoOfLayers, modelsHolding } from './ownership.js';
import { summaryTable } from './summary.js';
import { evaluateLoop, predictLoop } from './evaluation.js';
import { fitLoop } from './training.js';
import { isDatasetLike, type Dataset } from './dataset.js';
import { evaluateDatasetLoop, fitDatasetLoop, fitOnDataset, type EvaluateDatasetArgs, type FitDatasetArgs } from './fit-dataset.js';
import type { YieldEvery } from './yield.js';
import { trainOnBatch, type TrainOnBatchArgs } from './batch-verbs.js';
import { COMPILE_KEYS, EVALUATE_KEYS, PREDICT_KEYS } from './verb-options.js';
import { checkBoolean, checkOptions } from '../core/checks.js';
import type { ClassWeight, SampleWeightLike } from './sample-weights.js';
import type { SaveOptions, SaveResult, SaveTarget } from '../io/types.js';

/** One output's loss for {@link CompileArgs}: a name, an object from nn.losses, or your own. */
export type LossSpec = LossName | (string & {}) | Loss | CustomLoss;

/** Arguments of {@link LayersModel.compile}. */
export interface CompileArgs {
  /** An optimizer object or its name ('sgd', 'adam'); names use Keras defaults. */
  optimizer: string | Optimizer;
  /**
   * A loss: a name ('huber', 'mean_absolute_error'), a loss object with options
   * (`nn.losses.huber({ delta: 2 })`) or a custom loss `{ name, loss, gradient }`; with several
   * outputs, one for all, a list in output order, or an object keyed by output name
   * (`{ digit: 'categoricalCrossentropy', even: 'binaryCrossentropy' }`).
   */
  loss: LossSpec | LossSpec[] | Record<string, LossSpec>;
  /**
   * A metric or a list of them, for every output: a name ('accuracy', 'auc', 'crossentropy' or a
   * loss name), an object from nn.metrics (`nn.metrics.auc({ numThresholds: 500 })`) or a function
   * `(yTrue, yPred) => number`; or per output: a list of such lists in output order, or an object
   * keyed by output name.
   */
  metrics?: MetricLike | MetricLike[] | (MetricLike | MetricLike[])[] | Record<string, MetricLike | MetricLike[]>;
  /** Factor of each output's loss in the total (Keras `loss_weights`): a list in output order or an object by output name; default 1. */
  lossWeights?: number[] | Record<string, number>;
}

/** Arguments of {@link LayersModel.fit}, as tfjs. */
export interface FitArgs {
  /** Samples per gradient step; default 32. */
  batchSize?: number;
  /** The epoch index to stop at (Keras: with `initialEpoch`, `epochs − initialEpoch` passes run); default 1. */
  epochs?: number;
  /** The epoch index to start at, to resume an earlier fit (History and callbacks count from it); default 0. */
  initialEpoch?: number;
  /** Data to evaluate on after each epoch, as [x, y] or [x, y, sampleWeight], or a dataset of `{ xs, ys }` batches. */
  validationData?: [ModelData, ModelLabels] | [ModelData, ModelLabels, SampleWeightLike] | Dataset;
  /**
   * Batches per epoch (Keras `steps_per_epoch`). With arrays, the shuffled order carries on across
   * epochs and is drawn anew once every sample was seen; with a dataset, one walk runs across epochs.
   */
  stepsPerEpoch?: number;
  /** Batches of the validation data to evaluate each epoch (Keras `validation_steps`); default all. */
  validationSteps?: number;
  /** Batch size of validation arrays when fit is given a dataset (as Keras); default 32. */
  validationBatchSize?: number;
  /**
   * When training hands the thread back to the event loop (TF.js): 'auto' (default: after 16 ms of
   * work), 'batch', 'epoch', 'never', or a number of ms. It never changes a weight.
   */
  yieldEvery?: YieldEvery;
  /** Fraction of the data (taken from its end, before shuffling, as Keras) held out for validation. */
  validationSplit?: number;
  /** Shuffle the training samples before each epoch; default true. */
  shuffle?: boolean;
  /** Seed for shuffling (and other per-fit randomness): same seed, same history. */
  seed?: number;
  /** Hooks called during training. */
  callbacks?: Callback[];
  /** 1 prints one line per epoch; 0 is silent. Default 1. */
  verbose?: 0 | 1;
  /**
   * One weight ≥ 0 per sample: each sample's loss is multiplied by it, then averaged over the
   * batch as Keras (divided by the batch's loss terms, not by Σ weights). Metrics stay unweighted.
   */
  sampleWeight?: SampleWeightLike;
  /**
   * Class index → weight (classes not listed weigh 1): weights each sample by its label's class,
   * for one-hot or sparse labels, or one binary output. Not together with `sampleWeight`.
   */
  classWeight?: ClassWeight;
}

/** Arguments of {@link LayersModel.evaluate} and {@link LayersModel.predict}. */
export interface BatchArgs {
  /** Samples per batch; default 32. */
  batchSize?: number;
}

/** Arguments of {@link LayersModel.evaluate}. */
export interface EvaluateArgs extends BatchArgs {
  /** One weight ≥ 0 per sample for the loss, as in {@link FitArgs.sampleWeight}. */
  sampleWeight?: SampleWeightLike;
}

/** The compiled training configuration. */
export interface Compiled {
  optimizer: Optimizer;
  /** One per model output, in output order. */
  heads: Head[];
}

/** A built model graph: its nodes and which of them are the model's inputs and outputs. */
export interface ModelGraph {
  nodes: GraphNode[];
  /** Node indices of the inputs, in the model's input order. */
  inputs: number[];
  /** Node indices of the outputs, in the model's output order. */
  outputs: number[];
}

/** What a collected model leaves to free: its own blocks, and its hold on its layers. */
interface Leftovers {
  ledger: Set<number>;
  held: Set<Layer>;
}

/**
 * The safety net (docs/architecture.md): a model collected without `dispose()` returns its own wasm
 * blocks (plan, staged data) and stops counting as a holder of its layers. Weights belong to their
 * layers, which have a safety net of their own, so a layer the user or another model still holds
 * keeps its weights. (Layers never refer to their models, so holding them here keeps no model alive.)
 */
const unreleased = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Leftovers>(({ ledger, held }) => { getBackend().arena.releaseAll(ledger); letGoOfLayers(held); modelReleased(); })
  : null;

/**
 * A model whose layers form a graph: the base of Sequential and of functional models. `Output` is
 * what `predict` returns: a Tensor, or a list of them for a model whose outputs were given as a list.
 */
export abstract class LayersModel<Output extends Tensor | Tensor[] = Tensor | Tensor[]> {
  readonly name: string;
  /** Set by a callback to end `fit` after the current epoch. */
  stopTraining = false;
  /**
   * True while `fit` runs: its memory plan must not be replaced, and another `fit`, `compile`
   * or `dispose` is refused (set and cleared by that one fit only, so calls never nest).
   */
  fitting = false;
  private disposed = false;
  private trainableFlag = true;
  /** Every live wasm block of this model's own (its plan, staged data); weights belong to the layers. */
  private readonly ledger = new Set<number>();
  /** The layers this model counts as holding (see ownership.ts). */
  private readonly held = new Set<Layer>();
  /** The optimizer was made by compile from its name, so no one else can use it. */
  private ownsOptimizer = false;
  protected nodes: GraphNode[] | null = null;
  private inputIndices: number[] = [];
  private outputIndices: number[] = [];
  private compiled: Compiled | null = null;
  private plan: ExecutionPlan | null = null;

  protected constructor(name: string) {
    this.name = name;
    unreleased?.register(this, { ledger: this.ledger, held: this.held }, this);
    modelCreated();
  }

  /** The layers in execution order. */
  abstract get layers(): Layer[];

  /** Builds the graph (shapes and weights); throws when shapes are unknown or incompatible. */
  protected abstract buildGraph(): ModelGraph;

  /** The built graph. */
  graph(): GraphNode[] {
    if (this.disposed) throw new Error(`model '${this.name}' was disposed; build a new one`);
    if (!this.nodes) {
      const { nodes, inputs, outputs } = this.buildReleasingOnFailure();
      this.inputIndices = inputs;
      this.outputIndices = outputs;
      this.hold(this.layers); // weights belong to their layers; this model now counts as holding them
      this.nodes = nodes;
      warnIfModelsFillMemory();
    }
    return this.nodes;
  }

  /** buildGraph; when it fails (e.g. out of memory), the layers it built and every block it took are released. */
  private buildReleasingOnFailure(): ModelGraph {
    const { arena } = getBackend();
    const fresh = this.layers.filter((layer) => !layer.isBuilt);
    const before = new Set(this.ledger);
    try {
      return arena.withTag({ label: `model '${this.name}'` }, () => this.own(() => this.buildGraph()));
    } catch (error) {
      for (const layer of fresh) layer.releaseWeights(); // also a layer that failed half-way through its weights
      for (const ptr of [...this.ledger]) if (!before.has(ptr)) arena.release(ptr);
      throw error;
    }
  }

  /** Refuses `who` while fit runs: calls on one model never overlap or nest. */
  refuseWhileFitting(who: string): void {
    if (this.fitting) {
      throw new Error(`${who}: model '${this.name}' is fitting; calls on a model cannot overlap, ` +
        `so await the running fit (or end it early with model.stopTraining = true) before calling ${who}`);
    }
  }

  /**
   * Runs synchronous work whose wasm allocations belong to this model, so the safety net can
   * free them if the model is garbage-collected without `dispose()`.
   */
  own<T>(fn: () => T): T {
    return getBackend().arena.withOwner(this.ledger, fn);
  }

  /** Counts this model as holding `layers`, so another model's dispose() leaves their weights alone. */
  protected hold(layers: Iterable<Layer>): void {
    holdLayers(this.held, layers);
  }

  /** Node indices of the model's inputs, in input order. */
  get inputNodes(): readonly number[] {
    this.graph();
    return this.inputIndices;
  }

  /** Node indices of the model's outputs, in output order. */
  get outputNodes(): readonly number[] {
    this.graph();
    return this.outputIndices;
  }

  /** The inputs' names, the keys of `fit`/`predict` data given as an object. */
  get inputNames(): string[] {
    const nodes = this.graph();
    return this.inputNodes.map((i) => nodes[i].name);
  }

  /** The outputs' names (their layers' names), the keys of per-output compile arguments, labels and logs. */
  get outputNames(): string[] {
    const nodes = this.graph();
    return this.outputNodes.map((i) => nodes[i].name);
  }

  /** Per-sample shape of each input. */
  get inputShapes(): number[][] {
    const nodes = this.graph();
    return this.inputNodes.map((i) => [...nodes[i].shape]);
  }

  /** Per-sample shape of each output. */
  get outputShapes(): number[][] {
    const nodes = this.graph();
    return this.outputNodes.map((i) => [...nodes[i].shape]);
  }

  /** Per-sample input shape of a one-input model (see {@link inputShapes} for several). */
  get inputShape(): number[] {
    const shapes = this.inputShapes;
    if (shapes.length !== 1) throw new Error(`model '${this.name}' has ${shapes.length} inputs (${this.inputNames.join(', ')}); read inputShapes`);
    return shapes[0];
  }

  /** Per-sample output shape of a one-output model (see {@link outputShapes} for several). */
  get outputShape(): number[] {
    const shapes = this.outputShapes;
    if (shapes.length !== 1) throw new Error(`model '${this.name}' has ${shapes.length} outputs (${this.outputNames.join(', ')}); read outputShapes`);
    return shapes[0];
  }

  /**
   * Uses the model as a layer (Keras and tfjs `model.apply`): applies its layers, in order, to
   * `inputs` (one per model input) and returns its outputs. The layers are shared, not copied:
   * training either model trains both, and `trainable` on this model freezes them in both.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const nodes = this.graph();
    if (list.length !== this.inputIndices.length || list.some((t) => !(t instanceof SymbolicTensor))) {
      throw new TypeError(`model '${this.name}'.apply: expects ${this.inputIndices.length} SymbolicTensor input(s) ` +
        `(${this.inputNames.join(', ')}), got ${Array.isArray(inputs) ? `a list of ${inputs.length}` : typeof inputs}`);
    }
    const values: SymbolicTensor[] = [];
    const applications: SymbolicTensor[][] = [];
    this.inputIndices.forEach((node, i) => { values[node] = list[i]; });
    nodes.forEach((node, j) => {
      if (!node.layer) return;
      // An extra output (a recurrent layer's state) comes from its application's list, not from a new application.
      if (isExtraOutput(node)) { values[j] = applications[node.inputs[0]][node.outputIndex!]; return; }
      applications[j] = applyLayerOutputs(node.layer, node.inputs.map((i) => values[i]));
      values[j] = applications[j][0];
    });
    const outputs = this.outputIndices.map((j) => values[j]);
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  /** Configures training: optimizer, loss(es), metrics and loss weights. Must come before `fit` and `evaluate`. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new TypeError('compile: expected { optimizer, loss, metrics? }');
    checkOptions(args, 'compile', COMPILE_KEYS);
    if (args.loss === undefined) throw new Error("compile: 'loss' is required, e.g. 'categoricalCrossentropy'");
    if (args.optimizer === undefined) throw new Error("compile: 'optimizer' is required, e.g. 'sgd'");
    this.refuseWhileFitting('compile');
    const nodes = this.graph();
    const consumed = nodes.map(() => false);
    for (const node of nodes) for (const i of node.inputs) consumed[i] = true;
    const heads = resolveHeads(nodes, this.outputIndices, consumed, args);
    const optimizer = getOptimizer(args.optimizer);
    // Keras: changes of layer.trainable take effect here, for the optimizer and frozen BatchNormalization.
    for (const layer of this.layers) layer.applyTrainable();
    this.releasePlan();
    this.compiled = { optimizer, heads };
    this.ownsOptimizer = typeof args.optimizer === 'string';
  }

  /** The compiled configuration, or an error naming `who` when compile has not run. */
  requireCompiled(who: string): Compiled {
    if (this.disposed) throw new Error(`${who}: model '${this.name}' was disposed; build a new one`);
    if (!this.compiled) throw new Error(`${who}: the model must be compiled first; call model.compile({ optimizer, loss, metrics })`);
    return this.compiled;
  }

  /** The compiled optimizer (callbacks such as reduceLROnPlateau change its learningRate). */
  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  /** Whether compile has run. */
  get isCompiled(): boolean {
    return this.compiled !== null;
  }

  /**
   * The largest batch, up to `batch`, a plan can be had for now: while fit runs its plan is
   * pinned, so evaluate/predict from a callback run in batches of at most its capacity.
   */
  plannableBatch(batch: number): number {
    return this.fitting && this.plan ? Math.min(batch, this.plan.capacity) : batch;
  }

  /**
   * A memory plan for at least `batch` samples, made anew only when the current one is too small;
   * never a smaller one (ask for {@link plannableBatch} while fit runs).
   */
  planFor(batch: number, training: boolean): ExecutionPlan {
    const current = this.plan;
    if (current && current.capacity >= batch && (current.training || !training) && (this.fitting || current.matchesTrainable())) return current;
    if (current && this.fitting) {
      throw new Error(`model '${this.name}': fit runs with a plan for ${current.capacity} samples, which cannot be ` +
        `replaced until it ends, and a plan for ${batch}${training ? ' training' : ''} samples was asked for`);
    }
    const capacity = Math.max(batch, current?.capacity ?? 0);
    this.releasePlan();
    const nodes = this.graph();
    const heads = this.compiled?.heads ?? this.outputIndices.map((node) => ({ node, activationInLoss: false, labelFloats: 0 }));
    this.plan = getBackend().arena.withTag({ label: `model '${this.name}'` },
      () => this.own(() => new ExecutionPlan(nodes, capacity, training, heads)));
    warnIfModelsFillMemory();
    return this.plan;
  }

  /**
   * Trains the model; resolves to the per-epoch History. With several inputs or outputs, `x` and
   * `y` are lists in the model's order or objects keyed by input and output names. Given a dataset
   * of `{ xs, ys }` batches instead (see {@link fitDataset}), the options come second.
   */
  fit(x: ModelData, y: ModelLabels, args?: FitArgs): Promise<History>;
  fit(dataset: Dataset, args?: FitArgs): Promise<History>;
  fit(x: ModelData | Dataset, y?: ModelLabels | FitArgs, args?: FitArgs): Promise<History> {
    return isDatasetLike(x) ? fitOnDataset(this, x as Dataset, y, args) : fitLoop(this, x, y, args ?? {});
  }

  /**
   * Trains on a dataset of `{ xs, ys }` batches (TF.js `fitDataset`): an async iterable or
   * generator, an iterable, a TF.js `tf.data.Dataset`, or a function making one (called anew each
   * epoch). Each batch is checked as fit checks x and y; batches may differ in size.
   */
  fitDataset(dataset: Dataset, args: FitDatasetArgs = {}): Promise<History> {
    return fitDatasetLoop(this, dataset, args);
  }

  /** Loss and metrics over a dataset's batches, as {@link evaluate} over arrays (TF.js `evaluateDataset`). */
  evaluateDataset(dataset: Dataset, args: EvaluateDatasetArgs = {}): Promise<Record<string, number>> {
    return evaluateDatasetLoop(this, dataset, args);
  }

  /**
   * Loss and metrics on (x, y), dropout off and batch norm on moving statistics. With several
   * outputs: the weighted total as 'loss', and each output's as `${name}_loss`, `${name}_${metric}`.
   */
  evaluate(x: ModelData, y: ModelLabels, args: EvaluateArgs = {}): Record<string, number> {
    checkOptions(args, 'evaluate', EVALUATE_KEYS);
    return evaluateLoop(this, x, y, args.batchSize ?? 32, 'evaluate', args.sampleWeight);
  }

  /**
   * The model's output for `x`, batch by batch: one tensor, or a list in output order for a model
   * whose outputs were given as a list (as Keras 3 keeps the structure of `outputs`).
   */
  predict(x: ModelData, args: BatchArgs = {}): Output {
    checkOptions(args, 'predict', PREDICT_KEYS);
    const outputs = predictLoop(this, x, args.batchSize ?? 32);
    return (this.outputsAsList() ? outputs : outputs[0]) as Output;
  }

  /** Whether predict returns a list: the model's outputs were given as a list. */
  protected outputsAsList(): boolean {
    return false;
  }

  /**
   * One optimizer step on the whole of (x, y) as one batch (Keras `train_on_batch`, for training
   * loops you write); returns that batch's loss and metrics, named as `evaluate` names them.
   */
  trainOnBatch(x: ModelData, y: ModelLabels, args: TrainOnBatchArgs = {}): Record<string, number> {
    return trainOnBatch(this, x, y, args);
  }

  /** Loss and metrics on (x, y) as one batch, in inference mode (Keras `test_on_batch`). */
  testOnBatch(x: ModelData, y: ModelLabels): Record<string, number> {
    return evaluateLoop(this, x, y, Number.MAX_SAFE_INTEGER, 'testOnBatch');
  }

  /** The model's output for `x` as one batch (Keras `predict_on_batch`); as {@link predict}. */
  predictOnBatch(x: ModelData): Output {
    const outputs = predictLoop(this, x, Number.MAX_SAFE_INTEGER, 'predictOnBatch');
    return (this.outputsAsList() ? outputs : outputs[0]) as Output;
  }

  /**
   * Keras `model.trainable`: setting it sets `trainable` on every layer (the usual way to freeze a
   * loaded model before stacking a new head on it); as for a layer, training follows at the next compile.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    checkBoolean(value, this.name, 'trainable');
    this.trainableFlag = value;
    for (const layer of this.layers) layer.trainable = value;
  }

  /** All parameters, in layer order, kernel before bias. */
  params(): Param[] {
    this.graph();
    return this.layers.flatMap((l) => l.params);
  }

  /** Number of values in all weights, trainable or not (Keras `count_params`). */
  countParams(): number {
    return this.params().reduce((s, p) => s + p.size, 0);
  }

  /** Number of values in the weights training updates, following `layer.trainable` (summary's 'Trainable params'). */
  countTrainableParams(): number {
    this.graph();
    return this.layers.reduce((s, l) => s + l.countTrainableParams(), 0);
  }

  /** Copies of the weights, in layer order, kernel before bias. */
  getWeights(): Tensor[] {
    return readParams(this.params());
  }

  /** Replaces the weights; same order, count and shapes as {@link getWeights}. */
  setWeights(weights: Tensor[]): void {
    writeParams(this.params(), weights, 'setWeights');
  }

  /** The layer named `name` (tfjs `getLayer`); throws listing the names when there is none. */
  getLayer(name: string): Layer {
    this.graph(); // built, so the layer's weights exist
    const layer = this.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`getLayer: no layer named '${name}'; the model has ${this.layers.map((l) => `'${l.name}'`).join(', ')}`);
    return layer;
  }

  /**
   * Saves the model in the TensorFlow.js Layers format (model.json + weights) to `target`:
   * 'indexeddb://name', 'downloads://name', 'file://dir' (Node, via 'simdnn/node') or a handler;
   * `{ includeOptimizer: true }` also saves the optimizer state so training can resume.
   */
  async save(target: SaveTarget, options?: SaveOptions): Promise<SaveResult> {
    // io sits above models: loaded on the first save, so loading a model class never pulls it in.
    const { saveModel } = await import('../io/save.js');
    return saveModel(this, target, options);
  }

  /**
   * Prints the Keras-style summary and returns it; once the model has a memory plan (after
   * fit, evaluate or predict), also the plan's bytes by kind.
   */
  summary(): string {
    const slotBytes = this.compiled?.optimizer.slotBytes(this.params()) ?? 0;
    const table = summaryTable(this.name, this.graph(), this.showsConnections(), this.plan, slotBytes);
    console.log(table);
    return table;
  }

  /**
   * Frees every wasm buffer of the model; it cannot be used afterwards. A layer another live model
   * still holds keeps its weights (and their optimizer slots): only the last model to let go frees them.
   */
  dispose(): void {
    this.refuseWhileFitting('dispose');
    if (!this.disposed) modelReleased();
    this.disposed = true;
    this.releasePlan();
    letGoOfLayers(this.held);
    const freed = [...new Set(this.layers)].filter((layer) => modelsHolding(layer) === 0);
    if (this.compiled && this.ownsOptimizer) this.compiled.optimizer.dispose();
    else this.compiled?.optimizer.releaseSlotsOf(freed.flatMap((layer) => layer.params));
    this.compiled = null;
    for (const layer of freed) layer.dispose();
    this.nodes = null;
    getBackend().arena.releaseAll(this.ledger);
    unreleased?.unregister(this);
  }

  /** Whether the summary shows a 'Connected to' column. */
  protected showsConnections(): boolean {
    return false;
  }

  protected releasePlan(): void {
    this.plan?.release();
    this.plan = null;
  }

  /** Forgets the built graph after a structural change (before anything was built). */
  protected invalidate(): void {
    this.releasePlan();
    this.nodes = null;
  }
}
