/** Sequential: a plain stack of layers, each fed by the one before. */
import type { Tensor } from '../core/tensor.js';
import type { Layer } from '../layers/layer.js';
import { chainGraph } from './graph.js';
import { LayersModel, type ModelGraph } from './model.js';

/** Arguments of {@link sequential}. */
export interface SequentialArgs {
  /** Initial layers; the first needs `inputShape`. */
  layers?: Layer[];
  /** Model name; default 'sequential'. */
  name?: string;
}

/** A linear stack of layers (`nn.sequential`). */
export class Sequential extends LayersModel<Tensor> {
  private readonly stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    super(args.name ?? 'sequential');
    for (const layer of args.layers ?? []) this.add(layer);
  }

  get layers(): Layer[] {
    return [...this.stack];
  }

  /** Appends a layer; only before the model is built (first compile/fit/predict/summary). */
  add(layer: Layer): void {
    if (!layer || typeof (layer as Layer).forward !== 'function') {
      throw new TypeError(`Sequential.add: expected a layer, got ${layer === null ? 'null' : typeof layer}`);
    }
    if (this.nodes) throw new Error(`Sequential.add: cannot add ${layer.describe()} after the model was built`);
    if (this.stack.length === 0 && !layer.declaredInputShape) {
      throw new Error(`Sequential.add: the first layer, ${layer.describe()}, needs an inputShape`);
    }
    if (this.stack.length > 0 && layer.declaredInputShape) {
      throw new Error(`Sequential.add: only the first layer may have an inputShape; ${layer.describe()} has one`);
    }
    if (this.stack.includes(layer)) throw new Error(`Sequential.add: ${layer.describe()} is already in the model`);
    this.stack.push(layer);
    this.hold([layer]);
    this.invalidate();
  }

  protected buildGraph(): ModelGraph {
    if (this.stack.length === 0) throw new Error('Sequential: the model has no layers; add some with model.add(layer)');
    const nodes = chainGraph(this.stack[0].declaredInputShape!, this.stack);
    return { nodes, inputs: [0], outputs: [nodes.length - 1] };
  }
}

/** A sequential model (tfjs `tf.sequential`). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
