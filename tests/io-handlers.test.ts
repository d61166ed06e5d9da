// Save/load targets: file:// (Node), https:// (fetch), indexeddb:// and downloads:// (with stand-ins for the browser APIs).
import { mkdtemp, readFile, readdir, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveObjectURL } from 'node:buffer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index.js';
import { fileSystem } from '../src/node/file-io.js';
import { batchFor, bytesInUse, cnn, mlp, randomizeWeights } from './helpers/io-models.js';

let dir = '';
beforeAll(async () => {
  await nn.ready();
  dir = await mkdtemp(join(tmpdir(), 'simdnn-io-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllGlobals());

function expectSamePredictions(a: nn.LayersModel, b: nn.LayersModel): void {
  const x = batchFor(a.inputShape, 3, 5);
  expect(Array.from((b.predict(x) as nn.Tensor).data)).toEqual(Array.from((a.predict(x) as nn.Tensor).data));
}

describe('file:// (Node)', () => {
  it('saves model.json + weights.bin in a directory and loads from the directory or the model.json path', async () => {
    const model = cnn();
    randomizeWeights(model, 1);
    const result = await model.save(`file://${join(dir, 'cnn')}`);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4);
    expect((await readdir(join(dir, 'cnn'))).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'cnn', 'model.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'layers-model', generatedBy: expect.stringMatching(/^simdnn/), convertedBy: null });
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    for (const source of [`file://${join(dir, 'cnn', 'model.json')}`, `file://${join(dir, 'cnn')}`]) {
      const loaded = await nn.loadModel(source);
      expectSamePredictions(model, loaded);
      loaded.dispose();
    }
    model.dispose();
  });

  it('writes shards when asked, and names a missing or short weights file', async () => {
    const model = mlp();
    const target = join(dir, 'sharded');
    await model.save(fileSystem(target, { shardBytes: 100 }));
    const files = (await readdir(target)).filter((f) => f.endsWith('.bin')).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(files[0]).toMatch(/^group1-shard1of\d+\.bin$/);
    const loaded = await nn.loadModel(`file://${target}/model.json`);
    expectSamePredictions(model, loaded);
    loaded.dispose();
    const before = bytesInUse();
    await truncate(join(target, files[0]), 10);
    await expect(nn.loadModel(`file://${target}`)).rejects.toThrow(/weightsManifest\[0\]: the files .* hold \d+ bytes but its \d+ weights need \d+ bytes/);
    await unlink(join(target, files[1]));
    await expect(nn.loadModel(`file://${target}`)).rejects.toThrow(new RegExp(`weights file '${files[1]}' .*could not be read: no regular file of that name inside the model's folder .*sharded \\(it is missing`));
    await expect(nn.loadModel(`file://${join(dir, 'nothing-here')}`)).rejects.toThrow(/cannot read model.json at .*nothing-here.*ENOENT/);
    expect(bytesInUse()).toBe(before);
    model.dispose();
  });
});

describe('https:// (fetch)', () => {
  it('reads model.json and its weights relative to it; names an HTTP failure', async () => {
    const model = mlp();
    let served: Record<string, Uint8Array<ArrayBuffer> | string> = {};
    await model.save(nn.io.withSaveHandler((a) => {
      const { modelJSON, weightFiles } = nn.io.toModelJSON(a);
      served = { 'https://models.test/m/model.json': JSON.stringify(modelJSON), 'https://models.test/m/weights.bin': weightFiles['weights.bin'] };
    }));
    vi.stubGlobal('fetch', async (url: string) => (url in served ? new Response(served[url]) : new Response('not found', { status: 404 })));
    const loaded = await nn.loadModel('https://models.test/m/model.json');
    expectSamePredictions(model, loaded);
    loaded.dispose();
    // A server streaming without end, or declaring more than the manifest needs, is cut off.
    const endless = (): Response => new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(65536)) }));
    vi.stubGlobal('fetch', async (url: string) => (url.endsWith('weights.bin') ? endless() : new Response(served[url])));
    await expect(nn.loadModel('https://models.test/m/model.json')).rejects.toThrow(/weights file 'weights.bin' .*could not be read: the response is 65536 bytes or more, more than the \d+ bytes the manifest's weights still need/);
    vi.stubGlobal('fetch', async (url: string) => (url in served ? new Response(served[url]) : new Response('not found', { status: 404 })));
    delete served['https://models.test/m/weights.bin'];
    await expect(nn.loadModel('https://models.test/m/model.json')).rejects.toThrow(/weights file 'weights.bin' .*fetching https:\/\/models.test\/m\/weights.bin failed with HTTP 404/);
    model.dispose();
  });
});

/** An in-memory IndexedDB with the little the handler uses. */
function fakeIndexedDB(): { factory: IDBFactory; stores: Map<string, Map<string, unknown>> } {
  const stores = new Map<string, Map<string, unknown>>();
  let version = 0;
  type Req = { result?: unknown; error?: unknown; onsuccess?: () => void; onerror?: () => void; onupgradeneeded?: () => void };
  const later = (r: Req, fn: () => unknown): Req => {
    setTimeout(() => { try { r.result = fn(); r.onsuccess?.(); } catch (e) { r.error = e; r.onerror?.(); } });
    return r;
  };
  const db = {
    objectStoreNames: { contains: (n: string) => stores.has(n) },
    createObjectStore: (n: string) => stores.set(n, new Map()),
    close: () => undefined,
    transaction() {
      const tx: { oncomplete?: () => void; objectStore: (n: string) => unknown } = {
        objectStore: (n: string) => ({
          put: (v: { modelPath: string }) => later({}, () => stores.get(n)!.set(v.modelPath, structuredClone(v))),
          get: (k: string) => later({}, () => structuredClone(stores.get(n)!.get(k))),
        }),
      };
      setTimeout(() => setTimeout(() => tx.oncomplete?.()));
      return tx;
    },
  };
  const factory = {
    open(_name: string, v: number) {
      const r: Req = {};
      setTimeout(() => { r.result = db; if (version < v) { version = v; r.onupgradeneeded?.(); } r.onsuccess?.(); });
      return r;
    },
  };
  return { factory: factory as unknown as IDBFactory, stores };
}

describe('browser handlers', () => {
  it('indexeddb:// stores the artifacts where tfjs keeps them, and loads them back', async () => {
    const { factory, stores } = fakeIndexedDB();
    vi.stubGlobal('indexedDB', factory);
    const model = cnn();
    randomizeWeights(model, 2);
    await model.save('indexeddb://my-cnn');
    expect([...stores.keys()].sort()).toEqual(['model_info_store', 'models_store']);
    const record = stores.get('models_store')!.get('my-cnn') as { modelArtifacts: nn.io.ModelArtifacts };
    expect(record.modelArtifacts.format).toBe('layers-model');
    expect((stores.get('model_info_store')!.get('my-cnn') as { modelArtifactsInfo: nn.io.ModelArtifactsInfo }).modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4);
    const loaded = await nn.loadModel('indexeddb://my-cnn');
    expectSamePredictions(model, loaded);
    loaded.dispose();
    await expect(nn.loadModel('indexeddb://other')).rejects.toThrow(/indexeddb:\/\/other: no model saved under this name/);
    vi.stubGlobal('indexedDB', undefined);
    await expect(model.save('indexeddb://x')).rejects.toThrow(/IndexedDB is not available/);
    model.dispose();
  });

  it('downloads:// offers <name>.json and <name>.weights.bin, which load back', async () => {
    const clicked: { download: string; href: string }[] = [];
    vi.stubGlobal('document', { createElement: () => { const a = { download: '', href: '', click: () => clicked.push(a) }; return a; } });
    const model = mlp();
    randomizeWeights(model, 3);
    await model.save('downloads://digits');
    expect(clicked.map((a) => a.download)).toEqual(['digits.json', 'digits.weights.bin']);
    const [json, weights] = await Promise.all(clicked.map((a) => resolveObjectURL(a.href)!.arrayBuffer()));
    const modelJSON = JSON.parse(new TextDecoder().decode(json));
    expect(modelJSON.weightsManifest[0].paths).toEqual(['./digits.weights.bin']);
    const loaded = await nn.loadModel(nn.io.fromModelJSON(modelJSON, { 'digits.weights.bin': weights }));
    expectSamePredictions(model, loaded);
    loaded.dispose();
    await expect(nn.loadModel('downloads://digits')).rejects.toThrow(/can only save/);
    vi.stubGlobal('document', undefined);
    await expect(model.save('downloads://x')).rejects.toThrow(/needs a browser page/);
    model.dispose();
  });
});
