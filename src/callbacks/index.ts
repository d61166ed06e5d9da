/** Training callbacks (tfjs `tf.callbacks.*`, Keras `keras.callbacks.*`). File-writing ones are in 'simdnn/node'. */
export { History, type Callback, type Logs, type TrainingParams } from './callback.js';
export { EarlyStopping, earlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
export {
  LearningRateScheduler, learningRateScheduler, ReduceLROnPlateau, reduceLROnPlateau,
  type EpochSchedule, type ReduceLROnPlateauArgs,
} from './learning-rate.js';
export { ProgressBar, type ProgressBarArgs, type ProgressOutput } from './progress.js';
export type { MonitorMode } from './monitor.js';
