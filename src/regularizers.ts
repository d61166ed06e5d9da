/**
 * Weight penalties l1·Σ|w| + l2·Σw² (Keras names and defaults). The penalty joins the reported
 * loss; its gradient is added to the parameter gradient by one kernel before the optimizer step
 * (src/models/penalty.ts).
 */

/** An L1/L2 penalty on one weight. */
export interface Regularizer {
  readonly className: 'L1' | 'L2' | 'L1L2';
  readonly l1: number;
  readonly l2: number;
}

function factor(value: number | undefined, who: string): number {
  const v = value ?? 0.01;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${who} must be a non-negative finite number, got ${value}`);
  return v;
}

/** l1·Σ|w|; default l1 = 0.01. */
export function l1(args: { l1?: number } = {}): Regularizer {
  return { className: 'L1', l1: factor(args.l1, 'regularizers.l1: l1'), l2: 0 };
}

/** l2·Σw²; default l2 = 0.01. */
export function l2(args: { l2?: number } = {}): Regularizer {
  return { className: 'L2', l1: 0, l2: factor(args.l2, 'regularizers.l2: l2') };
}

/** l1·Σ|w| + l2·Σw²; defaults 0.01 each. */
export function l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
  return { className: 'L1L2', l1: factor(args.l1, 'regularizers.l1l2: l1'), l2: factor(args.l2, 'regularizers.l1l2: l2') };
}

const BY_NAME: Record<string, () => Regularizer> = { l1: () => l1(), l2: () => l2(), l1l2: () => l1l2() };

/** A regularizer by name ('l1', 'l2', 'l1l2') or as given; null for none. */
export function getRegularizer(value: string | Regularizer | null | undefined, who: string): Regularizer | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    if (typeof value.l1 !== 'number' || typeof value.l2 !== 'number') throw new TypeError(`${who}: expected a regularizer from nn.regularizers, got ${typeof value}`);
    return value;
  }
  const make = Object.prototype.hasOwnProperty.call(BY_NAME, value) ? BY_NAME[value] : undefined;
  if (!make) throw new Error(`${who}: unknown regularizer '${value}'; expected one of ${Object.keys(BY_NAME).join(', ')}`);
  return make();
}
