import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ToolRefusedError } from './config.js';

export interface ConfinedPath {
  /** The file, under its root's real path. */
  target: string;
  realRoot: string;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

/**
 * Maps a requested path to a file under one of `roots`, refusing `..`, paths
 * outside every root and parents that resolve (through symlinks) outside their
 * root. With `createParents`, missing directories are made one by one, never
 * through a symlink.
 */
export async function confine(requested: string, roots: readonly string[], createParents: boolean): Promise<ConfinedPath> {
  if (requested.includes('\0')) throw new ToolRefusedError('path contains NUL');
  if (requested.split(/[\\/]/).includes('..')) throw new ToolRefusedError(`path traversal (..) refused: ${requested}`);
  const absolute = path.isAbsolute(requested) ? path.normalize(requested) : path.join(roots[0]!, requested);
  const root = roots.find((r) => inside(r, absolute)) ?? (await realRootHolding(roots, absolute));
  if (!root) throw new ToolRefusedError(`${requested} is outside the allowed roots (${roots.join(', ')})`);
  if (absolute === root || absolute.endsWith('/')) throw new ToolRefusedError(`${requested} names a directory, not a file`);
  const realRoot = await realpath(root).catch(() => {
    throw new ToolRefusedError(`root ${root} does not exist`);
  });

  const parentParts = path.relative(root, path.dirname(absolute)).split(path.sep).filter(Boolean);
  let parent = realRoot;
  for (const part of parentParts) {
    const next = path.join(parent, part);
    let stat: Stats | undefined = await lstat(next).catch(() => undefined);
    if (!stat && createParents) {
      await mkdir(next).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      stat = await lstat(next);
    }
    if (!stat) throw new ToolRefusedError(`directory ${path.join(path.relative(realRoot, parent), part) || part} does not exist`);
    if (stat.isSymbolicLink()) {
      // A symlink inside the root is followed only when it stays inside the root.
      const resolved = await realpath(next);
      if (!inside(realRoot, resolved)) throw new ToolRefusedError(`symlink escape refused: ${requested} passes through a link out of ${root}`);
      parent = resolved;
      continue;
    }
    if (!stat.isDirectory()) throw new ToolRefusedError(`${next} is not a directory`);
    parent = next;
  }
  const realParent = await realpath(parent);
  if (!inside(realRoot, realParent)) throw new ToolRefusedError(`symlink escape refused: ${requested} resolves outside ${root}`);
  return { target: path.join(realParent, path.basename(absolute)), realRoot };
}

/**
 * The real path of the root (a configured one reached through a symlink) that holds `absolute`: the path a tool
 * returned, and a backup keeps, is under the root's real path, and a compensation confines it again.
 */
async function realRootHolding(roots: readonly string[], absolute: string): Promise<string | undefined> {
  for (const root of roots) {
    const real = await realpath(root).catch(() => undefined);
    if (real && inside(real, absolute)) return real;
  }
  return undefined;
}

/** What the kernel says an open descriptor really is: catches a path swapped between the checks and the open. */
async function assertOpenedInside(handle: FileHandle, realRoot: string, shown: string): Promise<void> {
  const actual = await readlink(`/proc/self/fd/${handle.fd}`);
  if (!inside(realRoot, actual)) throw new ToolRefusedError(`symlink escape refused: ${shown} opened ${actual}, outside the root`);
}

export interface ExistingFile {
  content: Buffer;
  mode: number;
}

/** Reads a regular file without following a final symlink; null when absent. */
export async function readConfined(file: ConfinedPath, maxBytes: number): Promise<ExistingFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(file.target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new ToolRefusedError(`${file.target} is a symlink; refused`);
    throw error;
  }
  try {
    await assertOpenedInside(handle, file.realRoot, file.target);
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ToolRefusedError(`${file.target} is not a regular file`);
    if (stat.size > maxBytes) throw new ToolRefusedError(`${file.target} is ${stat.size} bytes, over the cap of ${maxBytes}`);
    return { content: await handle.readFile(), mode: stat.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the file atomically: a new file beside it (O_EXCL, no symlink
 * followed, checked to be inside the root), then a rename, which replaces a
 * directory entry and never writes through a link.
 */
export async function writeConfined(file: ConfinedPath, content: Buffer, mode: number): Promise<void> {
  const temp = path.join(path.dirname(file.target), `.airlock-${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await assertOpenedInside(handle, file.realRoot, file.target);
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, file.target);
}

/** unlink removes the entry itself, never a symlink's target. */
export async function removeConfined(file: ConfinedPath): Promise<void> {
  await unlink(file.target);
}
