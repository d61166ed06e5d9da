// The kernel ABI: every export takes byte offsets into linear memory and sizes,
// writes its outputs in place, allocates nothing and keeps no state.
export { heapBase } from './memory';
export * from './gemm';
export * from './conv';
export * from './conv-direct';
export * from './pool';
export * from './norm';
export * from './join';
export * from './merge';
export * from './elementwise';
export * from './activations';
export * from './softmax';
export * from './reduce';
export * from './loss';
export * from './sample-weights';
export * from './optim';
export * from './regularize';
export * from './augment';
export * from './depthwise';
export * from './recurrent';
export * from './bidirectional';
