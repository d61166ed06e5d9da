/**
 * Node entry of the cross-runtime bench: `node [--experimental-wasm-relaxed-simd] node.mjs <config>`
 * in the staging directory, where 'simdnn' is the packed package. Prints `@@RESULT <json>`.
 */
import * as nn from 'simdnn/core';
import { runBench } from './workload.mjs';

const result = await runBench(nn, process.argv[2], () => performance.now());
result.version = `node ${process.versions.node} (V8 ${process.versions.v8})`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
