/**
 * The worker without the ONNX route (POST /predict only): built beside worker.ts so the bundle
 * size that `simdnn/onnx` and the ONNX model add can be measured (build.ts, run.ts).
 */
import { serve } from './http.js';
import { predictMlp } from './predict-mlp.js';

export default serve({ '/predict': predictMlp });
