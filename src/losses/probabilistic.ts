/** Probabilistic losses, Keras formulas: kullbackLeiblerDivergence (one term per row) and poisson. */
import { checkOptions } from '../core/checks.js';
import * as probabilistic from '../core/kernels/loss-probabilistic.js';
import { checkRange, plainLoss, type Loss } from './loss.js';

/**
 * Σ y·log(y/p) over the last axis, label and prediction clipped to [1e-7, 1], Keras `KLDivergence`
 * (saved as TF.js's 'kullback_leibler_divergence'). Labels are probabilities in [0, 1].
 */
export function kullbackLeiblerDivergence(args: object = {}): Loss {
  checkOptions(args, 'losses.kullbackLeiblerDivergence', []);
  return plainLoss({ name: 'kullbackLeiblerDivergence', className: 'KLDivergence', kerasName: 'kl_divergence',
    saved: 'kullback_leibler_divergence', perRow: true,
    check: (y, who) => checkRange(y, 0, 1, who, 'kullbackLeiblerDivergence labels (probabilities)'),
    kernel: probabilistic.kullbackLeiblerDivergence });
}

/**
 * prediction − label·log(prediction + 1e-7), Keras `Poisson`. Labels are counts ≥ 0; a prediction
 * ≤ −1e-7 has no logarithm and makes the loss NaN, as in Keras.
 */
export function poisson(args: object = {}): Loss {
  checkOptions(args, 'losses.poisson', []);
  return plainLoss({ name: 'poisson', className: 'Poisson', kerasName: 'poisson', saved: 'poisson', perRow: false,
    check: (y, who) => checkRange(y, 0, Infinity, who, 'poisson labels (counts)'),
    kernel: probabilistic.poisson,
    nonFiniteHint: 'poisson takes log(prediction + 1e-7), so predictions must stay above -1e-7: ' +
      "give the output layer a positive activation such as 'exponential' or 'softplus'" });
}
