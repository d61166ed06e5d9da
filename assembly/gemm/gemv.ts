// Row vector times matrix, c[0..n) (+)= Σ_p a[p] · B[p, 0..n), for GEMMs with one row of C
// (batch-1 inference): B rows are streamed once, 16 columns at a time in four f32x4
// accumulators, with no packing and no padding of the single row to a register tile.

/** c[0..n) (+)= Σ_p a[p·aStep] · b[p·ldb + j]; strides in elements. */
export function rowTimesMatrix(k: i32, n: i32, a: usize, aStep: i32, b: usize, ldb: i32, c: usize, accumulate: i32): void {
  const aStride = <usize>aStep << 2;
  const bStride = <usize>ldb << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) columns16(k, a, aStride, b + (<usize>j << 2), bStride, c + (<usize>j << 2), accumulate);
  for (; j + 4 <= n; j += 4) columns4(k, a, aStride, b + (<usize>j << 2), bStride, c + (<usize>j << 2), accumulate);
  for (; j < n; j++) column1(k, a, aStride, b + (<usize>j << 2), bStride, c + (<usize>j << 2), accumulate);
}

/** 16 columns: four accumulators, one splat of a[p] shared by four loads of the B row. */
function columns16(k: i32, a: usize, aStride: usize, b: usize, bStride: usize, c: usize, accumulate: i32): void {
  let c0 = accumulate ? v128.load(c) : f32x4.splat(0);
  let c1 = accumulate ? v128.load(c, 16) : f32x4.splat(0);
  let c2 = accumulate ? v128.load(c, 32) : f32x4.splat(0);
  let c3 = accumulate ? v128.load(c, 48) : f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const av = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(av, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(av, v128.load(b, 16)));
    c2 = f32x4.add(c2, f32x4.mul(av, v128.load(b, 32)));
    c3 = f32x4.add(c3, f32x4.mul(av, v128.load(b, 48)));
    a += aStride;
    b += bStride;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
}

/** 4 columns: one accumulator. */
function columns4(k: i32, a: usize, aStride: usize, b: usize, bStride: usize, c: usize, accumulate: i32): void {
  let acc = accumulate ? v128.load(c) : f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(a), v128.load(b)));
    a += aStride;
    b += bStride;
  }
  v128.store(c, acc);
}

/** 1 column: the scalar tail. */
function column1(k: i32, a: usize, aStride: usize, b: usize, bStride: usize, c: usize, accumulate: i32): void {
  let acc: f32 = accumulate ? load<f32>(c) : 0;
  for (let p = 0; p < k; p++) {
    acc += load<f32>(a) * load<f32>(b);
    a += aStride;
    b += bStride;
  }
  store<f32>(c, acc);
}
