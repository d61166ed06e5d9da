/**
 * The edge inference worker (Cloudflare Workers module syntax, run locally by workerd): two
 * models behind one set of kernels.
 *
 *   POST /predict        the MNIST MLP trained and saved by simdnn in Node   (predict-mlp.ts)
 *   POST /predict-onnx   the PyTorch CNN on digits 0-4, imported from ONNX   (predict-onnx.ts)
 *
 * Anything else gets a JSON `{ error }` and a 4xx: 404 (other path), 405 (other method), 400 (a
 * body the route refuses, with the reason). An unexpected failure is a 500 with a message; the
 * worker never throws out of `fetch`. Each model is loaded once, on its route's first request,
 * and reused by every request the isolate serves.
 */
import { serve } from './http.js';
import { predictMlp } from './predict-mlp.js';
import { predictOnnx } from './predict-onnx.js';

export default serve({ '/predict': predictMlp, '/predict-onnx': predictOnnx });
