/** Data helpers that need no bundled data set: readers, encodings. */
export { toCategorical } from './categorical.js';
export { fromIdx, fromIdxPair, decodeIdx, type BytesLike, type IdxArray, type IdxDtype, type IdxPairArgs, type IdxPart } from './idx.js';
export { cifar10, CIFAR10_CLASSES, type Cifar10Args, type Cifar10Part } from './cifar10.js';
export { cifar100, type Cifar100Args, type Cifar100Part } from './cifar100.js';
