// Model files from strangers: a weights manifest cannot reach outside the model's folder or learn
// anything about what is there, a FIFO or a device never hangs or floods a load, and weights that
// would predict NaN are refused naming the weight.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import '../src/node/file-io.js';
import { artifactsOf, bytesInUse, cnn, mlp, randomizeWeights } from './helpers/io-models.js';

let root = '';
beforeAll(async () => {
  await nn.ready();
  root = await mkdtemp(join(tmpdir(), 'simdnn-strangers-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Saves an MLP to `<root>/<name>` and returns the folder and its model.json, parsed. */
async function savedFolder(name: string): Promise<{ folder: string; json: nn.io.ModelJSON }> {
  const folder = join(root, name);
  const model = mlp();
  await model.save(`file://${folder}`);
  model.dispose();
  return { folder, json: JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) };
}

/** Writes model.json with the weights manifest naming `paths`, and loads it: the error message. */
async function loadWithPaths(folder: string, json: nn.io.ModelJSON, paths: string[]): Promise<string> {
  await writeFile(join(folder, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }));
  const before = bytesInUse();
  const error = await nn.loadModel(`file://${folder}`).then(() => null, (e: Error) => e);
  expect(bytesInUse()).toBe(before);
  expect(error, `paths ${JSON.stringify(paths)} loaded`).toBeInstanceOf(Error);
  return error!.message;
}

describe('file:// reads only regular files inside the model folder', () => {
  it('a path climbing out with .., an absolute path, or /etc/passwd is refused before anything is read', async () => {
    const { folder, json } = await savedFolder('traversal');
    // A file outside with exactly the bytes the manifest needs: reading it would succeed.
    await mkdir(join(root, 'secret'));
    await copyFile(join(folder, 'weights.bin'), join(root, 'secret', 'outside.bin'));
    expect(await loadWithPaths(folder, json, ['../secret/outside.bin'])).toMatch(/weights file '\.\.\/secret\/outside\.bin' \(weightsManifest\[0\]\) could not be read: refused: the path climbs out of the model's folder/);
    expect(await loadWithPaths(folder, json, ['sub/../../secret/outside.bin'])).toMatch(/refused: the path climbs out/);
    expect(await loadWithPaths(folder, json, [join(root, 'secret', 'outside.bin')])).toMatch(/refused: an absolute path/);
    const passwd = await loadWithPaths(folder, json, ['/etc/passwd']);
    expect(passwd).toMatch(/weights file '\/etc\/passwd' .*refused: an absolute path/);
    expect(passwd).not.toMatch(/\d+ bytes/); // nothing about the size of the target
    expect(await loadWithPaths(folder, json, ['/dev/zero'])).toMatch(/weights file '\/dev\/zero' .*refused: an absolute path/);
    expect(await loadWithPaths(folder, json, ['../../../../../../dev/zero'])).toMatch(/refused: the path climbs out/);
    expect(await loadWithPaths(folder, json, ['..\\secret\\outside.bin'])).toMatch(/refused: the path climbs out/);
    expect(await loadWithPaths(folder, json, ['C:/Windows/win.ini'])).toMatch(/refused: an absolute path/);
  });

  it('a symlink leading out is refused with the same words whether or not its target exists', async () => {
    const { folder, json } = await savedFolder('links');
    await symlink(join(root, 'secret-2', 'outside.bin'), join(folder, 'to-missing.bin'));
    await mkdir(join(root, 'secret-2'));
    await copyFile(join(folder, 'weights.bin'), join(root, 'secret-2', 'there.bin'));
    await symlink(join(root, 'secret-2', 'there.bin'), join(folder, 'to-existing.bin'));
    await symlink(join(root, 'secret-2'), join(folder, 'dir-link'));
    await symlink('/dev/zero', join(folder, 'zero.bin'));
    const missing = await loadWithPaths(folder, json, ['to-missing.bin']);
    const existing = await loadWithPaths(folder, json, ['to-existing.bin']);
    expect(existing).toMatch(/could not be read: no regular file of that name inside the model's folder/);
    expect(existing.replace('to-existing', 'X')).toBe(missing.replace('to-missing', 'X'));
    expect(await loadWithPaths(folder, json, ['dir-link/there.bin'])).toBe(existing.replace('to-existing.bin', 'dir-link/there.bin'));
    expect(await loadWithPaths(folder, json, ['zero.bin'])).toBe(existing.replace('to-existing.bin', 'zero.bin'));
    expect(await loadWithPaths(folder, json, ['absent.bin'])).toBe(existing.replace('to-existing.bin', 'absent.bin'));
    // A link that stays inside the folder is followed.
    await symlink('weights.bin', join(folder, 'alias.bin'));
    await writeFile(join(folder, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['alias.bin'] }] }));
    (await nn.loadModel(`file://${folder}`)).dispose();
  });

  it('a FIFO as the weights file or as model.json is refused without being opened: the load settles', async () => {
    const { folder, json } = await savedFolder('fifo');
    execFileSync('mkfifo', [join(folder, 'pipe.bin')]);
    expect(await loadWithPaths(folder, json, ['pipe.bin'])).toMatch(/weights file 'pipe\.bin' .*could not be read: not a regular file \(a FIFO\)/);
    const fifoJSON = join(root, 'fifo-json');
    await mkdir(fifoJSON);
    execFileSync('mkfifo', [join(fifoJSON, 'model.json')]);
    await expect(nn.loadModel(`file://${fifoJSON}`)).rejects.toThrow(/cannot read model\.json at .*fifo-json.*: not a regular file \(a FIFO\)/);
  });

  it('a weights file larger than the manifest needs is refused from its size, without reading it', async () => {
    const { folder, json } = await savedFolder('large');
    const need = (await readFile(join(folder, 'weights.bin'))).length;
    await writeFile(join(folder, 'big.bin'), new Uint8Array(need + 4096));
    expect(await loadWithPaths(folder, json, ['big.bin'])).toMatch(new RegExp(`weights file 'big\\.bin' .*could not be read: it is ${need + 4096} bytes, more than the ${need} bytes the manifest's weights still need`));
    expect(await loadWithPaths(folder, json, ['weights.bin', 'weights.bin'])).toMatch(new RegExp(`weights file 'weights\\.bin' .*could not be read: it is ${need} bytes, more than the 0 bytes`));
  });
});

/** In-memory model.json and weights.bin of `model`, for editing. */
async function files(model: nn.LayersModel): Promise<{ json: nn.io.ModelJSON; bin: Uint8Array; specs: nn.io.WeightSpec[] }> {
  const { modelJSON, weightFiles } = nn.io.toModelJSON(await artifactsOf(model));
  return { json: modelJSON, bin: weightFiles['weights.bin'], specs: modelJSON.weightsManifest[0].weights };
}

/** Byte offset of the weight called `name` in weights.bin (all float32). */
function offsetOf(specs: nn.io.WeightSpec[], name: string): number {
  let at = 0;
  for (const s of specs) {
    if (s.name === name) return at;
    at += 4 * s.shape.reduce((a, b) => a * b, 1);
  }
  throw new Error(`no weight ${name}`);
}

describe('weights that would predict NaN are refused, naming the weight', () => {
  it('NaN or ±Infinity in any weight', async () => {
    const model = mlp();
    const { json, bin, specs } = await files(model);
    model.dispose();
    const kernel = specs.find((s) => s.name.endsWith('/kernel'))!.name;
    for (const [value, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity']] as const) {
      const bad = bin.slice();
      new DataView(bad.buffer).setFloat32(offsetOf(specs, kernel) + 4 * 7, value, true);
      const before = bytesInUse();
      await expect(nn.loadModel(nn.io.fromModelJSON(json, { 'weights.bin': bad }))).rejects.toThrow(
        new RegExp(`weight '${kernel}' \\(shape \\[6, 8\\]\\) holds ${shown} at index 7: a saved model holds finite values only`));
      expect(bytesInUse()).toBe(before);
    }
  });

  it('a BatchNormalization moving_variance of -5, and a layer weight stored as int32', async () => {
    const model = cnn();
    randomizeWeights(model, 7);
    const { json, bin, specs } = await files(model);
    model.dispose();
    const variance = specs.find((s) => s.name.endsWith('/moving_variance'))!.name;
    const bad = bin.slice();
    new DataView(bad.buffer).setFloat32(offsetOf(specs, variance) + 4 * 2, -5, true);
    await expect(nn.loadModel(nn.io.fromModelJSON(json, { 'weights.bin': bad }))).rejects.toThrow(
      new RegExp(`weight '${variance}' of layer '.*' \\(BatchNormalization\\): moving_variance holds -5 at index 2: a variance is never negative`));
    const int32 = JSON.parse(JSON.stringify(json));
    int32.weightsManifest[0].weights[0].dtype = 'int32';
    await expect(nn.loadModel(nn.io.fromModelJSON(int32, { 'weights.bin': bin }))).rejects.toThrow(
      new RegExp(`weight '${specs[0].name}' of layer '.*' \\(Conv2D\\): dtype is 'int32' but layer weights are 'float32'`));
  });

  it("an optimizer's second moment below zero (training would turn NaN)", async () => {
    const model = mlp();
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const { modelJSON, weightFiles } = nn.io.toModelJSON(await artifactsOf(model, { includeOptimizer: true }));
    model.dispose();
    const specs = modelJSON.weightsManifest[0].weights;
    const v = specs.find((s) => s.name.endsWith('/kernel/v'))!.name;
    const bad = weightFiles['weights.bin'].slice();
    new DataView(bad.buffer).setFloat32(offsetOf(specs, v) + 4, -0.5, true);
    const before = bytesInUse();
    await expect(nn.loadModel(nn.io.fromModelJSON(modelJSON, { 'weights.bin': bad }))).rejects.toThrow(
      new RegExp(`optimizer state: weight '${v}' holds -0.5 at index 1, but 'v' is never negative`));
    expect(bytesInUse()).toBe(before);
  });
});
