// The README's catalogue lists (layers, activations, losses, metrics, optimizers) name exactly what
// the code registers: a list is the bullet `- **Name** (...): a, b, c.` up to its first period.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { ACTIVATION_NAMES } from '../src/activations.js';
import { LOSS_NAMES } from '../src/losses/registry.js';
import { METRIC_NAMES } from '../src/metrics/registry.js';
import { OPTIMIZER_NAMES } from '../src/optimizers/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The names of the README list `title`, in order. */
function readmeList(title: string): string[] {
  const match = new RegExp(`^- \\*\\*${title}\\*\\*(?: \\([^)]*\\))?: ([^.]*)\\.`, 'm').exec(readme);
  if (!match) throw new Error(`README has no list '- **${title}** (...): a, b, c.'`);
  return match[1].split(',').map((name) => name.trim());
}

/** The layer factories: nn.layers' lower-case keys, less aliases (a second name for the same function, e.g. cropping2D). */
function layerFactories(listed: readonly string[]): string[] {
  const table = nn.layers as unknown as Record<string, unknown>;
  const factories = Object.keys(table).filter((k) => /^[a-z]/.test(k));
  return factories.filter((k) => listed.includes(k) || !factories.some((other) => other !== k && table[other] === table[k] && listed.includes(other)));
}

describe('README lists match the code', () => {
  it('layers: every factory of nn.layers, and only those', () => {
    const listed = readmeList('Layers');
    expect([...listed].sort()).toEqual(layerFactories(listed).sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  const registries: [string, readonly string[]][] = [
    ['Activations', ACTIVATION_NAMES],
    ['Losses', LOSS_NAMES],
    ['Metrics', METRIC_NAMES],
    ['Optimizers', OPTIMIZER_NAMES],
  ];
  it.each(registries)('%s: the registry, and only it', (title, names) => {
    const listed = readmeList(title);
    expect([...listed].sort()).toEqual([...names].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });
});
