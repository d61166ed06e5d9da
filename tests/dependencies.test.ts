// docs/architecture.md: data flows down, nothing below imports anything above it. src/core is the
// bottom floor (it imports only from itself), and models reach io only when asked to save.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import { target: string; typeOnly: boolean }

/** Relative imports and re-exports of `file`, resolved to .ts paths; dynamic import() is not one. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: Import[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((n) => n.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    found.push({ target: resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts')), typeOnly });
  }
  return found;
}

const within = (file: string, dir: string) => !relative(join(SRC, dir), file).startsWith('..');
const show = (file: string) => relative(SRC, file);

describe('dependencies point one way', () => {
  it('src/core imports nothing outside src/core, not even types', () => {
    const outside = sourceFiles(join(SRC, 'core')).flatMap((file) =>
      importsOf(file).filter((i) => !within(i.target, 'core')).map((i) => `${show(file)} → ${show(i.target)}`));
    expect(outside).toEqual([]);
  });

  it('loading src/models runs no module of src/io (model.save imports it when called)', () => {
    // Every module evaluated by importing any file of src/models: the static, non-type imports, transitively.
    const seen = new Map<string, string>();
    const queue = sourceFiles(join(SRC, 'models'));
    for (const f of queue) seen.set(f, show(f));
    while (queue.length > 0) {
      const file = queue.pop()!;
      for (const i of importsOf(file)) {
        if (i.typeOnly || seen.has(i.target)) continue;
        seen.set(i.target, `${seen.get(file)} → ${show(i.target)}`);
        queue.push(i.target);
      }
    }
    const reachedIo = [...seen].filter(([file]) => within(file, 'io')).map(([, chain]) => chain);
    expect(reachedIo).toEqual([]);
  });

  it('the scan sees imports: src/core.ts reaches src/io', () => {
    expect(importsOf(join(SRC, 'core.ts')).some((i) => within(i.target, 'io') && !i.typeOnly)).toBe(true);
  });
});
