/**
 * Handlers that work in every runtime: in memory (tfjs `withSaveHandler` / `fromMemory`),
 * model.json plus weight files held by the caller (an edge function that embeds or fetches
 * them), and http(s) URLs read with `fetch`. Plus the registry that turns 'scheme://…' strings
 * into handlers, which the browser and Node handlers add themselves to.
 */
import type { IOHandler, ModelArtifacts, ModelArtifactsInfo, SaveResult } from './types.js';
import { describeValue, isObject } from './validate.js';
import { artifactsFromModelJSON, concatData } from './weights.js';

/** Makes a handler for the rest of a URL after its scheme, e.g. 'my-model' for 'indexeddb://my-model'. */
export type HandlerFactory = (path: string, url: string) => IOHandler;

const registry = new Map<string, HandlerFactory>();

/**
 * Registers the handler for URLs starting with `scheme` (e.g. 'file://'); later registrations of
 * the same scheme replace earlier ones.
 */
export function registerIOHandler(scheme: string, factory: HandlerFactory): void {
  if (typeof scheme !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/$/.test(scheme)) {
    throw new Error(`registerIOHandler: scheme must look like 'name://', got ${describeValue(scheme)}`);
  }
  registry.set(scheme, factory);
}

/** The handler for a URL string; throws naming the scheme when none is registered. */
export function handlerForURL(url: string, purpose: 'save' | 'load'): IOHandler {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(url);
  const scheme = match?.[1].toLowerCase();
  const factory = scheme ? registry.get(scheme) : undefined;
  if (!match || !factory) {
    const hint = scheme === 'file://' ? " — in Node, import 'simdnn/node' first" : '';
    throw new Error(`${purpose}: no handler for ${describeValue(url)}${hint}; registered: ${[...registry.keys()].join(', ') || 'none'}`);
  }
  return factory(match[2], url);
}

/** The sizes tfjs reports for saved artifacts. */
export function artifactsInfo(artifacts: ModelArtifacts): ModelArtifactsInfo {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: new TextEncoder().encode(JSON.stringify(artifacts.modelTopology)).byteLength,
    weightSpecsBytes: new TextEncoder().encode(JSON.stringify(artifacts.weightSpecs)).byteLength,
    weightDataBytes: concatData(artifacts.weightData).byteLength,
  };
}

/** A save handler that passes the artifacts to `fn` (as tfjs `tf.io.withSaveHandler`). */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult> | SaveResult | void): IOHandler {
  if (typeof fn !== 'function') throw new TypeError(`withSaveHandler: expected a function, got ${describeValue(fn)}`);
  return {
    async save(artifacts) {
      const result = await fn(artifacts);
      return result && isObject(result) && 'modelArtifactsInfo' in result ? result : { modelArtifactsInfo: artifactsInfo(artifacts), responses: [artifacts] };
    },
  };
}

/** A load handler over artifacts already in memory (as tfjs `tf.io.fromMemory`). */
export function fromMemory(artifacts: ModelArtifacts): IOHandler {
  return { load: async () => artifacts };
}

/** Weight files by path, as bytes. */
export type WeightFiles = Record<string, ArrayBuffer | ArrayBufferView> | Map<string, ArrayBuffer | ArrayBufferView>;

/**
 * A load handler over model.json (text, bytes or parsed) and its weight files, for runtimes that
 * embed or fetch the files themselves; paths as in the weights manifest ('./x.bin' matches 'x.bin').
 */
export function fromModelJSON(modelJSON: unknown, weightFiles: WeightFiles): IOHandler {
  const files = weightFiles instanceof Map ? weightFiles : new Map(Object.entries(weightFiles ?? {}));
  const clean = (p: string): string => p.replace(/^\.\//, '');
  return {
    load: () => artifactsFromModelJSON(modelJSON, async (path) => {
      const bytes = files.get(path) ?? files.get(clean(path)) ?? [...files].find(([k]) => clean(k) === clean(path))?.[1];
      if (bytes === undefined) throw new Error(`missing weights file '${path}' (given: ${[...files.keys()].join(', ') || 'none'})`);
      return concatData(bytes, `weights file '${path}'`);
    }),
  };
}

/** Options of {@link http}. */
export interface HTTPOptions {
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Passed to every request (headers, credentials, ...). */
  requestInit?: RequestInit;
}

/** The body of a response, refused once it passes `maxBytes` (the bytes the manifest still needs): a server cannot stream without end. */
async function cappedBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const tooLong = (n: number): Error => new Error(`the response is ${n} bytes or more, more than the ${maxBytes} bytes the manifest's weights still need`);
  if (declared > maxBytes) throw tooLong(declared);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLong(total);
    }
    chunks.push(value);
  }
  return concatData(chunks);
}

/** A load handler reading model.json and its shards (relative to it) over HTTP(S) with fetch. */
export function http(url: string, options: HTTPOptions = {}): IOHandler {
  const get = async (target: string): Promise<Response> => {
    const f = options.fetch ?? globalThis.fetch;
    const response = await f(target, options.requestInit);
    if (!response.ok) throw new Error(`fetching ${target} failed with HTTP ${response.status}`);
    return response;
  };
  return {
    async load() {
      const text = await (await get(url)).text();
      return artifactsFromModelJSON(text, async (path, maxBytes) => cappedBody(await get(new URL(path, url).toString()), maxBytes));
    },
  };
}

registerIOHandler('http://', (_path, url) => http(url));
registerIOHandler('https://', (_path, url) => http(url));
