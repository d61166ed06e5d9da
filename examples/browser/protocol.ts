/** Messages between the page (main.ts) and the training worker (train-worker.ts). */

/** How to train; the page's form. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'train'; config: TrainConfig }
  | { type: 'predict'; id: number; pixels: Float32Array };

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; trainSize: number; testSize: number; loadMs: number }
  | { type: 'begin'; epochs: number; steps: number; samples: number }
  | { type: 'batch'; epoch: number; batch: number; loss: number }
  | { type: 'epoch'; epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; seconds: number }
  | { type: 'done'; seconds: number; testAccuracy: number }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'error'; message: string };

/**
 * mnist.bin, written by build.ts from `nn.data.mnist()` and read by the worker: the 10,000 digits
 * exactly (their values take at most 256 distinct float32 values, so each pixel is a palette
 * index). Little-endian:
 *   u32 magic 'MNS1', u32 trainSize, u32 testSize, u32 paletteSize,
 *   f32 palette[256], u8 trainPixels[trainSize·784], u8 trainLabels[trainSize],
 *   u8 testPixels[testSize·784], u8 testLabels[testSize]
 */
export const MNIST_BIN_MAGIC = 0x3153_4e4d; // 'MNS1' read as a little-endian u32
