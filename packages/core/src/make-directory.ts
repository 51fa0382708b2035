import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` that always settles. Node's own (`mkdir(dir, { recursive: true })`, sync or not; Node 20)
 * loops forever where a parent exists but cannot hold the child (`/proc/x`: ENOENT, then `/proc`:
 * EEXIST, again; a dangling symlink on the path): `npm start` with such a data directory, or
 * `audit keygen --out` such a path, hung instead of saying why. This makes each missing parent first,
 * then tries each directory once more, no more. `mode` applies to every directory it creates.
 */
export async function makeDirectory(dir: string, options: { mode?: number } = {}): Promise<void> {
  await makeDirectoryOnce(dir, options.mode, false);
}

async function makeDirectoryOnce(dir: string, mode: number | undefined, parentMade: boolean): Promise<void> {
  try {
    await mkdir(dir, mode === undefined ? undefined : { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory()) return;
    if (code !== 'ENOENT' || parentMade || path.dirname(dir) === dir) throw error;
    await makeDirectoryOnce(path.dirname(dir), mode, false);
    await makeDirectoryOnce(dir, mode, true);
  }
}
