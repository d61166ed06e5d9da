/**
 * Bun entry of the cross-runtime bench: `bun bun.mjs <config>` in the staging directory, where
 * 'simdnn' is the packed package. Prints `@@RESULT <json>`.
 */
import * as nn from 'simdnn/core';
import { runBench } from './workload.mjs';

const result = await runBench(nn, Bun.argv[2], () => performance.now());
result.version = `bun ${Bun.version}`;
console.log(`@@RESULT ${JSON.stringify(result)}`);
