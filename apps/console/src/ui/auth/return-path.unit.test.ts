import { describe, expect, it } from 'vitest';
import { safeReturnPath, signInPath } from './return-path.js';

// How a browser reads a Location header on the console: anything that lands on another origin is an open redirect.
const CONSOLE = 'https://console.example';
const landsOnConsole = (path: string) => new URL(path, CONSOLE).origin === CONSOLE;

describe('safeReturnPath', () => {
  it('keeps a path and query on this console', () => {
    expect(safeReturnPath('/actions/a-1?tab=audit')).toBe('/actions/a-1?tab=audit');
    expect(safeReturnPath('/a/../audit')).toBe('/audit');
    expect(safeReturnPath('/%5c/evil.com')).toBe('/%5c/evil.com');
  });

  it('refuses another origin, whether asked for outright or by a path that resolves to one', () => {
    const elsewhere = [
      '//evil.com',
      '/\\evil.com',
      'https://evil.com/',
      '/.//evil.com',
      '/a/..//evil.com',
      '/%2e//evil.com',
      '/./\\evil.com',
      '/x/../\\evil.com',
      '/..//evil.com',
      '/%2e%2e//evil.com',
      '/.\\/evil.com',
      '/\t/evil.com',
    ];
    for (const asked of elsewhere) {
      const kept = safeReturnPath(asked);
      expect(kept, asked).toBeUndefined();
      expect(signInPath(asked), asked).toBe('/sign-in');
    }
  });

  it('hands out only paths a browser keeps on this console', () => {
    const segments = ['/', '/.', '/..', '/a/..', '/%2e', '/%2E%2e', '/./a/../.'];
    const separators = ['', '/', '\\', '/\\', '\\/', '//'];
    const asked = segments.flatMap((segment) => separators.map((separator) => `${segment}${separator}evil.com/x?y=//z`));
    for (const path of asked) {
      const kept = safeReturnPath(path);
      if (kept === undefined) continue;
      expect(landsOnConsole(kept), `${path} -> ${kept}`).toBe(true);
      expect(kept.startsWith('//'), `${path} -> ${kept}`).toBe(false);
      // What it hands out it would keep again: the sign-in page passes it on through more than one hop.
      expect(safeReturnPath(kept), `${path} -> ${kept}`).toBe(kept);
    }
  });

  it('never returns to the sign-in pages or the API', () => {
    for (const path of ['/', '/sign-in?next=/x', '/set-password', '/api/v1/actions', '/x/../sign-in']) expect(safeReturnPath(path), path).toBeUndefined();
  });
});
