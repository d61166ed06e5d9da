/**
 * One memory plan per model and batch capacity. It lays out every per-batch buffer the model
 * touches: each node's output and output gradient, the buffers each layer application asked for
 * (im2col columns, dropout masks, pooling indices, normalised inputs), labels, the outputs the
 * loss folds an activation into, and the joins where gradients are summed. Each node's operands
 * are one fixed {@link LayerCall}, so a training step is a fixed list of kernel calls that
 * allocates nothing, and a layer object holds no per-batch memory: one layer can serve several
 * nodes and several models at once.
 */
import { MEMORY_KINDS, type MemoryKind } from '../core/memory.js';
import { getBackend } from '../core/wasm.js';
import type { Layer, LayerCall, Param } from '../layers/layer.js';
import { isExtraOutput, type GraphNode } from './graph.js';

/** What the plan needs to know about one model output. */
export interface PlannedHead {
  /** Index of the output's node. */
  readonly node: number;
  /** The loss takes the node's activation: the node writes logits, and `visible` gets the activated output. */
  readonly activationInLoss: boolean;
  /** Label floats per sample. */
  readonly labelFloats: number;
  /** Bytes of scratch its metrics write counts to; 0 or absent for none. */
  readonly scratchBytes?: number;
}

/** Where a gradient written to `scratch` is added into `target` after a node's backward. */
interface GradientJoin {
  readonly scratch: number;
  readonly target: number;
  readonly count: number;
}

/** Per node: the backward of a later application of the same layer wrote its weight gradients first. */
interface WeightGradientJoin {
  readonly layer: Layer;
  /** Holds those gradients while this application's backward overwrites them. */
  readonly saved: number;
}

/** The buffers of one model for a batch capacity, and the fixed forward/backward call lists over them. */
export class ExecutionPlan {
  /** Output buffer of each node; an input node's holds the batch's input values. */
  readonly outputs: number[] = [];
  /** Gradient with respect to each node's output (0 for inputs, or when not training). */
  readonly grads: number[] = [];
  /** Per output: what the user sees (probabilities when the loss folds the activation in). */
  readonly visible: number[] = [];
  /** Per output: the batch's labels. */
  readonly labels: number[] = [];
  /** Where metrics write their per-batch counts (AUC's histogram); shared by every output, 0 when none needs it. */
  readonly metricScratch: number = 0;
  /** Per node: the operands of its layer (null for inputs). */
  private readonly calls: (LayerCall | null)[] = [];
  /** Per node: gradient joins to fold in after its backward. */
  private readonly joins: GradientJoin[][] = [];
  /** Per node: weight gradients of a shared layer to add back after its backward (or null). */
  private readonly weightJoins: (WeightGradientJoin | null)[] = [];
  /** Per node: backward runs there (the node or one before it has weights training updates). */
  private readonly backwardRuns: boolean[];
  private readonly owned: number[] = [];
  /** Each weight's `trainable` when the plan was made: which nodes run backward follows from it. */
  private readonly trainableAtPlan: { param: Param; trainable: boolean }[] = [];
  private readonly bytes: Record<MemoryKind, number> = Object.fromEntries(MEMORY_KINDS.map((k) => [k, 0])) as Record<MemoryKind, number>;

