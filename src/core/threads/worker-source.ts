/**
 * The worker's program, as source text so every runtime can start it without a file: Node runs
 * it with `eval: true`, the Web Worker API from a Blob URL. It instantiates the threaded module
 * over the shared memory, says 'ready', then loops: wait for a job in its slot, run the kernel,
 * report. It never allocates per job (the kernel is called with all argument slots; wasm ignores
 * the extra ones) and never posts a message per job.
 */
import { ARGS_AT, DONE, EXIT, KERNEL, MAX_ARGS, MESSAGE_AT, MESSAGE_BYTES, MESSAGE_LENGTH, SEQ, SLOT_BYTES, SPIN_US, STATUS, TRAPPED, OK } from './slots.js';

/**
 * Microseconds a worker polls for its next job before it sleeps in Atomics.wait: waking a
 * sleeping worker took 10-110 µs on this 2-core VM (after gaps of 50 µs to 1 ms), more than a
 * split GEMM part of a batch-256 Dense layer saves, and a forward pass issues its GEMMs tens of
 * µs apart. The poll reads the clock every 64 loads.
 */
export const WORKER_SPIN_US = 200;

/**
 * Loads per µs of polling budget at most (a poll loop in Node here runs 40-64 a µs, its clock
 * reads included): bounds a poll where the clock is coarse (1 ms or more in some browsers), so it
 * never spins for a whole tick.
 */
export const MAX_POLLS_PER_US = 100;

const args = Array.from({ length: MAX_ARGS }, (_, i) => `a[${i}]`).join(', ');

const body = `
function start(init, post) {
  const { module, memory, control, index } = init;
  const abort = (_m, _f, line, column) => { throw new Error('kernel aborted at line ' + line + ':' + column); };
  const exports = new WebAssembly.Instance(module, { env: { memory, abort } }).exports;
  const fns = init.names.map((name) => exports[name]);
  const at = index * ${SLOT_BYTES};
  const ctl = new Int32Array(control, at, 16);
  const a = new Float64Array(control, at + ${ARGS_AT}, ${MAX_ARGS});
  const msg = new Uint8Array(control, at + ${MESSAGE_AT}, ${MESSAGE_BYTES});
  post('ready');
  let seen = 0;
  for (;;) {
    let seq = Atomics.load(ctl, ${SEQ});
    const spinUs = ctl[${SPIN_US}];
    for (let polls = spinUs * ${MAX_POLLS_PER_US}, until = performance.now() + spinUs / 1000; seq === seen && polls > 0; polls--) {
      seq = Atomics.load(ctl, ${SEQ});
      if ((polls & 63) === 0 && performance.now() > until) polls = 0;
    }
    while (seq === seen) { Atomics.wait(ctl, ${SEQ}, seen); seq = Atomics.load(ctl, ${SEQ}); }
    seen = seq;
    const kernel = ctl[${KERNEL}];
    if (kernel === ${EXIT}) return;
    let status = ${OK};
    try {
      fns[kernel](${args});
    } catch (error) {
      status = ${TRAPPED};
      const text = String(error && error.message ? error.message : error);
      const n = Math.min(text.length, ${MESSAGE_BYTES});
      for (let i = 0; i < n; i++) msg[i] = text.charCodeAt(i) & 0x7f;
      ctl[${MESSAGE_LENGTH}] = n;
    }
    ctl[${STATUS}] = status;
    Atomics.store(ctl, ${DONE}, seq);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

/** For Node's worker_threads: a dynamic import, as Node runs the source as CommonJS or as ESM (under --input-type=module). */
export const nodeWorkerSource = `${body}
import('node:worker_threads').then(({ parentPort }) => {
  parentPort.once('message', (init) => start(init, (m) => parentPort.postMessage(m)));
});
`;

/** For the Web Worker API (browsers, Deno, Bun), started from a Blob URL. */
export const webWorkerSource = `${body}
self.onmessage = (event) => { self.onmessage = null; start(event.data, (m) => self.postMessage(m)); };
`;
