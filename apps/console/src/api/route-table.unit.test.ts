import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiRoutes } from './openapi.js';

// Next.js routes by file (app/api/v1/**/route.ts); the route table documents them. This test holds the two
// together: a route file the table lacks, a row without its file, or a file binding another handler fails it.

const appRoot = fileURLToPath(new URL('../../app/api/v1/', import.meta.url));

/** `<method> <path>` → the handler it binds (`<module under src/api/handlers>#<export>`), read from every route file. */
async function routeFileBindings(): Promise<Record<string, string>> {
  const bindings: Record<string, string> = {};
  for (const { path, source } of await routeFiles()) {
    const modules = new Map<string, string>();
    for (const [, names, module] of source.matchAll(/^import \{([^}]*)\} from '(?:\.\.\/)+src\/api\/handlers\/([\w/-]+)\.js';$/gm)) {
      for (const name of names!.split(',')) modules.set(name.trim(), module!);
    }
    for (const [, method, handler] of source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE) = (?:nextRoute(?:WithId)?\()?(\w+)/gm)) {
      bindings[`${method!.toLowerCase()} ${path}`] = `${modules.get(handler!) ?? '(not imported from src/api/handlers)'}#${handler!}`;
    }
  }
  return bindings;
}

/** Every route file of the API, by its OpenAPI path; the catch-all answers unknown paths with the API's 404 and is none. */
async function routeFiles(): Promise<{ path: string; source: string }[]> {
  const files = [];
  for (const entry of await readdir(appRoot, { recursive: true })) {
    if (!entry.endsWith(`${sep}route.ts`) && entry !== 'route.ts') continue;
    const dir = relative(appRoot, join(appRoot, entry, '..'))
      .split(sep)
      .filter(Boolean);
    if (dir.some((part) => part.startsWith('[...'))) continue;
    const path = ['/api/v1', ...dir.map((part) => part.replace(/^\[(\w+)\]$/, '{$1}'))].join('/');
    files.push({ path, source: await readFile(join(appRoot, entry), 'utf8') });
  }
  return files;
}

describe('the REST route table', () => {
  it('has one row per method of every route file, naming the handler the file binds', async () => {
    const table = Object.fromEntries(apiRoutes.map((route) => [`${route.method} ${route.path}`, route.handler]));
    expect(table).toEqual(await routeFileBindings());
  });

  it("answers every method a route file does not serve with the API's 405 (methodsNotAllowed)", async () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    for (const { path, source } of await routeFiles()) {
      const served = [...source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE) = /gm)].map((match) => match[1]!);
      const refused = /^export const \{ ([\w, ]+) \} = methodsNotAllowed\(\{ ([\w, ]+) \}\);$/m.exec(source);
      expect(refused, `${path}: export const { ... } = methodsNotAllowed({ ${served.join(', ')} })`).not.toBeNull();
      expect(refused![2]!.split(', '), `${path}: the methods it serves`).toEqual(served);
      expect(refused![1]!.split(', '), `${path}: every other method, and OPTIONS`).toEqual([...methods.filter((method) => !served.includes(method)), 'OPTIONS']);
    }
  });

  it('has no route twice', () => {
    const keys = apiRoutes.map((route) => `${route.method} ${route.path}`);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
  });
});
