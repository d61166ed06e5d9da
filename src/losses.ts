/**
 * Losses for `compile`, Keras semantics (the mean over the batch, and over the last axis for the
 * element-wise losses): by name ('huber', 'mean_absolute_error', 'mae'), as objects with options
 * (`nn.losses.huber({ delta: 2 })`, `nn.losses.categoricalCrossentropy({ fromLogits: true,
 * labelSmoothing: 0.1 })`), or your own `{ name, loss, gradient }` (see {@link CustomLoss}).
 * The cross-entropies fuse with a softmax (or sigmoid) output layer into one stable kernel.
 */
export {
  binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  type CrossentropyArgs, type SparseCrossentropyArgs,
} from './losses/crossentropy.js';
export {
  cosineSimilarity, huber, logCosh, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError,
  type CosineSimilarityArgs, type HuberArgs,
} from './losses/regression.js';
export { categoricalHinge, hinge, squaredHinge } from './losses/margin.js';
export { kullbackLeiblerDivergence, poisson } from './losses/probabilistic.js';
export type { Loss, LossConfig, LossName } from './losses/loss.js';
export type { CustomLoss, CustomLossValue } from './losses/custom.js';
