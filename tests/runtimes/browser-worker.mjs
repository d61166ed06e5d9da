/**
 * The runtime matrix's workload in a module Web Worker of the crossOriginIsolated page, where
 * ready({ threads: 2 }) starts the pool. Workers have no import map: the package's entry is
 * imported by its path. Posts { result } or { error }.
 */
import * as nn from '/node_modules/simdnn/dist/core.js';
import { fetchFixtures, runWorkload } from './workload.mjs';

try {
  self.postMessage({ result: await runWorkload(nn, await fetchFixtures('.')) });
} catch (e) {
  self.postMessage({ error: String(e?.stack ?? e) });
}
