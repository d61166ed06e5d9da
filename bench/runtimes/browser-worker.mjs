/**
 * The bench's module Web Worker in Chromium (started by browser.mjs): loads the packed package's
 * 'simdnn/core' by its path (workers have no import map), runs one config, posts the result.
 */
import * as nn from './node_modules/simdnn/dist/core.js';
import { runBench } from './workload.mjs';

self.onmessage = async ({ data: config }) => {
  try {
    const result = await runBench(nn, config, () => performance.now());
    await nn.shutdown();
    self.postMessage(result);
  } catch (e) {
    self.postMessage({ error: String(e?.stack ?? e) });
  }
};
