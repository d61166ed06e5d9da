// Module Web Worker entry of the threads section's Chromium table (runner.ts bundles it with
// esbuild): measures the three libraries at the thread count the page posts, posts progress
// lines, then the result or the error.
import { measurePeers, type PeerOptions } from '../threads-peers.js';

type Request = Omit<PeerOptions, 'wasmPaths'>;
interface WorkerScope {
  location: { href: string };
  navigator: { hardwareConcurrency: number };
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data }) => {
  // The server's folders of each library's .wasm (and ORT's .mjs glue), as absolute URLs.
  const wasmPaths = { tfjs: new URL('/tfjs/', scope.location.href).href, ort: new URL('/ort/', scope.location.href).href };
  // TF.js caps XNNPACK's threads at hardwareConcurrency / 2 (it assumes two hyper-threads per
  // core), which on a 2-core VM is 1 whatever setThreadsCount asks: report 2n so it may run n.
  const cores = scope.navigator.hardwareConcurrency;
  Object.defineProperty(scope.navigator, 'hardwareConcurrency', { value: 2 * data.threads, configurable: true });
  try {
    const run = await measurePeers({ ...data, wasmPaths }, (line) => scope.postMessage({ log: line }));
    run.notes.push('tfjs-wasm caps its threads at navigator.hardwareConcurrency / 2 (it assumes hyper-threads), so each worker ' +
      `reported 2 x its thread count instead of ${cores}; simdnn and ORT are given their count explicitly.`);
    scope.postMessage({ run });
  } catch (error) {
    scope.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
};
