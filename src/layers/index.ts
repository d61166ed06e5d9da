/** Layer factories (tfjs `tf.layers.*`). */
export { Dense, dense, type DenseArgs } from './dense.js';
export { Conv2D, conv2d, type Conv2DArgs } from './conv2d.js';
export { DepthwiseConv2D, depthwiseConv2d, type DepthwiseConv2DArgs } from './depthwise-conv2d.js';
export { SeparableConv2D, separableConv2d, type SeparableConv2DArgs } from './separable-conv2d.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, maxPooling2d, averagePooling2d, globalAveragePooling2d, type Pooling2DArgs } from './pooling.js';
export { Flatten, Reshape, flatten, reshape, type ReshapeArgs } from './reshape.js';
export { Dropout, dropout, type DropoutArgs } from './dropout.js';
export { BatchNormalization, batchNormalization, type BatchNormalizationArgs } from './normalization.js';
export { Activation, activation, type ActivationArgs } from './activation.js';
export { Add, Average, Maximum, Minimum, Multiply, Subtract, add, average, maximum, minimum, multiply, subtract } from './merge.js';
export { Concatenate, concatenate, type ConcatenateArgs } from './concatenate.js';
export type { Padding } from '../core/geometry.js';
export {
  RandomFlip, RandomTranslation, RandomRotation, RandomZoom, randomFlip, randomTranslation, randomRotation, randomZoom,
  type RandomFlipArgs, type RandomTranslationArgs, type RandomRotationArgs, type RandomZoomArgs,
  type RandomArgs, type AffineArgs, type FillMode, type Interpolation, type Factor,
} from './preprocessing.js';
export { GaussianNoise, gaussianNoise, type GaussianNoiseArgs } from './noise.js';
export { Recurrent, type RecurrentArgs } from './recurrent.js';
export type { MergeMode } from '../core/kernels/recurrent.js';
export { SimpleRNN, simpleRNN, type SimpleRNNArgs } from './simple-rnn.js';
export { LSTM, lstm, type LSTMArgs } from './lstm.js';
export { GRU, gru, type GRUArgs } from './gru.js';
export { Bidirectional, bidirectional, type BidirectionalArgs } from './bidirectional.js';
