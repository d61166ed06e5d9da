/**
 * simdnn: Keras-style neural networks on a WebAssembly SIMD core.
 * Everything in `simdnn/core`, with `data` extended by the built-in MNIST digits.
 * Public API: re-exports only.
 */
export * from './core.js';
// A local export shadows the star export of the same name: this `data` includes mnist.
export * as data from './data/index.js';
