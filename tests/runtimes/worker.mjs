/**
 * workerd entry of the runtime matrix, bundled with 'simdnn/core' into one module by the runner.
 * workerd (like Cloudflare Workers) refuses to compile wasm from bytes at run time, so the
 * package's raw wasm ('simdnn/simdnn.wasm') is declared as a wasm module in the config and
 * handed to `nn.ready({ wasm })`; the model files and digits are embedded as data modules.
 * GET /run trains and infers; GET /infer only infers. Both answer JSON.
 */
import * as nn from 'simdnn/core';
import wasm from './simdnn.wasm';
import modelJSON from './model.json';
import weights from './weights.bin';
import inputs from './inputs.bin';
import { runWorkload } from './workload.mjs';

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname !== '/run' && pathname !== '/infer') return new Response('not found', { status: 404 });
    try {
      const result = await runWorkload(nn, { readyOptions: { wasm }, modelJSON, weights: new Uint8Array(weights), inputs }, { train: pathname === '/run' });
      return Response.json(result);
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
