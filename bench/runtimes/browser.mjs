/**
 * The bench page's script (see browser.html): `window.runConfig(config)` runs the workload for
 * one config in a fresh module Web Worker (a browser's main thread may not Atomics.wait, and a
 * fresh worker loads the package anew, as the first ready() fixes the build) and resolves with
 * its result.
 */
window.runConfig = (config) => new Promise((resolve, reject) => {
  const worker = new Worker('./browser-worker.mjs', { type: 'module' });
  const end = (settle, value) => { worker.terminate(); settle(value); };
  worker.onmessage = ({ data }) => (data.error ? end(reject, new Error(data.error)) : end(resolve, data));
  worker.onerror = (e) => end(reject, new Error(`worker: ${e.message ?? 'failed to start'}`));
  worker.postMessage(config);
});
window.benchReady = true;
