/** Chromium entry of the runtime matrix (see browser.html): sets `window.__result` or `window.__error`. */
import * as nn from 'simdnn/core';
import { runWorkload } from './workload.mjs';

const get = async (path) => {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response;
};
try {
  const result = await runWorkload(nn, {
    modelJSON: await (await get('./fixtures/mnist-mlp/model.json')).text(),
    weights: new Uint8Array(await (await get('./fixtures/mnist-mlp/weights.bin')).arrayBuffer()),
    inputs: await (await get('./fixtures/inputs.bin')).arrayBuffer(),
  });
  result.version = navigator.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent;
  window.__result = result;
} catch (e) {
  window.__error = String(e?.stack ?? e);
}
