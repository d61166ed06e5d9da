// The kernel ABI: every export takes byte offsets into linear memory and sizes,
// writes its outputs in place, allocates nothing and keeps no state.
export { heapBase } from './memory';
export * from './gemm';
