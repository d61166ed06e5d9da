// The two networks every bench section (and the ONNX writer test) measures, built from the
// source tree: the builders live in bench/runtimes/models.mjs, which the cross-runtime workload
// also runs, unbuilt, in every runtime.
import * as nn from '../src/core.js';
import { cnnModel, mlpModel } from './runtimes/models.mjs';

/** 784-128(ReLU)-10(softmax). */
export const mnistMlp = (): nn.Sequential => mlpModel(nn);

/** Conv(8) → MaxPool → Conv(16) → MaxPool → Dense(128) → Dense(10), on flat 784-pixel input. */
export const mnistCnn = (): nn.Sequential => cnnModel(nn);
