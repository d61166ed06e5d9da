/**
 * Deno entry of the cross-runtime bench: `deno run --allow-read=<staging dir> deno.mjs <config>`
 * in the staging directory, where 'simdnn' is the packed package in node_modules. Prints
 * `@@RESULT <json>`.
 */
import * as nn from 'simdnn/core';
import { runBench } from './workload.mjs';

const result = await runBench(nn, Deno.args[0], () => performance.now());
result.version = `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
