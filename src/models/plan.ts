/**
 * One memory plan per model and batch capacity: every activation, gradient and label buffer
 * is laid out once, and the input-pointer lists each layer reads are fixed arrays, so a
 * training step is a fixed list of kernel calls that allocates nothing.
 */
import type { MemoryKind } from '../core/memory.js';
import { getBackend } from '../core/wasm.js';
import type { Layer } from '../layers/layer.js';
import type { GraphNode } from './graph.js';

/**
 * The plan whose capacity each layer's own buffers (im2col columns, masks, ...) were last sized
 * for. A layer shared by two models keeps one set: a plan re-sizes them when another plan did
 * since, so a batch never runs on a shared layer's buffers sized for another model's smaller one.
 */
const layerPlanner = new WeakMap<Layer, ExecutionPlan>();

/** Where one layer input's gradient goes when several consumers share a node. */
interface GradientJoin {
  scratch: number;
  target: number;
  count: number;
}

/** The buffers of one model for a batch capacity, and the fixed forward/backward call lists over them. */
export class ExecutionPlan {
  /** Output buffer of each node; node 0's is the model input buffer. */
  readonly outputs: number[] = [];
  /** Gradient with respect to each node's output (0 for the input, or when not training). */
  readonly grads: number[] = [];
  /** Fixed input-pointer lists per node. */
  private readonly inputPtrs: number[][] = [];
  /** Fixed gradient-target lists per node (0 where no gradient is needed). */
  private readonly gradInputPtrs: number[][] = [];
  /** Per node, gradient joins to fold in after its backward. */
  private readonly joins: GradientJoin[][] = [];
  /** Per node: backward runs there (the node or one before it has weights training updates). */
  private readonly backwardRuns: boolean[];
  /** The model's visible output (probabilities when the loss fuses the final activation). */
  readonly visible: number;
  /** Label buffer for one batch. */
  readonly labels: number;
  private readonly owned: number[] = [];

  constructor(
    private readonly nodes: readonly GraphNode[],
    readonly capacity: number,
    readonly training: boolean,
    fusedOutput: boolean,
    labelWidth: number,
  ) {
    const { arena } = getBackend();
    const alloc = (floats: number, what: string, kind: MemoryKind = 'activations'): number => {
      const ptr = arena.allocF32(floats, kind, `${what} for ${capacity} samples`);
      this.owned.push(ptr);
      return ptr;
    };
    const nameOf = (i: number): string => nodes[i].layer?.describe() ?? 'the input';
    try {
      for (let i = 0; i < nodes.length; i++) this.outputs.push(alloc(capacity * nodes[i].size, `output of ${nameOf(i)}`));
      const last = nodes.length - 1;
      this.visible = fusedOutput ? alloc(capacity * nodes[last].size, `activated output of ${nameOf(last)}`) : this.outputs[last];
      this.labels = alloc(capacity * Math.max(labelWidth, 1), 'labels');
      // Frozen layers with nothing trainable before them need no backward and no gradient buffers.
      this.backwardRuns = backwardRuns(nodes, training);
      this.layOutGradients(alloc, nameOf, training);
      for (const node of nodes) if (node.layer) this.planLayer(node.layer);
    } catch (error) {
      this.release(); // a plan that does not fit returns what it took
      throw error;
    }
  }

  /** Gradient buffers of every node's output (when training), and the joins where branches meet. */
  private layOutGradients(alloc: (floats: number, what: string, kind?: MemoryKind) => number, nameOf: (i: number) => string,
    training: boolean): void {
    const { nodes, capacity } = this;
    const last = nodes.length - 1;
    nodes.forEach((node, i) => {
      const needed = training && i > 0 && (this.backwardRuns[i] || i === last);
      this.grads.push(needed ? alloc(capacity * node.size, `output gradient of ${nameOf(i)}`) : 0);
      this.joins.push([]);
    });
    // The first consumer in backward order (the last in forward order) writes a node's gradient;
    // the others write a scratch buffer that is added in after their backward.
    const written = nodes.map(() => false);
    for (let j = nodes.length - 1; j >= 0; j--) {
      const node = nodes[j];
      this.inputPtrs[j] = node.inputs.map((i) => this.outputs[i]);
      this.gradInputPtrs[j] = node.inputs.map((i) => {
        if (this.grads[i] === 0) return 0;
        if (!written[i]) { written[i] = true; return this.grads[i]; }
        const scratch = alloc(capacity * nodes[i].size, `gradient join of ${nameOf(i)}`, 'scratch');
        this.joins[j].push({ scratch, target: this.grads[i], count: nodes[i].size });
        return scratch;
      });
    }
  }

  /** Sizes `layer`'s own buffers for this plan's capacity. */
  private planLayer(layer: Layer): void {
    layerPlanner.set(layer, this); // first, so release() frees what a failing layer.plan took
    getBackend().arena.withTag({ kind: 'scratch', label: `${layer.describe()} buffers for ${this.capacity} samples` },
      () => layer.plan(this.capacity));
  }

  /** Throws unless `n` samples fit this plan: no path writes a batch past its buffers. */
  checkBatch(n: number, who: string): void {
    if (!(n >= 1 && n <= this.capacity && Number.isInteger(n))) {
      throw new RangeError(`${who}: a batch of ${n} samples does not fit the memory plan for ${this.capacity} samples`);
    }
  }

  /** Runs every layer on `n` samples already in `outputs[0]`. */
  forward(n: number, training: boolean): void {
    this.checkBatch(n, 'forward');
    for (let j = 1; j < this.nodes.length; j++) {
      const layer = this.nodes[j].layer!;
      if (layerPlanner.get(layer) !== this) this.planLayer(layer); // shared with a model that ran since
      layer.forward(n, this.inputPtrs[j], this.outputs[j], training);
    }
  }

  /** Back-propagates from `grads[last]`, filling every parameter gradient. */
  backward(n: number): void {
    this.checkBatch(n, 'backward');
    const k = getBackend().kernels;
    for (let j = this.nodes.length - 1; j >= 1; j--) {
      if (!this.backwardRuns[j]) continue;
      if (layerPlanner.get(this.nodes[j].layer!) !== this) {
        throw new Error(`backward: ${this.nodes[j].layer!.describe()} ran in another model since this forward; run forward again`);
      }
      this.nodes[j].layer!.backward(n, this.inputPtrs[j], this.outputs[j], this.grads[j], this.gradInputPtrs[j]);
      const joins = this.joins[j];
      for (let t = 0; t < joins.length; t++) {
        const join = joins[t];
        k.addArrays(join.target, join.scratch, join.target, n * join.count);
      }
    }
  }

  /** Returns the buffers to the arena. */
  release(): void {
    const { arena } = getBackend();
    for (const node of this.nodes) {
      const layer = node.layer;
      if (layer && layerPlanner.get(layer) === this) { layer.releasePlan(); layerPlanner.delete(layer); }
    }
    for (const ptr of this.owned) arena.release(ptr);
    this.owned.length = 0;
  }
}

/** Per node: whether it, or a node feeding it, has a weight training updates (so backward must run there). */
function backwardRuns(nodes: readonly GraphNode[], training: boolean): boolean[] {
  const runs: boolean[] = [];
  nodes.forEach((node, j) => {
    runs[j] = training && j > 0 && ((node.layer?.params.some((p) => p.trainable) ?? false) || node.inputs.some((i) => runs[i]));
  });
  return runs;
}
