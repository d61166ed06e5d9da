// Central finite-difference checks of a layer's backward against its own forward, and of a
// compiled model's parameter gradients against its reported loss, in float64 sums.
import { expect } from 'vitest';
import type { Layer } from '../../src/layers/layer.js';
import type { LayersModel } from '../../src/models/model.js';
import { getBackend } from '../../src/core/wasm.js';
import { shapeSize } from '../../src/core/tensor.js';
import { StagedWeights } from '../../src/models/sample-weights.js';
import { standaloneCall } from '../../src/layers/standalone.js';
import { Totals, batchLoss, checkData, copyRows } from '../../src/models/evaluation.js';
import type { ModelData, ModelLabels } from '../../src/models/data.js';

/** Relative error with a floor, so near-zero gradients compare absolutely. */
function relErr(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Indices to probe: all of them when few, else a spread sample. */
function probes(size: number, max = 24): number[] {
  if (size <= max) return [...Array(size).keys()];
  const step = size / max;
  return [...Array(max).keys()].map((i) => Math.floor(i * step + step / 2));
}

export interface LayerCheck {
  layer: Layer;
  inputShapes: number[][];
  batch: number;
  rng: () => number;
  /** Input generator; defaults to uniform [-1, 1). */
  input?: (i: number) => number;
  h?: number;
  tolerance?: number;
}

/** The outputs at which each kinked activation's derivative jumps (relu at 0, relu6 at 0 and 6, ...). */
const KINKS: Record<string, number[]> = {
  relu: [0], leakyRelu: [0], leakyReluKeras3: [0], elu: [0], selu: [0], relu6: [0, 6],
  hardSigmoid: [0, 1], hardSigmoidKeras3: [0, 1], hardSwish: [0, 3],
};

/** Which side of each kink `y` is on, as one number (3 states per kink). */
function region(y: number, kinks: readonly number[]): number {
  return kinks.reduce((code, k, i) => code + (Math.sign(y - k) + 1) * 3 ** i, 0);
}

/**
 * Builds the layer, takes L = Σ r ⊙ forward(x) for random r, and compares backward's
 * gradients for every input and parameter with (L(θ+h) − L(θ−h)) / 2h.
 * With a kinked activation, a probe whose ±h evaluations leave some output on
 * different sides of a kink is skipped: a central difference across a kink measures neither
 * side's derivative. At least half the probes must remain.
 */
export function checkLayerGradients(c: LayerCheck): { worst: number } {
  const { kernels, arena } = getBackend();
  const h = c.h ?? 1e-2;
  const tol = c.tolerance ?? 2e-2;
  c.layer.build(c.inputShapes);
  const inSizes = c.inputShapes.map((s) => c.batch * shapeSize(s));
  const outSize = c.batch * c.layer.outputSize;
  const inputs = inSizes.map((n) => {
    const ptr = arena.allocF32(n);
    for (let i = 0; i < n; i++) arena.f32[(ptr >>> 2) + i] = c.input ? c.input(i) : c.rng() * 2 - 1;
    return ptr;
  });
  const gradInputs = inSizes.map((n) => arena.allocF32(n));
  // Every output of the layer (a recurrent layer with returnState has its states too); L sums over all.
  const outSizes = c.layer.outputShapes.map((s) => c.batch * shapeSize(s));
  const outputs = outSizes.map((n) => arena.allocF32(n));
  const gradOutputs = outSizes.map((n) => arena.allocF32(n));
  const [output, gradOutput] = [outputs[0], gradOutputs[0]];
  const call = standaloneCall(c.layer, c.batch, { inputs, output, gradOutput, gradInputs, outputs, gradOutputs });
  const rs = outSizes.map((n) => Float64Array.from({ length: n }, () => c.rng() * 2 - 1));
  const r = rs[0];
  const kinks = KINKS[c.layer.activationName] ?? [];
  const kinked = kinks.length > 0;
  const signs = [new Int8Array(outSize), new Int8Array(outSize)];
  const objective = (record?: Int8Array): number => {
    c.layer.forward(c.batch, call, true);
    let s = 0;
    for (let i = 0; i < outSize; i++) {
      const y = arena.f32[(output >>> 2) + i];
      s += r[i] * y;
      if (record) record[i] = region(y, kinks);
    }
    for (let k = 1; k < outputs.length; k++) for (let i = 0; i < outSizes[k]; i++) s += rs[k][i] * arena.f32[(outputs[k] >>> 2) + i];
    return s;
  };
  const crossesKink = (): boolean => signs[0].some((v, i) => v !== signs[1][i]);
  objective();
  rs.forEach((rk, k) => arena.f32.set(rk, gradOutputs[k] >>> 2));
  c.layer.backward(c.batch, call);
  const targets: { name: string; ptr: number; grad: Float32Array; size: number }[] = [];
  inputs.forEach((ptr, i) => targets.push({ name: `input ${i}`, ptr, grad: arena.f32.slice(gradInputs[i] >>> 2, (gradInputs[i] >>> 2) + inSizes[i]), size: inSizes[i] }));
  for (const p of c.layer.params) targets.push({ name: p.name, ptr: p.ptr, grad: arena.f32.slice(p.grad >>> 2, (p.grad >>> 2) + p.size), size: p.size });
  let worst = 0, probed = 0, skipped = 0;
  for (const t of targets) {
    for (const i of probes(t.size)) {
      const at = (t.ptr >>> 2) + i;
      const saved = arena.f32[at];
      arena.f32[at] = saved + h;
      const plus = objective(kinked ? signs[0] : undefined);
      arena.f32[at] = saved - h;
      const minus = objective(kinked ? signs[1] : undefined);
      arena.f32[at] = saved;
      probed++;
      if (kinked && crossesKink()) { skipped++; continue; }
      const numeric = (plus - minus) / (2 * h);
      const err = relErr(t.grad[i], numeric, 1e-1);
      worst = Math.max(worst, err);
      expect(err, `${c.layer.describe()} ${t.name}[${i}]: analytic ${t.grad[i]} vs numeric ${numeric}`).toBeLessThan(tol);
    }
  }
  expect(skipped, `${c.layer.describe()}: ${skipped} of ${probed} probes crossed a kink`).toBeLessThanOrEqual(probed / 2);
  call.release();
  for (const p of [...inputs, ...gradInputs, ...outputs, ...gradOutputs]) arena.release(p);
  void kernels;
  return { worst };
}

/**
 * Analytic parameter gradients of a compiled model's mean loss on (x, y), from one training pass;
 * with `sampleWeight`, of the loss weighted per sample as fit weights it.
 */
export function modelGradients(model: LayersModel, x: ModelData, y: ModelLabels, sampleWeight?: Float32Array): Float32Array[] {
  const { kernels: k, arena } = getBackend();
  const compiled = model.requireCompiled('test');
  const data = checkData(model, compiled, x, y, 'test');
  const n = data.count;
  const plan = model.planFor(n, true);
  data.xs.forEach((t, i) => copyRows(t, 0, n, plan.outputs[model.inputNodes[i]]));
  data.ys.forEach((t, h) => copyRows(t, 0, n, plan.labels[h]));
  plan.forward(n, true);
  const staged = sampleWeight ? new StagedWeights(sampleWeight, n, compiled.heads, false) : null;
  batchLoss(k, compiled.heads, plan, n, true, new Totals(compiled.heads), staged, staged ? staged.all : 0);
  staged?.release();
  plan.backward(n);
  return model.params().map((p) => arena.f32.slice(p.grad >>> 2, (p.grad >>> 2) + p.size));
}

/**
 * Compares modelGradients with central differences of model.evaluate's loss, for the weights
 * training updates (frozen layers and statistics have no gradient to check).
 */
export function checkModelGradients(model: LayersModel, x: ModelData, y: ModelLabels, h = 1e-2, tol = 2e-2, sampleWeight?: Float32Array): void {
  const { arena } = getBackend();
  const grads = modelGradients(model, x, y, sampleWeight);
  const params = model.params();
  const count = checkData(model, model.requireCompiled('test'), x, y, 'test').count;
  const loss = (): number => model.evaluate(x, y, { batchSize: count, sampleWeight }).loss;
  params.forEach((p, pi) => {
    if (!p.trainable) return;
    for (const i of probes(p.size, 12)) {
      const at = (p.ptr >>> 2) + i;
      const saved = arena.f32[at];
      const central = (step: number): number => {
        arena.f32[at] = saved + step;
        const plus = loss();
        arena.f32[at] = saved - step;
        const minus = loss();
        arena.f32[at] = saved;
        return (plus - minus) / (2 * step);
      };
      // Two estimates: the central difference, and its Richardson extrapolation with h/2, whose h²
      // term cancels so a curved loss (tanh, normalisation, softmax in a chain) is not mistaken for
      // a wrong gradient. Near a kink (abs, relu) the extrapolation is the worse one, so the
      // gradient must match either.
      const plain = central(h);
      const extrapolated = (4 * central(h / 2) - plain) / 3;
      const error = Math.min(relErr(grads[pi][i], plain, 1e-2), relErr(grads[pi][i], extrapolated, 1e-2));
      expect(error, `${p.name} #${pi}[${i}]: analytic ${grads[pi][i]} vs numeric ${plain} (extrapolated ${extrapolated})`).toBeLessThan(tol);
    }
  });
}