  constructor(
    private readonly nodes: readonly GraphNode[],
    readonly capacity: number,
    readonly training: boolean,
    heads: readonly PlannedHead[],
  ) {
    const alloc = (bytes: number, what: string, kind: MemoryKind = 'activations'): number => {
      const ptr = getBackend().arena.alloc(bytes, kind, `${what} for ${capacity} samples`);
      this.owned.push(ptr);
      this.bytes[kind] += bytes;
      return ptr;
    };
    const nameOf = (i: number): string => nodes[i].layer?.describe() ?? `input '${nodes[i].name}'`;
    try {
      for (let i = 0; i < nodes.length; i++) this.outputs.push(alloc(4 * capacity * nodes[i].size, `output of ${nameOf(i)}`));
      for (const head of heads) {
        const size = nodes[head.node].size;
        this.visible.push(head.activationInLoss ? alloc(4 * capacity * size, `activated output of ${nameOf(head.node)}`) : this.outputs[head.node]);
        this.labels.push(alloc(4 * capacity * Math.max(head.labelFloats, 1), `labels of ${nameOf(head.node)}`));
      }
      const scratchBytes = Math.max(0, ...heads.map((h) => h.scratchBytes ?? 0));
      if (scratchBytes > 0) this.metricScratch = alloc(scratchBytes, 'metric counts', 'scratch');
      // Frozen layers with nothing trainable before them need no backward and no gradient buffers.
      this.backwardRuns = backwardRuns(nodes, training);
      for (const node of nodes) for (const param of node.layer?.params ?? []) this.trainableAtPlan.push({ param, trainable: param.trainable });
      const outputNodes = new Set(heads.map((h) => h.node));
      nodes.forEach((node, i) => {
        const needed = training && node.layer !== null && (this.backwardRuns[i] || outputNodes.has(i));
        this.grads.push(needed ? alloc(4 * capacity * node.size, `output gradient of ${nameOf(i)}`) : 0);
      });
      this.layOutCalls(alloc, nameOf, outputNodes, new Set(heads.filter((h) => h.activationInLoss).map((h) => h.node)));
    } catch (error) {
      this.release(); // a plan that does not fit returns what it took
      throw error;
    }
  }

  /** Each node's call: its buffers, where its input gradients go, and the joins where branches or uses meet. */
  private layOutCalls(alloc: (bytes: number, what: string, kind?: MemoryKind) => number, nameOf: (i: number) => string,
    outputNodes: ReadonlySet<number>, activationInLoss: ReadonlySet<number>): void {
    const { nodes, capacity } = this;
    // Backward visits nodes last to first. The first visitor of a node writes its gradient and
    // later ones write scratch that is added in; an output's gradient is first written by the loss.
    const written = nodes.map((_, i) => outputNodes.has(i));
    const weightsWritten = new Set<Layer>();
    // An application's extra outputs (a recurrent layer's states) are nodes of their own, written by its call.
    const extraOutputs = new Map<number, number[]>();
    nodes.forEach((node, i) => {
      if (!isExtraOutput(node)) return;
      const list = extraOutputs.get(node.inputs[0]) ?? [];
      list[node.outputIndex! - 1] = i;
      extraOutputs.set(node.inputs[0], list);
    });
    for (let j = nodes.length - 1; j >= 0; j--) {
      const node = nodes[j];
      this.joins[j] = [];
      this.weightJoins[j] = null;
      const layer = node.layer;
      if (!layer || isExtraOutput(node)) { this.calls[j] = null; continue; }
      const gradInputs = node.inputs.map((i) => {
        if (this.grads[i] === 0 || !this.backwardRuns[j]) return 0;
        if (!written[i]) { written[i] = true; return this.grads[i]; }
        const scratch = alloc(4 * capacity * nodes[i].size, `gradient join of ${nameOf(i)}`, 'scratch');
        this.joins[j].push({ scratch, target: this.grads[i], count: nodes[i].size });
        return scratch;
      });
      if (this.backwardRuns[j] && layer.params.length > 0) {
        if (weightsWritten.has(layer)) {
          const floats = layer.params.reduce((sum, p) => sum + p.size, 0);
          this.weightJoins[j] = { layer, saved: alloc(4 * floats, `weight gradients of ${nameOf(j)} (shared)`, 'scratch') };
        }
        weightsWritten.add(layer);
      }
      const buffers = layer.planBuffers(capacity).map((r) => alloc(r.bytes, `${nameOf(j)} ${r.label}`, 'scratch'));
      layer.initBuffers(buffers, node.use);
      // Outputs the graph does not read (an unused state) still get a buffer to be written, and no gradient.
      const extras = layer.outputShapes.slice(1).map((shape, k) => extraOutputs.get(j)?.[k]);
      const outputs = [this.outputs[j], ...extras.map((e, k) => e !== undefined ? this.outputs[e]
        : alloc(4 * capacity * layer.outputShapes[k + 1].reduce((a, b) => a * b, 1), `${nameOf(j)} unread output ${k + 1}`, 'scratch'))];
      // A main output nothing reads back from (only its states are used) has no gradient to pass.
      const gradOutput = written[j] ? this.grads[j] : 0;
      const gradOutputs = [gradOutput, ...extras.map((e) => (e !== undefined ? this.grads[e] : 0))];
      this.calls[j] = {
        inputs: node.inputs.map((i) => this.outputs[i]), output: this.outputs[j], gradOutput,
        gradInputs, buffers, activationInLoss: activationInLoss.has(j), outputs, gradOutputs,
      };
    }
  }

