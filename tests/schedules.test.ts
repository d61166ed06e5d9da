// Learning-rate schedules against the Keras formulas written out here, and their argument errors.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';

const { exponentialDecay, piecewiseConstant, cosineDecay } = nn.schedules;

describe('schedules', () => {
  it('exponentialDecay: lr0 · rate^(step / decaySteps), floored with staircase', () => {
    const smooth = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 });
    const stairs = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96, staircase: true });
    for (const step of [0, 1, 999, 1000, 1500, 2000, 12345]) {
      expect(smooth(step)).toBeCloseTo(0.1 * 0.96 ** (step / 1000), 14);
      expect(stairs(step)).toBeCloseTo(0.1 * 0.96 ** Math.floor(step / 1000), 14);
    }
    expect(stairs(1999)).toBeCloseTo(0.096, 14);
    expect(smooth(1999)).toBeLessThan(0.096);
  });

  it('piecewiseConstant: values[i] while boundaries[i-1] < step ≤ boundaries[i]', () => {
    const lr = piecewiseConstant({ boundaries: [100, 200], values: [1, 0.5, 0.1] });
    expect([0, 99, 100, 100.5, 101, 200, 201, 1e6].map(lr)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.1, 0.1]);
  });

  it('cosineDecay: lr0 · ((1 − α) · ½(1 + cos(π · min(step, T) / T)) + α), with an optional linear warm-up', () => {
    const T = 500, a = 0.1;
    const lr = cosineDecay({ initialLearningRate: 0.2, decaySteps: T, alpha: a });
    const ref = (step: number, from = 0.2) => from * ((1 - a) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, T)) / T)) + a);
    for (const step of [0, 1, 125, 250, 499, 500, 800]) expect(lr(step)).toBeCloseTo(ref(step), 14);
    expect(lr(250)).toBeCloseTo(0.2 * (0.9 * 0.5 + 0.1), 14);
    expect(lr(1000)).toBeCloseTo(0.02, 14);
    // Warm-up: linear from initialLearningRate to warmupTarget over warmupSteps, then the decay starts from warmupTarget.
    const warm = cosineDecay({ initialLearningRate: 0, decaySteps: T, alpha: a, warmupTarget: 0.2, warmupSteps: 100 });
    expect(warm(0)).toBe(0);
    expect(warm(25)).toBeCloseTo(0.05, 14);
    expect(warm(100)).toBeCloseTo(0.2, 14);
    for (const step of [100, 150, 350, 600, 5000]) expect(warm(step)).toBeCloseTo(ref(step - 100), 14);
  });

  it('can drive an optimizer per step from a callback, and a scheduled run differs from a constant one', async () => {
    await nn.ready();
    const lr = exponentialDecay({ initialLearningRate: 0.5, decaySteps: 2, decayRate: 0.5 });
    const seen: number[] = [];
    const run = async (schedule: boolean) => {
      nn.setSeed(3);
      const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [2], units: 1 })] });
      const optimizer = nn.optimizers.sgd({ learningRate: 0.5 });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      const stepper: nn.Callback = {
        onBatchBegin: () => {
          if (!schedule) return;
          optimizer.learningRate = lr(optimizer.iterations);
          seen.push(optimizer.learningRate);
        },
      };
      await model.fit(nn.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), nn.tensor([[1], [2], [3], [0]]), { epochs: 2, batchSize: 2, shuffle: false, verbose: 0, callbacks: [stepper] });
      const w = model.getWeights()[0].toArray();
      model.dispose();
      return w;
    };
    const constant = await run(false);
    const scheduled = await run(true);
    expect(seen).toEqual([0.5, 0.5 * 0.5 ** 0.5, 0.25, 0.5 * 0.5 ** 1.5]);
    expect(scheduled).not.toEqual(constant);
  });
});

describe('schedules as an optimizer learningRate', () => {
  it('the optimizer follows the schedule step by step; callbacks that set the rate refuse it clearly', async () => {
    await nn.ready();
    nn.setSeed(4);
    const schedule = piecewiseConstant({ boundaries: [1], values: [0.2, 0.05] });
    const optimizer = nn.optimizers.sgd({ learningRate: schedule });
    const model = nn.sequential({ layers: [nn.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const seen: number[] = [];
    const spy: nn.Callback = { onBatchBegin: () => { seen.push(optimizer.learningRate); } };
    const x = nn.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), y = nn.tensor([[1], [2], [3], [0]]);
    await model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0, callbacks: [spy] });
    expect(seen).toEqual([0.2, 0.2, 0.05, 0.05]);
    const plateau = nn.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 0, minDelta: 1e9 });
    await expect(model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, callbacks: [plateau] })).rejects.toThrow(/learning rate follows a schedule and cannot be set/);
    model.dispose();
  });
});

describe('schedule arguments', () => {
  it('negative, NaN and inconsistent arguments fail naming the argument and the value', () => {
    expect(() => exponentialDecay({ initialLearningRate: -0.1, decaySteps: 10, decayRate: 0.9 })).toThrow('exponentialDecay: initialLearningRate must be a finite number > 0, got -0.1');
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: NaN, decayRate: 0.9 })).toThrow('exponentialDecay: decaySteps must be a finite number > 0, got NaN');
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0 })).toThrow('exponentialDecay: decayRate must be a finite number > 0, got 0');
    expect(() => piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5] })).toThrow('piecewiseConstant: values must have one more entry than boundaries (3), got 2');
    expect(() => piecewiseConstant({ boundaries: [20, 10], values: [1, 0.5, 0.1] })).toThrow('piecewiseConstant: boundaries must increase, got 20 then 10 at index 1');
    expect(() => piecewiseConstant({ boundaries: [10], values: [1, NaN] })).toThrow('piecewiseConstant: values[1] must be a finite number > 0, got NaN');
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 1.5 })).toThrow('cosineDecay: alpha must be in [0, 1], got 1.5');
    expect(() => cosineDecay({ initialLearningRate: 0, decaySteps: 10 })).toThrow('cosineDecay: initialLearningRate must be a finite number > 0, got 0');
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: 0.2, warmupSteps: -5 })).toThrow('cosineDecay: warmupSteps must be an integer ≥ 0, got -5');
    const lr = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 });
    expect(() => lr(-1)).toThrow('exponentialDecay: step must be a number ≥ 0, got -1');
    expect(() => lr(NaN)).toThrow('exponentialDecay: step must be a number ≥ 0, got NaN');
  });
});
