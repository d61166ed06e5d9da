/**
 * Browser handlers. 'indexeddb://name' keeps the artifacts in the same IndexedDB database and
 * stores tfjs uses ('tensorflowjs': 'models_store', 'model_info_store'), so a model saved by
 * one loads in the other. 'downloads://name' makes the browser download name.json and
 * name.weights.bin, as tfjs does.
 */
import { artifactsInfo, registerIOHandler } from './handlers.js';
import type { IOHandler, ModelArtifacts } from './types.js';
import { toModelJSON } from './weights.js';

const DATABASE = 'tensorflowjs';
const VERSION = 1;
const MODELS = 'models_store';
const INFO = 'model_info_store';

/** Options of {@link browserIndexedDB}. */
export interface IndexedDBOptions {
  /** The IndexedDB factory; default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(factory: IDBFactory | undefined): Promise<IDBDatabase> {
  if (!factory) throw new Error('indexeddb://: IndexedDB is not available in this runtime (browsers and workers have it)');
  const req = factory.open(DATABASE, VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'modelPath' });
    if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'modelPath' });
  };
  return request(req);
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** A handler saving to and loading from IndexedDB under `modelPath` (tfjs `tf.io.browserIndexedDB`). */
export function browserIndexedDB(modelPath: string, options: IndexedDBOptions = {}): IOHandler {
  if (typeof modelPath !== 'string' || modelPath === '') throw new Error(`indexeddb://: expected a model name, got '${String(modelPath)}'`);
  const factory = (): IDBFactory | undefined => options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  return {
    async save(artifacts) {
      const db = await openDatabase(factory());
      try {
        const modelArtifactsInfo = artifactsInfo(artifacts);
        const { weightFiles } = toModelJSON(artifacts);
        const weightData = Object.values(weightFiles)[0].buffer;
        const tx = db.transaction([INFO, MODELS], 'readwrite');
        const finished = done(tx);
        tx.objectStore(INFO).put({ modelPath, modelArtifactsInfo });
        tx.objectStore(MODELS).put({ modelPath, modelArtifacts: { ...artifacts, weightData } });
        await finished;
        return { modelArtifactsInfo };
      } finally {
        db.close();
      }
    },
    async load() {
      const db = await openDatabase(factory());
      try {
        const tx = db.transaction(MODELS, 'readonly');
        const record = await request(tx.objectStore(MODELS).get(modelPath)) as { modelArtifacts?: ModelArtifacts } | undefined;
        if (!record?.modelArtifacts) throw new Error(`indexeddb://${modelPath}: no model saved under this name`);
        return record.modelArtifacts;
      } finally {
        db.close();
      }
    },
  };
}

/** A handler that downloads `<prefix>.json` and `<prefix>.weights.bin` (tfjs `tf.io.browserDownloads`). */
export function browserDownloads(prefix = 'model'): IOHandler {
  const name = prefix === '' ? 'model' : prefix;
  return {
    async save(artifacts) {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc || typeof URL.createObjectURL !== 'function') throw new Error('downloads://: needs a browser page (document and URL.createObjectURL)');
      const weightsName = `${name}.weights.bin`;
      const { modelJSON, weightFiles } = toModelJSON(artifacts, { weightsPath: `./${weightsName}` });
      const files: [string, Blob][] = [
        [`${name}.json`, new Blob([JSON.stringify(modelJSON)], { type: 'application/json' })],
        [weightsName, new Blob([Object.values(weightFiles)[0]], { type: 'application/octet-stream' })],
      ];
      for (const [fileName, blob] of files) {
        const url = URL.createObjectURL(blob);
        const anchor = doc.createElement('a');
        anchor.download = fileName;
        anchor.href = url;
        anchor.click();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      }
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    load() {
      return Promise.reject(new Error(`downloads://${name}: can only save; to load the downloaded files use nn.io.fromModelJSON(json, { '${name}.weights.bin': bytes })`));
    },
  };
}

registerIOHandler('indexeddb://', (path) => browserIndexedDB(path));
registerIOHandler('downloads://', (path) => browserDownloads(path));
