/**
 * Which live models hold each layer. A layer may sit in several models (an encoder inside an
 * autoencoder and on its own); as in TF.js, each layer keeps a count of the live models holding
 * it, and `model.dispose()` frees a layer's weights only when that count falls to zero. A model
 * collected without `dispose()` lets go of its layers too, but never frees their weights: the
 * layer may still be held by the user, so its weights wait for the layer's own safety net.
 */
import type { Layer } from '../layers/layer.js';

const holders = new WeakMap<Layer, number>();

/** Counts `model` (whose held set is `held`) as holding each of `layers` it does not hold yet. */
export function holdLayers(held: Set<Layer>, layers: Iterable<Layer>): void {
  for (const layer of layers) {
    if (held.has(layer)) continue;
    held.add(layer);
    holders.set(layer, (holders.get(layer) ?? 0) + 1);
  }
}

/** The model that held `held` is disposed or collected: it no longer counts for those layers. */
export function letGoOfLayers(held: Set<Layer>): void {
  for (const layer of held) {
    const count = (holders.get(layer) ?? 1) - 1;
    if (count > 0) holders.set(layer, count);
    else holders.delete(layer);
  }
  held.clear();
}

/** How many live models hold `layer`. */
export function modelsHolding(layer: Layer): number {
  return holders.get(layer) ?? 0;
}
