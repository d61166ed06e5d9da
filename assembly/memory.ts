/** First byte past the module's static data: the JS arena owns everything above it. */
export function heapBase(): usize {
  return __heap_base;
}
