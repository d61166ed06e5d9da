// Channel concatenation (over the last axis) with its backward split, and inverted dropout.
import { at, copyRun, addRun } from './nhwc';

/**
 * Writes one input of a concatenation: dst[r, offset + j] = src[r, j] for src [rows, srcC] into
 * dst [rows, dstC]. Call once per input with its channel offset. src must not overlap dst.
 */
export function concatChannels(src: usize, dst: usize, rows: i32, srcC: i32, dstC: i32, offset: i32): void {
  for (let r = 0; r < rows; r++) copyRun(at(dst, r * dstC + offset), at(src, r * srcC), srcC);
}

/**
 * Backward of concatChannels for one input: dsrc[r, j] (+)= ddst[r, offset + j], dsrc [rows, srcC],
 * ddst [rows, dstC]; overwrites unless accumulate != 0. dsrc must not overlap ddst.
 */
export function splitChannels(ddst: usize, dsrc: usize, rows: i32, srcC: i32, dstC: i32, offset: i32, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    if (accumulate) addRun(at(dsrc, r * srcC), at(ddst, r * dstC + offset), srcC);
    else copyRun(at(dsrc, r * srcC), at(ddst, r * dstC + offset), srcC);
  }
}

// Dropout draws are counter-based: element i of a call gets hash(key, counter + i), so a mask
// does not depend on how a step is split into calls, is the same in every runtime, and
// vectorises (four counters per f32x4). State (16 bytes): u32 key, u32 unused, u64 counter.

/** lowbias32 (C. Wellons): a bijective 32-bit mixer with good avalanche. */
@inline function mix32(x: u32): u32 {
  x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
  return x;
}

/** mix32 in each i32x4 lane. */
@inline function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16)); x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15)); x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** Initialises a 16-byte dropout generator state from a seed (counter 0). */
export function dropoutSeedState(state: usize, seed: u32): void {
  store<u32>(state, seed);
  store<u32>(state, 0, 4);
  store<u64>(state, 0, 8);
}

/**
 * mask [count] = 1/(1 − rate) where the element's uniform draw u ∈ [0, 1) satisfies u ≥ rate,
 * else 0 (inverted dropout: E[mask] = 1); advances the state's counter by count.
 */
export function dropoutMask(mask: usize, count: i32, rate: f32, state: usize): void {
  const key = load<u32>(state);
  let counter = load<u64>(state, 8);
  const scale = f32x4.splat(<f32>1 / (<f32>1 - rate));
  const vRate = f32x4.splat(rate);
  const toUnit = f32x4.splat(<f32>1 / <f32>16777216); // 24 random bits → [0, 1) exactly in f32
  const lanes = i32x4(0, 1, 2, 3);
  let i = 0;
  while (i < count) {
    // Within a chunk the counter's high word is fixed; it folds into the per-chunk key.
    const lo = <u32>counter;
    const room = <u64>0x100000000 - <u64>lo;
    const chunk = <i32>min<u64>(<u64>(count - i), room);
    const k = mix32(key ^ mix32(<u32>(counter >> 32) + 0x9e3779b9));
    const vk = i32x4.splat(k);
    let j = 0;
    for (; j + 4 <= chunk; j += 4) {
      const h = mix32x4(v128.xor(mix32x4(i32x4.add(i32x4.splat(<i32>(lo + <u32>j)), lanes)), vk));
      const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(h, 8)), toUnit);
      v128.store(at(mask, i + j), v128.and(f32x4.ge(u, vRate), scale));
    }
    for (; j < chunk; j++) {
      const u = <f32>(mix32(mix32(lo + <u32>j) ^ k) >> 8) * (<f32>1 / <f32>16777216);
      store<f32>(at(mask, i + j), u >= rate ? <f32>1 / (<f32>1 - rate) : 0);
    }
    i += chunk;
    counter += <u64>chunk;
  }
  store<u64>(state, counter, 8);
}

/** y (+)= x · mask elementwise over count (forward: x → y; backward: dy → dx). y may alias x. */
export function dropoutApply(x: usize, mask: usize, y: usize, count: i32, accumulate: i32): void {
  const body = count & ~3;
  let i = 0;
  for (; i < body; i += 4) {
    let v = f32x4.mul(v128.load(at(x, i)), v128.load(at(mask, i)));
    if (accumulate) v = f32x4.add(v, v128.load(at(y, i)));
    v128.store(at(y, i), v);
  }
  for (; i < count; i++) {
    let v = load<f32>(at(x, i)) * load<f32>(at(mask, i));
    if (accumulate) v += load<f32>(at(y, i));
    store<f32>(at(y, i), v);
  }
}
