/**
 * Margin losses, Keras formulas: hinge and squaredHinge (labels −1 or 1; 0/1 labels are read as
 * −1/1, Keras's conversion) and categoricalHinge (one term per row).
 */
import { checkOptions } from '../core/checks.js';
import type { Tensor } from '../core/tensor.js';
import * as margin from '../core/kernels/loss-margin.js';
import { plainLoss, type Loss } from './loss.js';

/**
 * Hinge labels are all −1/1 or all 0/1. Keras converts a batch of only 0s and 1s to −1/1 and leaves
 * any other batch as it is, so −1 and 0 together (or other values) would mean different things in
 * different batches: refused.
 */
function checkHingeLabels(y: Tensor, who: string, loss: string): void {
  const d = y.data;
  let minusOne = -1, zero = -1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v !== -1 && v !== 0 && v !== 1) throw new RangeError(`${who}: ${loss} labels must be -1 or 1 (or 0 or 1), got ${v} at flat index ${i}`);
    if (v === -1 && minusOne < 0) minusOne = i;
    if (v === 0 && zero < 0) zero = i;
  }
  if (minusOne >= 0 && zero >= 0) {
    throw new RangeError(`${who}: ${loss} labels mix -1 (flat index ${minusOne}) and 0 (flat index ${zero}); ` +
      'give -1/1 labels or 0/1 labels (read as -1/1), not both');
  }
}

/** max(1 − label·prediction, 0), Keras `Hinge`. */
export function hinge(args: object = {}): Loss {
  checkOptions(args, 'losses.hinge', []);
  return plainLoss({ name: 'hinge', className: 'Hinge', kerasName: 'hinge', saved: 'hinge', perRow: false,
    check: (y, who) => checkHingeLabels(y, who, 'hinge'), kernel: margin.hinge });
}

/** max(1 − label·prediction, 0)², Keras `SquaredHinge`. */
export function squaredHinge(args: object = {}): Loss {
  checkOptions(args, 'losses.squaredHinge', []);
  return plainLoss({ name: 'squaredHinge', className: 'SquaredHinge', kerasName: 'squared_hinge', saved: 'squared_hinge',
    perRow: false, check: (y, who) => checkHingeLabels(y, who, 'squaredHinge'), kernel: margin.squaredHinge });
}

/** max(max_j (1 − y_j)·p_j − Σ y·p + 1, 0) per row (one-hot labels), Keras `CategoricalHinge`. */
export function categoricalHinge(args: object = {}): Loss {
  checkOptions(args, 'losses.categoricalHinge', []);
  return plainLoss({ name: 'categoricalHinge', className: 'CategoricalHinge', kerasName: 'categorical_hinge',
    saved: 'categorical_hinge', perRow: true, kernel: margin.categoricalHinge });
}
