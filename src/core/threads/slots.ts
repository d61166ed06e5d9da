/**
 * The job slots workers and the caller share: one 512-byte slot per worker in a
 * SharedArrayBuffer. The caller writes a kernel index and its arguments, bumps SEQ and notifies;
 * the worker runs the kernel, writes STATUS (and a message on a trap), sets DONE = SEQ, notifies.
 */
export const SLOT_BYTES = 512;
/** Int32 indices within a slot. */
export const SEQ = 0;
export const DONE = 1;
export const KERNEL = 2;
export const STATUS = 3;
export const MESSAGE_LENGTH = 4;
/** Microseconds the worker polls for its next job before it sleeps (written by the caller). */
export const SPIN_US = 5;
/** Byte offset and count of the float64 arguments (every kernel argument is exact in a float64). */
export const ARGS_AT = 64;
export const MAX_ARGS = 24;
/** Byte offset and size of the trap message (ASCII). */
export const MESSAGE_AT = 256;
export const MESSAGE_BYTES = 256;
/** KERNEL value that tells a worker to leave its loop. */
export const EXIT = -1;
/** STATUS values. */
export const OK = 0;
export const TRAPPED = 1;
