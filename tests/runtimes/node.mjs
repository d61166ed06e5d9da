/**
 * Node entry of the runtime matrix: `node node.mjs <fixtures dir>` in the staging directory,
 * where 'simdnn' is the packed package. Loads the saved model through `file://` (simdnn/node);
 * prints one line `@@RESULT <json>`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as nn from 'simdnn/core';
import 'simdnn/node'; // registers file://
import { checkMainEntry, runWorkload } from './workload.mjs';

const dir = process.argv[2];
const result = await runWorkload(nn, {
  source: `file://${join(dir, 'mnist-mlp', 'model.json')}`,
  inputs: await readFile(join(dir, 'inputs.bin')),
});
result.mainEntry = checkMainEntry(await import('simdnn'));
result.version = `node ${process.versions.node}`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
