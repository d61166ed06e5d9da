/**
 * Builds the browser example into examples/browser/dist/ (gitignored):
 *   main.js           the page script (chart, drawing pad, preprocessing)
 *   train-worker.js   the module worker, bundled with 'simdnn/core' (~170 KB minified, kernels included)
 *   mnist.bin         the built-in digits of `nn.data.mnist()`, exactly, in 7.9 MB instead of the
 *                     21 MB of JSON the `mnist` package holds (see protocol.ts for the layout)
 */
import * as nn from 'simdnn';
import * as esbuild from 'esbuild';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MNIST_BIN_MAGIC } from './protocol.js';

/** This folder. */
export const BROWSER_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The build output. */
export const DIST_DIR = join(BROWSER_DIR, 'dist');

/** The built-in digits as mnist.bin: each pixel an index into the ≤ 256 distinct values. */
export function encodeMnist(): Uint8Array {
  const { train, test } = nn.data.mnist();
  const palette: number[] = [];
  const index = new Map<number, number>();
  const codes = (x: Float32Array): Uint8Array => {
    const out = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) {
      let code = index.get(x[i]);
      if (code === undefined) {
        if (palette.length === 256) throw new Error('mnist.bin: the digits have more than 256 distinct values');
        index.set(x[i], (code = palette.length));
        palette.push(x[i]);
      }
      out[i] = code;
    }
    return out;
  };
  const trainCodes = codes(train.x.data);
  const testCodes = codes(test.x.data);
  const [nTrain, nTest] = [train.labels.length, test.labels.length];
  const bytes = new Uint8Array(16 + 4 * 256 + nTrain * 785 + nTest * 785);
  new Uint32Array(bytes.buffer, 0, 4).set([MNIST_BIN_MAGIC, nTrain, nTest, 256]);
  new Float32Array(bytes.buffer, 16, 256).set(palette);
  let offset = 16 + 4 * 256;
  for (const [pixels, labels] of [[trainCodes, train.labels], [testCodes, test.labels]] as const) {
    bytes.set(pixels, offset);
    bytes.set(labels, offset + pixels.length);
    offset += pixels.length + labels.length;
  }
  return bytes;
}

/** Bundles the page and the worker and writes mnist.bin; returns the file sizes in bytes. */
export async function buildBrowserExample(outDir: string = DIST_DIR): Promise<Record<string, number>> {
  await mkdir(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { main: join(BROWSER_DIR, 'main.ts'), 'train-worker': join(BROWSER_DIR, 'train-worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    logLevel: 'silent',
  });
  await writeFile(join(outDir, 'mnist.bin'), encodeMnist());
  const sizes: Record<string, number> = {};
  for (const file of ['main.js', 'train-worker.js', 'mnist.bin']) sizes[file] = (await stat(join(outDir, file))).size;
  return sizes;
}
