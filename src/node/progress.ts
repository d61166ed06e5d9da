/// <reference types="node" />
/** The progress bar bound to the terminal: Keras-style lines on process.stdout. */
import { ProgressBar, type ProgressBarArgs, type ProgressOutput } from '../callbacks/progress.js';

/** Arguments of {@link progressBar}. */
export interface NodeProgressBarArgs extends ProgressBarArgs {
  /** Where to write; default process.stdout (redrawn in place on a terminal, plain lines otherwise). */
  output?: ProgressOutput;
}

/**
 * A Keras-style progress bar for `fit` (pass `verbose: 0` to fit so its own lines are not
 * printed as well): one updating line per epoch with steps, ETA and running metrics on a
 * terminal, one finished line per epoch when stdout is a pipe or a file.
 */
export function progressBar(args: NodeProgressBarArgs = {}): ProgressBar {
  return new ProgressBar(args.output ?? process.stdout, args);
}
