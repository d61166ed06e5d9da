/**
 * The page: starts the training worker, draws its progress (progress bar, chart, epoch table),
 * and turns drawings on the 280×280 pad into 28×28 MNIST digits for the worker to classify.
 * `window.demo` exposes counters the browser test reads (frames drawn while training, the
 * longest gap between frames, ...).
 */
import { drawChart, type ChartData } from './chart.js';
import { inkOf, SIDE, toMnist } from './preprocess.js';
import type { FromWorker, ToWorker, TrainConfig } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const els = {
  form: $<HTMLFormElement>('train-form'),
  epochs: $<HTMLInputElement>('epochs'),
  batchSize: $<HTMLInputElement>('batch-size'),
  learningRate: $<HTMLInputElement>('learning-rate'),
  train: $<HTMLButtonElement>('train'),
  progress: $<HTMLProgressElement>('progress'),
  progressText: $('progress-text'),
  status: $('status'),
  chart: $<HTMLCanvasElement>('chart'),
  table: $<HTMLTableElement>('epochs-table'),
  pad: $<HTMLCanvasElement>('pad'),
  preview: $<HTMLCanvasElement>('preview'),
  prediction: $('prediction'),
  confidence: $('confidence'),
  bars: $('bars'),
  hint: $('draw-hint'),
  clear: $<HTMLButtonElement>('clear'),
  fps: $('fps'),
  frames: $('frames'),
};

type Phase = 'loading' | 'ready' | 'training' | 'trained' | 'error';

/** What the page did, for the test (and the curious, in the console). */
const demo = {
  phase: 'loading' as Phase,
  frames: 0,
  /** Frames drawn while the worker was training, and the longest pause between two of them. */
  trainingFrames: 0,
  longestTrainingGapMs: 0,
  trainingMs: 0,
  batches: 0,
  epochs: [] as { loss: number; accuracy: number; valAccuracy: number }[],
  testAccuracy: NaN,
  predictions: 0,
  lastPrediction: null as null | { digit: number; probabilities: number[] },
};
(globalThis as unknown as { demo: typeof demo }).demo = demo;

const chartData: ChartData = { epochs: 5, loss: [], accuracy: [], valAccuracy: [] };
let chartDirty = true;
let steps = 1;
let trainingStarted = 0;

function setPhase(phase: Phase): void {
  demo.phase = phase;
  document.body.dataset.phase = phase;
  els.train.disabled = phase === 'loading' || phase === 'training' || phase === 'error';
}

function setProgress(done: number, total: number): void {
  els.progress.max = total;
  els.progress.value = done;
  els.progressText.textContent = `${Math.round((100 * done) / total)}%`;
}

// ---- the worker ------------------------------------------------------------------------------

const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);
worker.onerror = (event) => {
  setPhase('error');
  els.status.textContent = `The worker failed: ${event.message}`;
};

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      setPhase('ready');
      els.status.textContent = `${m.trainSize.toLocaleString('en')} training and ${m.testSize.toLocaleString('en')} test digits loaded in ${Math.round(m.loadMs)} ms. Press Train.`;
      break;
    case 'begin':
      steps = m.steps;
      chartData.epochs = m.epochs;
      chartDirty = true;
      els.status.textContent = `Training: ${m.samples.toLocaleString('en')} digits, ${m.steps} batches per epoch…`;
      break;
    case 'batch': {
      demo.batches++;
      chartData.loss.push({ x: m.epoch + (m.batch + 1) / steps, y: m.loss });
      chartDirty = true;
      const done = m.epoch * steps + m.batch + 1;
      setProgress(done, chartData.epochs * steps);
      els.status.textContent = `Epoch ${m.epoch + 1}/${chartData.epochs} · batch ${m.batch + 1}/${steps} · loss ${m.loss.toFixed(3)} · ${((performance.now() - trainingStarted) / 1000).toFixed(1)} s`;
      break;
    }
    case 'epoch': {
      demo.epochs.push({ loss: m.loss, accuracy: m.accuracy, valAccuracy: m.valAccuracy });
      chartData.accuracy.push({ x: m.epoch + 1, y: m.accuracy });
      chartData.valAccuracy.push({ x: m.epoch + 1, y: m.valAccuracy });
      chartDirty = true;
      const row = els.table.tBodies[0].insertRow();
      for (const text of [String(m.epoch + 1), m.loss.toFixed(4), pct(m.accuracy), m.valLoss.toFixed(4), pct(m.valAccuracy), `${m.seconds.toFixed(2)} s`]) {
        row.insertCell().textContent = text;
      }
      break;
    }
    case 'done':
      demo.trainingMs = performance.now() - trainingStarted;
      demo.testAccuracy = m.testAccuracy;
      setPhase('trained');
      setProgress(1, 1);
      els.status.textContent = `Trained in ${m.seconds.toFixed(1)} s: ${pct(m.testAccuracy)} of the 2,004 test digits right. Draw a digit!`;
      els.hint.textContent = 'Draw one digit, large, in the middle. Clear to start again.';
      requestPrediction();
      break;
    case 'prediction':
      if (m.id === predictionId) showPrediction(m.probabilities);
      break;
    case 'error':
      els.status.textContent = `Error: ${m.message}`;
      if (demo.phase === 'loading' || demo.phase === 'training') setPhase('error');
      break;
  }
};

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function readConfig(): TrainConfig {
  const number = (input: HTMLInputElement, fallback: number) => (Number.isFinite(input.valueAsNumber) && input.valueAsNumber > 0 ? input.valueAsNumber : fallback);
  return {
    epochs: Math.min(50, Math.round(number(els.epochs, 5))),
    batchSize: Math.round(number(els.batchSize, 32)),
    learningRate: number(els.learningRate, 0.001),
    seed: 1,
  };
}

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (els.train.disabled) return;
  const config = readConfig();
  chartData.loss = [];
  chartData.accuracy = [];
  chartData.valAccuracy = [];
  chartData.epochs = config.epochs;
  chartDirty = true;
  els.table.tBodies[0].replaceChildren();
  Object.assign(demo, { trainingFrames: 0, longestTrainingGapMs: 0, batches: 0, epochs: [], testAccuracy: NaN });
  setProgress(0, 1);
  trainingStarted = performance.now();
  setPhase('training');
  els.status.textContent = 'Starting…';
  send({ type: 'train', config });
});

