/** Data sets and helpers. */
export { mnist, type MnistArgs, type MnistPart } from './mnist.js';
export { toCategorical } from './categorical.js';
