/**
 * simdnn/node: the Node-only helpers (they write files or use process.stdout), kept out of the
 * core entry so 'simdnn' runs unchanged in browsers and edge runtimes.
 */
export { progressBar, type NodeProgressBarArgs } from './progress.js';
export { CSVLogger, csvLogger, type CSVLoggerOptions } from './csv-logger.js';
export { TensorBoard, tensorBoard, EventFileWriter, type TensorBoardArgs } from './tensorboard.js';
export { saveLearningCurves } from './plot.js';
export {
  fromIdxFile, fromIdxFiles, cifar10, cifar10File, CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, type Cifar10DirectoryArgs, type Cifar10FileArgs,
  cifar100, cifar100File, type Cifar100DirectoryArgs, type Cifar100FileArgs,
} from './data-files.js';
export { fileSystem, type FileSystemOptions } from './file-io.js';
export { StreamedDataset, type StreamArgs } from './streamed-dataset.js';
export { idxDataset, type IdxDatasetArgs } from './idx-dataset.js';
export { cifar10Dataset, type Cifar10DatasetArgs } from './cifar-dataset.js';
/** Reads a regular file with bounds (no FIFOs or devices, never past its size); simdnn/onnx's loadOnnx(path) uses it. */
export { readRegularFile, type ReadLimits } from './read-file.js';
