// earlyStopping, reduceLROnPlateau and learningRateScheduler: scripted logs against the Keras
// rules worked out by hand, and the same callbacks inside a real fit.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { playEpochs, smallClassifier } from './helpers/callbacks.js';

/** A stand-in model for scripted runs: stopTraining plus weights that are the epoch number. */
function fakeModel() {
  let current = -1;
  return {
    stopTraining: false,
    restored: [] as number[],
    setEpoch(e: number) { current = e; },
    getWeights: () => [nn.tensor([current], [1])],
    setWeights(w: nn.Tensor[]) { this.restored.push(w[0].data[0]); },
  };
}

describe('earlyStopping on scripted logs', () => {
  it('stops once patience epochs pass without improvement (Keras counting)', () => {
    const stopper = nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 });
    const model = fakeModel();
    // best 0.8 at epoch 1; epochs 2 and 3 do not improve -> wait reaches 2 at epoch 3.
    const ran = playEpochs(stopper, model, 'val_loss', [1.0, 0.8, 0.85, 0.9, 0.5, 0.4]);
    expect(ran).toBe(4);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(stopper.bestEpoch).toBe(1);
    expect(stopper.best).toBe(0.8);
    // patience 0 stops at the first epoch without improvement.
    const eager = nn.callbacks.earlyStopping({ monitor: 'loss' });
    expect(playEpochs(eager, fakeModel(), 'loss', [3, 2, 2.5, 1])).toBe(3);
    expect(eager.stoppedEpoch).toBe(2);
  });

  it('runs to the end while the value keeps improving', () => {
    const stopper = nn.callbacks.earlyStopping({ patience: 1 });
    expect(playEpochs(stopper, fakeModel(), 'val_loss', [5, 4, 3, 2, 1])).toBe(5);
    expect(stopper.stoppedEpoch).toBe(0);
  });

  it('minDelta: smaller gains do not count as improvement', () => {
    const seq = [1.0, 0.95, 0.92, 0.85];
    const strict = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2, minDelta: 0.1 });
    expect(playEpochs(strict, fakeModel(), 'loss', seq)).toBe(3);
    expect(strict.stoppedEpoch).toBe(2);
    // Negative minDelta is taken by absolute value, as Keras.
    const negative = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2, minDelta: -0.1 });
    expect(playEpochs(negative, fakeModel(), 'loss', seq)).toBe(3);
    const plain = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2 });
    expect(playEpochs(plain, fakeModel(), 'loss', seq)).toBe(4);
  });

  it("mode 'auto' watches accuracy-like names for a rise; 'min'/'max' override", () => {
    const acc = nn.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 1 });
    expect(acc.mode).toBe('max');
    expect(playEpochs(acc, fakeModel(), 'val_accuracy', [0.5, 0.6, 0.6, 0.59, 0.9])).toBe(3);
    expect(acc.bestEpoch).toBe(1);
    expect(nn.callbacks.earlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
    const forcedMin = nn.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 0, mode: 'min' });
    expect(playEpochs(forcedMin, fakeModel(), 'val_accuracy', [0.5, 0.6, 0.7])).toBe(2);
  });

  it('baseline: epochs that do not beat it count toward patience', () => {
    const seq = [0.9, 0.8, 0.85, 0.84, 0.83];
    const withBaseline = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2, baseline: 0.5 });
    // wait is never reset (nothing beats 0.5): epoch 2 does not improve with wait 3 -> stop.
    expect(playEpochs(withBaseline, fakeModel(), 'loss', seq)).toBe(3);
    const without = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 2 });
    expect(playEpochs(without, fakeModel(), 'loss', seq)).toBe(4);
  });

  it('restoreBestWeights puts back the weights of the best epoch at train end', () => {
    const stopper = nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const model = fakeModel();
    stopper.setModel(model as never);
    stopper.onTrainBegin();
    const seq = [1.0, 0.7, 0.9, 0.95, 0.1];
    for (let e = 0; e < seq.length && !model.stopTraining; e++) {
      model.setEpoch(e);
      stopper.onEpochEnd(e, { val_loss: seq[e] });
    }
    stopper.onTrainEnd();
    expect(stopper.stoppedEpoch).toBe(3);
    expect(model.restored).toEqual([1]);
  });

  it('startFromEpoch ignores the warm-up epochs', () => {
    const stopper = nn.callbacks.earlyStopping({ monitor: 'loss', patience: 0, startFromEpoch: 2 });
    expect(playEpochs(stopper, fakeModel(), 'loss', [1, 2, 3, 2, 2.5])).toBe(5);
    expect(stopper.stoppedEpoch).toBe(4);
  });
});

