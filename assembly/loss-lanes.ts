// Lane-wise log and expm1 for the loss kernels as ordinary (not @inline) functions: each loss
// calls them once per four values, and one shared copy keeps the wasm small where an inlined
// copy per call site would add a kilobyte each. Not re-exported from index.ts: no wasm ABI.
import { expm1_4, log1p4, log4 } from './math';

/** Natural log lane-wise (math.ts's log4). */
export function logLanes(x: v128): v128 {
  return log4(x);
}

/** log(1 + t) lane-wise for t > −1 (math.ts's log1p4, whose rounding correction holds for negative t too). */
export function log1pLanes(t: v128): v128 {
  return log1p4(t);
}

/** e^x − 1 lane-wise (math.ts's expm1_4). */
export function expm1Lanes(x: v128): v128 {
  return expm1_4(x);
}
