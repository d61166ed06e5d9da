/** What a deployment of the edge worker weighs: each uploaded file raw and gzipped, against Cloudflare's limits. */
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Cloudflare's Worker size limits after compression, as issue 10 states them (decimal MB, the stricter reading). */
export const CLOUDFLARE_LIMITS = { free: 3_000_000, paid: 10_000_000 } as const;

/** One uploaded file. */
export interface FileSize {
  name: string;
  bytes: number;
  /** gzip at zlib's default level, as a deploy tool compresses the upload. */
  gzipBytes: number;
}

/** A deployable worker: its files (script, wasm, data modules) and their totals. */
export interface BundleSize {
  files: FileSize[];
  bytes: number;
  gzipBytes: number;
}

/** Sizes of the named files in `dir`; totals are the sums over files (each compressed alone). */
export async function bundleSize(dir: string, names: string[]): Promise<BundleSize> {
  const files: FileSize[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name));
    files.push({ name, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes).byteLength });
  }
  return {
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** "1.2% of the free plan's 3 MB, 0.4% of the paid plan's 10 MB" */
export function againstLimits(gzipBytes: number): string {
  const pct = (limit: number) => `${((gzipBytes / limit) * 100).toFixed(1)}%`;
  return `${pct(CLOUDFLARE_LIMITS.free)} of 3 MB (free), ${pct(CLOUDFLARE_LIMITS.paid)} of 10 MB (paid)`;
}

/** Table rows: every file of each bundle, then its total against the limits. */
export function sizeRows(bundles: Record<string, BundleSize>): string[][] {
  const rows: string[][] = [];
  for (const [label, bundle] of Object.entries(bundles)) {
    for (const f of bundle.files) rows.push([label, f.name, kb(f.bytes), kb(f.gzipBytes), '']);
    rows.push([label, 'total', kb(bundle.bytes), kb(bundle.gzipBytes), againstLimits(bundle.gzipBytes)]);
  }
  return rows;
}