describe('earlyStopping in fit', () => {
  it('stops fit at the stopped epoch and restores the best epoch weights on a real model', async () => {
    const { model, x, y } = await smallClassifier(2);
    const script = [1.0, 0.6, 0.8, 0.9, 0.95, 0.2];
    const snapshots: nn.Tensor[][] = [];
    // Runs before earlyStopping on the same logs object: scripts the monitored value and keeps each epoch's weights.
    const scripter: nn.Callback = {
      onEpochEnd(epoch, logs) {
        logs!.scripted = script[epoch];
        snapshots.push(model.getWeights());
      },
    };
    const stopper = nn.callbacks.earlyStopping({ monitor: 'scripted', patience: 2, restoreBestWeights: true });
    const history = await model.fit(x, y, { epochs: script.length, batchSize: 8, verbose: 0, seed: 1, callbacks: [scripter, stopper] });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(stopper.bestEpoch).toBe(1);
    const restored = model.getWeights();
    restored.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(snapshots[1][i].data)));
    // Training moved the weights after epoch 1, so the restore really changed something.
    expect(Array.from(snapshots[3][0].data)).not.toEqual(Array.from(snapshots[1][0].data));
    model.dispose();
  });

  it("fails at the first epoch end naming a monitor that no log has, and the keys there are", async () => {
    const { model, x, y } = await smallClassifier(3);
    const run = model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, callbacks: [nn.callbacks.earlyStopping()] });
    await expect(run).rejects.toThrow(/earlyStopping: monitor 'val_loss' is in no log; the epoch logs have 'loss', 'accuracy' \(validation metrics need validationData/);
    const typo = nn.callbacks.earlyStopping({ monitor: 'val_acuracy' });
    const seen: number[] = [];
    const counter: nn.Callback = { onEpochEnd: (e) => { seen.push(e); } };
    await expect(model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, validationSplit: 0.25, callbacks: [counter, typo] }))
      .rejects.toThrow(/monitor 'val_acuracy' is in no log; the epoch logs have 'loss', 'accuracy', 'val_loss', 'val_accuracy'/);
    expect(seen).toEqual([0]);
    model.dispose();
  });
});

describe('reduceLROnPlateau', () => {
  it('follows the Keras rule: patience, factor, cooldown and the floor minLr', () => {
    const model = { stopTraining: false, optimizer: { learningRate: 0.1 } };
    const cb = nn.callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.02, minDelta: 0 });
    cb.setModel(model as never);
    cb.onTrainBegin();
    const lrs: number[] = [];
    for (let e = 0; e < 10; e++) {
      cb.onEpochEnd(e, { val_loss: 1 });
      lrs.push(model.optimizer.learningRate);
    }
    // e0 sets best; e1 wait 1; e2 wait 2 -> 0.05, cooldown 1; e3 cooldown ends, wait 1; e4 -> 0.025;
    // e5 wait 1; e6 -> max(0.0125, 0.02) = 0.02; after that the rate is at the floor and stays.
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02]);
  });

  it('an improvement larger than minDelta resets the count; a smaller one does not', () => {
    const model = { stopTraining: false, optimizer: { learningRate: 1 } };
    const cb = nn.callbacks.reduceLROnPlateau({ monitor: 'loss', factor: 0.1, patience: 2, minDelta: 0.05 });
    cb.setModel(model as never);
    cb.onTrainBegin();
    const lrs: number[] = [];
    for (const [e, v] of [1.0, 0.9, 0.88, 0.8, 0.79, 0.78].entries()) {
      cb.onEpochEnd(e, { loss: v });
      lrs.push(model.optimizer.learningRate);
    }
    // 0.9 improves (>0.05); 0.88 no (wait 1); 0.8 improves; 0.79 wait 1; 0.78 wait 2 -> 0.1.
    expect(lrs.map((v) => +v.toPrecision(12))).toEqual([1, 1, 1, 1, 1, 0.1]);
  });

  it("with mode 'max' on accuracy and inside a real fit it sets the compiled optimizer's rate", async () => {
    const { model, x, y, xVal, yVal } = await smallClassifier(4);
    const cb = nn.callbacks.reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 0, minDelta: 1e9 });
    const seen: number[] = [];
    const spy: nn.Callback = { onEpochBegin: () => { seen.push(model.optimizer.learningRate); } };
    await model.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, validationData: [xVal, yVal], callbacks: [spy, cb] });
    // minDelta 1e9: only the first epoch counts as an improvement; each later epoch halves the rate.
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(model.optimizer.learningRate).toBe(0.0125);
    expect(nn.callbacks.reduceLROnPlateau({ monitor: 'val_accuracy' }).mode).toBe('max');
    model.dispose();
  });
});

