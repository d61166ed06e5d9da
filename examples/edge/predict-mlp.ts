/**
 * POST /predict: the MNIST MLP saved in Node with `model.save` (model.json + weights.bin, embedded
 * in the bundle by build.ts), loaded once on the first request with `nn.io.fromModelJSON`.
 *
 *   body: a JSON array of 784 finite numbers (a 28×28 digit, row-major, in [0, 1])
 *   →  200 { probabilities: number[10], class: number }
 */
import * as nn from 'simdnn/core';
import modelJSON from './model/model.json';
import weights from './model/weights.bin';
import { HttpError, describe, finiteNumber, json, parseJsonBody, readBody } from './http.js';
import { kernelsReady } from './kernels.js';

/** Largest request body accepted, in bytes. */
const MAX_BODY_BYTES = 64 * 1024;
/** Pixels of one digit. */
const PIXELS = 784;
const EXPECTED = `a JSON array of ${PIXELS} numbers`;

let loading: Promise<nn.LayersModel> | null = null;

function getModel(): Promise<nn.LayersModel> {
  loading ??= (async () => {
    await kernelsReady();
    return nn.loadModel(nn.io.fromModelJSON(modelJSON, { 'weights.bin': weights }));
  })();
  // A failed load is retried by the next request instead of being cached forever.
  loading.catch(() => (loading = null));
  return loading;
}

/** The 784 pixels of the body, or an HttpError(400) saying what is wrong with it. */
function parsePixels(text: string): Float32Array {
  const value = parseJsonBody(text, EXPECTED);
  if (!Array.isArray(value)) throw new HttpError(400, `expected ${EXPECTED}, got ${describe(value)}`);
  if (value.length !== PIXELS) throw new HttpError(400, `expected ${EXPECTED}, got ${value.length}`);
  const pixels = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) pixels[i] = finiteNumber(value[i], `element ${i}`);
  return pixels;
}

export async function predictMlp(request: Request): Promise<Response> {
  const pixels = parsePixels(await readBody(request, MAX_BODY_BYTES));
  const model = await getModel();
  const probabilities = Array.from((model.predict(nn.tensor(pixels, [1, PIXELS])) as nn.Tensor).data);
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  return json(200, { probabilities, class: best });
}