// ---- frames: the chart is redrawn here, and the counters show the page never stalls -----------

let lastFrame = performance.now();
let fpsFrames = 0;
let fpsSince = lastFrame;
function frame(now: number): void {
  demo.frames++;
  if (demo.phase === 'training') {
    demo.trainingFrames++;
    demo.longestTrainingGapMs = Math.max(demo.longestTrainingGapMs, now - lastFrame);
  }
  lastFrame = now;
  fpsFrames++;
  if (now - fpsSince >= 500) {
    els.fps.textContent = String(Math.round((1000 * fpsFrames) / (now - fpsSince)));
    els.frames.textContent = String(demo.frames);
    fpsFrames = 0;
    fpsSince = now;
  }
  if (chartDirty) {
    chartDirty = false;
    drawChart(els.chart, chartData);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// ---- the drawing pad ------------------------------------------------------------------------

const pad = els.pad.getContext('2d', { willReadFrequently: true })!;
const preview = els.preview.getContext('2d')!;
const BRUSH = 22; // px on the 280 px pad: strokes end ~2 px wide in 28×28, as in MNIST

function clearPad(): void {
  pad.fillStyle = '#000';
  pad.fillRect(0, 0, els.pad.width, els.pad.height);
  preview.fillStyle = '#000';
  preview.fillRect(0, 0, SIDE, SIDE);
  hasInk = false;
  predictionId++;
  els.prediction.textContent = '–';
  els.confidence.innerHTML = '&nbsp;';
  renderBars(null);
}

let hasInk = false;
let drawing = false;
let last: [number, number] = [0, 0];
const at = (event: PointerEvent): [number, number] => {
  const box = els.pad.getBoundingClientRect();
  return [((event.clientX - box.left) * els.pad.width) / box.width, ((event.clientY - box.top) * els.pad.height) / box.height];
};
function stroke(from: [number, number], to: [number, number]): void {
  pad.strokeStyle = '#fff';
  pad.lineWidth = BRUSH;
  pad.lineCap = 'round';
  pad.lineJoin = 'round';
  pad.beginPath();
  pad.moveTo(from[0], from[1]);
  pad.lineTo(to[0], to[1]);
  pad.stroke();
  hasInk = true;
}

els.pad.addEventListener('pointerdown', (event) => {
  drawing = true;
  els.pad.setPointerCapture(event.pointerId);
  last = at(event);
  stroke(last, last);
});
els.pad.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  const point = at(event);
  stroke(last, point);
  last = point;
  schedulePrediction();
});
const endStroke = (): void => {
  if (!drawing) return;
  drawing = false;
  requestPrediction();
};
els.pad.addEventListener('pointerup', endStroke);
els.pad.addEventListener('pointercancel', endStroke);
els.clear.addEventListener('click', clearPad);

// ---- predictions ------------------------------------------------------------------------------

let predictionId = 0;
let scheduled = 0;
function schedulePrediction(): void {
  if (scheduled) return;
  scheduled = window.setTimeout(() => {
    scheduled = 0;
    requestPrediction();
  }, 80);
}

function requestPrediction(): void {
  if (!hasInk) return;
  const image = pad.getImageData(0, 0, els.pad.width, els.pad.height);
  const digit = toMnist(inkOf(image.data, image.width, image.height), image.width, image.height);
  if (!digit) return;
  const small = preview.createImageData(SIDE, SIDE);
  digit.pixels.forEach((v, i) => {
    small.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i);
  });
  preview.putImageData(small, 0, 0);
  if (demo.phase !== 'trained') {
    els.hint.textContent = demo.phase === 'training' ? 'Training… the prediction comes when it is done.' : 'Train first: the network has not learned anything yet.';
    return;
  }
  predictionId++;
  send({ type: 'predict', id: predictionId, pixels: digit.pixels }, [digit.pixels.buffer]);
}

function showPrediction(probabilities: number[]): void {
  let best = 0;
  probabilities.forEach((p, i) => {
    if (p > probabilities[best]) best = i;
  });
  demo.predictions++;
  demo.lastPrediction = { digit: best, probabilities };
  els.prediction.textContent = String(best);
  els.confidence.textContent = `${pct(probabilities[best])} sure`;
  renderBars(probabilities);
}

function renderBars(probabilities: number[] | null): void {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  els.bars.replaceChildren(...Array.from({ length: 10 }, (_, digit) => {
    const bar = document.createElement('div');
    bar.className = digit === best ? 'bar best' : 'bar';
    const fill = document.createElement('div');
    fill.style.height = `${(probabilities ? probabilities[digit] : 0) * 70}px`;
    bar.append(fill, String(digit));
    return bar;
  }));
}

clearPad();
setPhase('loading');
