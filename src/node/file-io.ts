/**
 * 'file://' save and load for Node (tfjs-node's layout): save writes `<dir>/model.json` and
 * `<dir>/weights.bin` (or shards); load reads a model.json path, or a directory holding one,
 * and the weight files its manifest names, relative to it and only inside its folder (see
 * read-file.ts: regular files only, no more bytes than the manifest needs). Importing this module (or
 * 'simdnn/node') registers the scheme, so `model.save('file://out')` and
 * `nn.loadModel('file://out/model.json')` work.
 */
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { artifactsInfo, registerIOHandler } from '../io/handlers.js';
import type { IOHandler, ShardOptions } from '../io/types.js';
import { artifactsFromModelJSON, toModelJSON } from '../io/weights.js';
import { pathInside, readRegularFile } from './read-file.js';

/** Options of {@link fileSystem}: how the weights are written (one 'weights.bin' by default, or shards). */
export type FileSystemOptions = ShardOptions;

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Where model.json is for `path`: the path itself when it names a .json file, else `<path>/model.json`. */
async function modelJSONPath(path: string): Promise<string> {
  return path.endsWith('.json') && !(await isDirectory(path)) ? path : join(path, 'model.json');
}

/**
 * A handler saving to and loading from the file system (tfjs-node `tf.io.fileSystem`).
 * `path` is a directory (or a path ending in .json, to name the model file).
 */
export function fileSystem(path: string, options: FileSystemOptions = {}): IOHandler {
  if (typeof path !== 'string' || path === '') throw new Error(`file://: expected a path, got ${JSON.stringify(path)}`);
  return {
    async save(artifacts) {
      const jsonPath = await modelJSONPath(path);
      const dir = dirname(jsonPath);
      const { modelJSON, weightFiles } = toModelJSON(artifacts, options);
      await mkdir(dir, { recursive: true });
      // Weights first: a model.json on disk always has its weights beside it.
      for (const [name, bytes] of Object.entries(weightFiles)) await writeFile(join(dir, name), bytes);
      await writeFile(jsonPath, JSON.stringify(modelJSON));
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    async load() {
      const jsonPath = await modelJSONPath(path);
      let text: Uint8Array;
      let folder: string;
      try {
        text = await readRegularFile(jsonPath);
        folder = await realpath(dirname(resolve(jsonPath)));
      } catch (e) {
        throw new Error(`file://${path}: cannot read ${basename(jsonPath)} at ${resolve(jsonPath)}: ${(e as Error).message}`);
      }
      // The weights manifest is a stranger's: its paths are confined to model.json's folder.
      return artifactsFromModelJSON(text, async (file, maxBytes) => readRegularFile(await pathInside(folder, file), {
        maxBytes, tooLarge: (size, max) => `it is ${size} bytes, more than the ${max} bytes the manifest's weights still need`,
      }));
    },
  };
}

registerIOHandler('file://', (path) => fileSystem(path));