describe('learningRateScheduler', () => {
  it('sets schedule(epoch, lr) before each epoch of fit', async () => {
    const { model, x, y } = await smallClassifier(5);
    const calls: [number, number][] = [];
    const seen: number[] = [];
    const cb = nn.callbacks.learningRateScheduler((epoch, lr) => {
      calls.push([epoch, lr]);
      return epoch < 2 ? lr : lr * 0.5;
    });
    const spy: nn.Callback = { onEpochEnd: () => { seen.push(model.optimizer.learningRate); } };
    await model.fit(x, y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [cb, spy] });
    expect(calls).toEqual([[0, 0.1], [1, 0.1], [2, 0.1], [3, 0.05]]);
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.025]);
    model.dispose();
  });

  it('rejects a schedule that returns a negative or NaN rate, naming the epoch', async () => {
    const { model, x, y } = await smallClassifier(6);
    const bad = nn.callbacks.learningRateScheduler((epoch) => (epoch === 1 ? NaN : 0.1));
    await expect(model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, callbacks: [bad] }))
      .rejects.toThrow('learningRateScheduler: the schedule must return a positive finite learning rate, got NaN at epoch 1');
    const negative = nn.callbacks.learningRateScheduler(() => -1);
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [negative] })).rejects.toThrow(/got -1 at epoch 0/);
    model.dispose();
  });
});

describe('callback arguments', () => {
  it('negative, NaN and unknown arguments fail with the argument, the expected and the actual value', () => {
    expect(() => nn.callbacks.earlyStopping({ patience: -1 })).toThrow('earlyStopping: patience must be an integer ≥ 0, got -1');
    expect(() => nn.callbacks.earlyStopping({ patience: 1.5 })).toThrow('earlyStopping: patience must be an integer ≥ 0, got 1.5');
    expect(() => nn.callbacks.earlyStopping({ minDelta: NaN })).toThrow('earlyStopping: minDelta must be a finite number, got NaN');
    expect(() => nn.callbacks.earlyStopping({ baseline: NaN })).toThrow('earlyStopping: baseline must be a finite number, got NaN');
    expect(() => nn.callbacks.earlyStopping({ mode: 'up' as never })).toThrow("earlyStopping: mode must be 'auto', 'min' or 'max', got 'up'");
    expect(() => nn.callbacks.earlyStopping({ monitor: '' })).toThrow(/earlyStopping: monitor must be a non-empty string/);
    expect(() => nn.callbacks.reduceLROnPlateau({ factor: 1.5 })).toThrow('reduceLROnPlateau: factor must be in (0, 1) so the rate falls, got 1.5');
    expect(() => nn.callbacks.reduceLROnPlateau({ factor: NaN })).toThrow('reduceLROnPlateau: factor must be a finite number > 0, got NaN');
    expect(() => nn.callbacks.reduceLROnPlateau({ minLr: -0.1 })).toThrow('reduceLROnPlateau: minLr must be a finite number ≥ 0, got -0.1');
    expect(() => nn.callbacks.reduceLROnPlateau({ cooldown: -2 })).toThrow('reduceLROnPlateau: cooldown must be an integer ≥ 0, got -2');
    expect(() => nn.callbacks.learningRateScheduler(0.1 as never)).toThrow('learningRateScheduler: schedule must be a function (epoch, lr) => lr, got 0.1');
  });

  it('reduceLROnPlateau names a missing monitor too', () => {
    const cb = nn.callbacks.reduceLROnPlateau();
    cb.setModel({ optimizer: { learningRate: 0.1 } } as never);
    expect(() => cb.onEpochEnd(0, { loss: 1 })).toThrow("reduceLROnPlateau: monitor 'val_loss' is in no log; the epoch logs have 'loss'");
  });
});
