/**
 * Deno entry of the runtime matrix: `deno run --allow-read=<staging dir> deno.mjs <fixtures dir>`
 * in the staging directory, where 'simdnn' is the packed package in node_modules (Deno resolves
 * it through package.json). Prints one line `@@RESULT <json>`.
 */
import * as nn from 'simdnn/core';
import { checkMainEntry, runWorkload } from './workload.mjs';

const dir = Deno.args[0];
const result = await runWorkload(nn, {
  modelJSON: await Deno.readTextFile(`${dir}/mnist-mlp/model.json`),
  weights: await Deno.readFile(`${dir}/mnist-mlp/weights.bin`),
  inputs: await Deno.readFile(`${dir}/inputs.bin`),
});
result.mainEntry = checkMainEntry(await import('simdnn'));
result.version = `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
