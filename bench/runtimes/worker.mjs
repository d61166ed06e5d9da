/**
 * workerd entry of the cross-runtime bench, bundled with 'simdnn/core' into one module by the
 * runner. workerd compiles no wasm from bytes, so both builds are declared as wasm modules in
 * the config and the one for the config is handed to `nn.ready({ wasm })`. The host drives the
 * plan and times each request with its own clock (one workerd process per config):
 *   GET /setup?config=one|all|relaxed   ready + data + models; answers backend() and the host env
 *   GET /step?name=<step>&reps=<n>      runs a step n times ('empty': nothing); answers workerd's own ms
 *   GET /clock                          how workerd's clock behaves during execution
 *   GET /weights                        the trained weights (after the plan)
 */
import * as nn from 'simdnn/core';
import plain from './simdnn.wasm';
import relaxed from './simdnn-relaxed.wasm';
import { createBench, probeClock } from './workload.mjs';

let bench = null;
const now = () => performance.now();

async function answer(url) {
  const q = url.searchParams;
  switch (url.pathname) {
    case '/setup': {
      const config = q.get('config');
      bench = await createBench(nn, config, { wasm: config === 'relaxed' ? relaxed : plain });
      return { backend: bench.backend, env: bench.env };
    }
    case '/step': {
      const name = q.get('name');
      if (name === 'empty') return { workerMs: 0 };
      if (!bench?.steps[name]) throw new Error(`no step '${name}' (setup first?)`);
      const t0 = now();
      await bench.steps[name](Number(q.get('reps')));
      return { workerMs: now() - t0 };
    }
    case '/clock': return probeClock(now);
    case '/weights': return bench.weights();
    default: return null;
  }
}

export default {
  async fetch(request) {
    try {
      const body = await answer(new URL(request.url));
      return body === null ? new Response('not found', { status: 404 }) : Response.json(body);
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
