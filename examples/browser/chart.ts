/**
 * The live training chart on a <canvas>: batch loss (raw and smoothed, left axis) and train/test
 * accuracy per epoch (right axis) against epochs.
 */

export interface ChartData {
  /** Epochs planned (the x range). */
  epochs: number;
  /** One point per batch: x in epochs (epoch + fraction done), y the batch loss. */
  loss: { x: number; y: number }[];
  /** One point per epoch: x = epoch + 1. */
  accuracy: { x: number; y: number }[];
  valAccuracy: { x: number; y: number }[];
}

const COLORS = { loss: '#94a3b8', smooth: '#2563eb', accuracy: '#16a34a', val: '#ea580c', grid: '#e5e7eb', text: '#475569' };

/** Draws `data` filling `canvas` (at the device pixel ratio). */
export function drawChart(canvas: HTMLCanvasElement, data: ChartData): void {
  const ratio = globalThis.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 560;
  const cssHeight = canvas.clientHeight || 260;
  if (canvas.width !== Math.round(cssWidth * ratio) || canvas.height !== Math.round(cssHeight * ratio)) {
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, cssWidth, cssHeight);
  g.font = '12px system-ui, sans-serif';

  const pad = { left: 48, right: 48, top: 28, bottom: 30 };
  const w = cssWidth - pad.left - pad.right;
  const h = cssHeight - pad.top - pad.bottom;
  const xMax = Math.max(1, data.epochs);
  const lossMax = 4 * niceStep(Math.max(0.5, ...data.loss.map((p) => p.y)) / 4);
  const px = (x: number) => pad.left + (x / xMax) * w;
  const pyLoss = (y: number) => pad.top + h - (Math.min(y, lossMax) / lossMax) * h;
  const pyAcc = (y: number) => pad.top + h - y * h;

  // Grid and axes.
  g.strokeStyle = COLORS.grid;
  g.fillStyle = COLORS.text;
  g.lineWidth = 1;
  g.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const y = pad.top + (h * i) / 4;
    g.beginPath();
    g.moveTo(pad.left, y);
    g.lineTo(pad.left + w, y);
    g.stroke();
    g.textAlign = 'right';
    g.fillText(((lossMax * (4 - i)) / 4).toFixed(2), pad.left - 6, y);
    g.textAlign = 'left';
    g.fillText(`${(100 - 25 * i).toFixed(0)}%`, pad.left + w + 6, y);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const xStep = Math.max(1, Math.ceil(xMax / 10));
  for (let e = 0; e <= xMax; e += xStep) g.fillText(String(e), px(e), pad.top + h + 6);
  g.fillText('epoch', pad.left + w / 2, pad.top + h + 18 > cssHeight - 12 ? cssHeight - 12 : pad.top + h + 18);

  // Loss: raw batches, then an exponential moving average.
  line(g, data.loss.map((p) => [px(p.x), pyLoss(p.y)]), COLORS.loss, 1);
  let ema = data.loss[0]?.y ?? 0;
  line(g, data.loss.map((p) => [px(p.x), pyLoss((ema = 0.9 * ema + 0.1 * p.y))]), COLORS.smooth, 2);
  // Accuracy per epoch: lines between epochs, a dot at each (one epoch shows as dots).
  for (const [series, color] of [[data.accuracy, COLORS.accuracy], [data.valAccuracy, COLORS.val]] as const) {
    line(g, series.map((p) => [px(p.x), pyAcc(p.y)]), color, 2);
    g.fillStyle = color;
    for (const p of series) {
      g.beginPath();
      g.arc(px(p.x), pyAcc(p.y), 3.5, 0, 2 * Math.PI);
      g.fill();
    }
  }

  // Legend.
  const items: [string, string][] = [['batch loss', COLORS.loss], ['loss (smoothed)', COLORS.smooth], ['train accuracy', COLORS.accuracy], ['test accuracy', COLORS.val]];
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  let x = pad.left;
  for (const [label, color] of items) {
    g.fillStyle = color;
    g.fillRect(x, 9, 14, 4);
    g.fillStyle = COLORS.text;
    g.fillText(label, x + 18, 11);
    x += 26 + g.measureText(label).width;
  }
}

function line(g: CanvasRenderingContext2D, points: [number, number][], color: string, width: number): void {
  if (points.length < 2) return;
  g.strokeStyle = color;
  g.lineWidth = width;
  g.lineJoin = 'round';
  g.beginPath();
  g.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) g.lineTo(x, y);
  g.stroke();
}

/** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (× a power of ten) that is ≥ v: round tick labels. */
function niceStep(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= v * (1 - 1e-9))! * power;
}
