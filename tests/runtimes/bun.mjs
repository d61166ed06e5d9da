/**
 * Bun entry of the runtime matrix: `bun bun.mjs <fixtures dir>` in the staging directory, where
 * 'simdnn' is the packed package. Prints one line `@@RESULT <json>`.
 */
import * as nn from 'simdnn/core';
import { checkMainEntry, runWorkload } from './workload.mjs';

const dir = Bun.argv[2];
const result = await runWorkload(nn, {
  modelJSON: await Bun.file(`${dir}/mnist-mlp/model.json`).text(),
  weights: new Uint8Array(await Bun.file(`${dir}/mnist-mlp/weights.bin`).arrayBuffer()),
  inputs: await Bun.file(`${dir}/inputs.bin`).arrayBuffer(),
});
result.mainEntry = checkMainEntry(await import('simdnn'));
result.version = `bun ${Bun.version}`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
