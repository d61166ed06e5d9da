/** Every ONNX op simdnn imports (default domain), by op type. */
import type { Converter } from './lower.js';
import { ACTIVATION_CONVERTERS } from './ops-activation.js';
import { ARITHMETIC_CONVERTERS } from './ops-arith.js';
import { LINEAR_CONVERTERS } from './ops-linear.js';
import { POOL_CONVERTERS } from './ops-pool.js';
import { SHAPE_CONVERTERS } from './ops-shape.js';

export const CONVERTERS: Record<string, Converter> = {
  ...LINEAR_CONVERTERS, ...ACTIVATION_CONVERTERS, ...POOL_CONVERTERS, ...ARITHMETIC_CONVERTERS, ...SHAPE_CONVERTERS,
};

/** The supported op types, sorted (for documentation and the README's table). */
export const SUPPORTED_OPS: readonly string[] = Object.keys(CONVERTERS).sort();
