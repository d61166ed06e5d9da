/** Data sets and helpers: the portable ones plus the built-in MNIST digits. */
export * from './portable.js';
export { mnist, type MnistArgs, type MnistPart } from './mnist.js';
