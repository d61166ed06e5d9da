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
export { Rescaling, rescaling, type RescalingArgs, type NestedNumbers } from './rescaling.js';
export { LeakyReLU, ELU, leakyReLU, elu, type AlphaActivationArgs } from './advanced-activations.js';
export { GlobalMaxPooling2D, globalMaxPooling2d } from './global-max-pooling.js';
export { type GlobalPooling2DArgs } from './pooling.js';
export { ZeroPadding2D, Cropping2D, zeroPadding2d, cropping2d, cropping2D, type ZeroPadding2DArgs, type Cropping2DArgs, type Frame2D } from './padding.js';
export { Permute, permute, type PermuteArgs } from './permute.js';
export { UpSampling2D, upSampling2d, type UpSampling2DArgs, type UpSamplingInterpolation } from './upsampling.js';
export { RepeatVector, repeatVector, type RepeatVectorArgs } from './repeat-vector.js';
export { Conv2DTranspose, conv2dTranspose, type Conv2DTransposeArgs } from './conv2d-transpose.js';
export type { TransposePadding } from '../core/transposed-window.js';
export { LayerNormalization, layerNormalization, type LayerNormalizationArgs } from './layer-normalization.js';
export { Embedding, embedding, type EmbeddingArgs } from './embedding.js';
export { Conv1D, conv1d, type Conv1DArgs } from './conv1d.js';
export {
  MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, maxPooling1d, averagePooling1d, globalAveragePooling1d, globalMaxPooling1d,
  type Pooling1DArgs, type GlobalPooling1DArgs,
} from './pooling1d.js';
export { TimeDistributed, timeDistributed, type TimeDistributedArgs } from './time-distributed.js';
export type { Padding1D } from '../core/window1d.js';
export { Recurrent, type RecurrentArgs } from './recurrent.js';
export type { MergeMode } from '../core/kernels/recurrent.js';
export { SimpleRNN, simpleRNN, type SimpleRNNArgs } from './simple-rnn.js';
export { LSTM, lstm, type LSTMArgs } from './lstm.js';
export { GRU, gru, type GRUArgs } from './gru.js';
export { Bidirectional, bidirectional, type BidirectionalArgs } from './bidirectional.js';
