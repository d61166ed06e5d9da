/**
 * Embedding kernels with named operands: the index check, the row gather, and the table
 * gradient as a scatter-add. Indices are float32 values that must be integers in [0, rows).
 */
import { getBackend } from '../wasm.js';

/**
 * Operands of an embedding's kernel calls. A layer keeps one (from {@link embeddingKernelArgs}) and
 * refills the pointers per call, so a step allocates nothing. Pointers are byte offsets.
 */
export interface EmbeddingKernelArgs {
  /** Rows of the table (Keras `inputDim`), at most 2^24 so every index is exact in float32. */
  rows: number;
  /** Floats per row (Keras `outputDim`). */
  dim: number;
  /** How many indices (batch × indices per sample). */
  count: number;
  /** The indices, `count` float32 values. */
  indices: number;
  /** The table [rows, dim]. */
  table: number;
  /** The gathered rows [count, dim]. */
  output: number;
  /** Gradient with respect to output [count, dim]. */
  gradOutput: number;
  /** Gradient of the table [rows, dim] (overwritten). */
  gradTable: number;
}

/** An embedding argument struct for a [rows, dim] table, pointers 0. */
export function embeddingKernelArgs(rows: number, dim: number): EmbeddingKernelArgs {
  return { rows, dim, count: 0, indices: 0, table: 0, output: 0, gradOutput: 0, gradTable: 0 };
}

/** Position of the first index that is not an integer in [0, rows) (NaN included), or −1. */
export function embeddingFirstInvalid(e: Pick<EmbeddingKernelArgs, 'indices' | 'count' | 'rows'>): number {
  return getBackend().kernels.embeddingFirstInvalid(e.indices, e.count, e.rows);
}

/** output = the table's row at each index (indices checked first). */
export function embeddingGather(e: Pick<EmbeddingKernelArgs, 'indices' | 'table' | 'output' | 'count' | 'dim'>): void {
  getBackend().kernels.embeddingGather(e.indices, e.table, e.output, e.count, e.dim);
}

/** gradTable = 0, then each gradOutput row added into its index's row, in input order. */
export function embeddingScatterAdd(e: Pick<EmbeddingKernelArgs, 'indices' | 'gradOutput' | 'gradTable' | 'count' | 'dim' | 'rows'>): void {
  getBackend().kernels.embeddingScatterAdd(e.indices, e.gradOutput, e.gradTable, e.count, e.dim, e.rows);
}
