/**
 * Chromium entry of the runtime matrix (see browser.html): runs the workload on the page (its
 * main thread may not Atomics.wait, so one thread runs and backend().why says so), then in a
 * module Web Worker of the same crossOriginIsolated page, where the pool runs 2 threads. Sets
 * `window.__result` and `window.__workerResult`, or `window.__error`.
 */
import * as nn from 'simdnn/core';
import { fetchFixtures, runWorkload } from './workload.mjs';

const version = navigator.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent;
try {
  const result = await runWorkload(nn, await fetchFixtures('.'));
  result.version = version;
  window.__result = result;
  const worker = new Worker('./browser-worker.mjs', { type: 'module' });
  window.__workerResult = await new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.error ? reject(new Error(`worker: ${data.error}`)) : resolve({ ...data.result, version }));
    worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
  });
  worker.terminate();
} catch (e) {
  window.__error = String(e?.stack ?? e);
}
