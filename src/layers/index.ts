/** Layer factories (tfjs `tf.layers.*`). */
export { Dense, dense, type DenseArgs } from './dense.js';