  /**
   * False once a weight's `trainable` changed since the plan was made (a compile of this or of
   * another model holding a shared layer): the backward it lays out no longer matches, so the model
   * plans anew rather than step a weight whose gradient backward no longer writes.
   */
  matchesTrainable(): boolean {
    return this.trainableAtPlan.every((t) => t.param.trainable === t.trainable);
  }

  /** The operands of node `j`'s layer (null for an input), e.g. to time one layer alone. */
  callOf(j: number): LayerCall | null {
    return this.calls[j];
  }

  /** Throws unless `n` samples fit this plan: no path writes a batch past its buffers. */
  checkBatch(n: number, who: string): void {
    if (!(n >= 1 && n <= this.capacity && Number.isInteger(n))) {
      throw new RangeError(`${who}: a batch of ${n} samples does not fit the memory plan for ${this.capacity} samples`);
    }
  }

  /** Runs every layer on `n` samples already in the input nodes' buffers. */
  forward(n: number, training: boolean): void {
    this.checkBatch(n, 'forward');
    for (let j = 0; j < this.nodes.length; j++) {
      const call = this.calls[j];
      if (call) this.nodes[j].layer!.forward(n, call, training);
    }
  }

  /** Back-propagates from the output gradients the loss wrote, filling every parameter gradient. */
  backward(n: number): void {
    this.checkBatch(n, 'backward');
    const k = getBackend().kernels;
    for (let j = this.nodes.length - 1; j >= 0; j--) {
      const call = this.calls[j];
      if (!call || !this.backwardRuns[j]) continue;
      const shared = this.weightJoins[j];
      if (shared) saveWeightGradients(shared);
      this.nodes[j].layer!.backward(n, call);
      if (shared) addWeightGradients(shared);
      const joins = this.joins[j];
      for (let t = 0; t < joins.length; t++) {
        const join = joins[t];
        k.addArrays(join.target, join.scratch, join.target, n * join.count);
      }
    }
  }

  /** Bytes of this plan by kind (what `summary()` reports as the plan's memory). */
  bytesByKind(): Readonly<Record<MemoryKind, number>> {
    return this.bytes;
  }

  /** Returns the buffers to the arena. */
  release(): void {
    const { arena } = getBackend();
    for (const ptr of this.owned) arena.release(ptr);
    this.owned.length = 0;
  }
}

/** Copies a shared layer's weight gradients aside before another application's backward overwrites them. */
function saveWeightGradients({ layer, saved }: WeightGradientJoin): void {
  const { u8 } = getBackend().arena;
  let at = saved;
  for (let i = 0; i < layer.params.length; i++) {
    const p = layer.params[i];
    u8.copyWithin(at, p.grad, p.grad + 4 * p.size);
    at += 4 * p.size;
  }
}

/** Adds the saved gradients into the ones the backward just wrote: the sum over the layer's applications. */
function addWeightGradients({ layer, saved }: WeightGradientJoin): void {
  const k = getBackend().kernels;
  let at = saved;
  for (let i = 0; i < layer.params.length; i++) {
    const p = layer.params[i];
    k.addArrays(p.grad, at, p.grad, p.size);
    at += 4 * p.size;
  }
}

/** Per node: whether it, or a node feeding it, has a weight training updates (so backward must run there). */
function backwardRuns(nodes: readonly GraphNode[], training: boolean): boolean[] {
  const runs: boolean[] = [];
  nodes.forEach((node, j) => {
    runs[j] = training && node.layer !== null && (node.layer.params.some((p) => p.trainable) || node.inputs.some((i) => runs[i]));
  });
  return runs;
}
