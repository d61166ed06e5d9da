// Types of models.mjs (plain JS, run unbuilt in every runtime by the cross-runtime workload).
import type * as nn from '../../src/core.js';

export function mlpModel(lib: typeof nn): nn.Sequential;
export function cnnModel(lib: typeof nn): nn.Sequential;
