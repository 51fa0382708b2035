import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { makeDirectory } from '@airlock/core/make-directory';
import path from 'node:path';
import { fsDeleteSpec, fsWriteSpec } from '@airlock/core';
import { z } from 'zod';
import { defineTool } from '../define.js';
import { ToolRefusedError, type FsConfig } from './config.js';
import { confine, readConfined, removeConfined, writeConfined, type ConfinedPath } from './fs-paths.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** What a file looked like before a step touched it; written before the side effect, keyed by the step's idempotency key. */
const Backup = z.object({
  tool: z.enum(['fs.write', 'fs.delete']),
  path: z.string(),
  existed: z.boolean(),
  previousBase64: z.string().nullable(),
  previousSha256: z.string().nullable(),
  mode: z.number().int(),
  /** fs.write: the content it writes. */
  newSha256: z.string().nullable(),
});
type Backup = z.infer<typeof Backup>;

export const FsWriteOutput = z.object({
  path: z.string(),
  created: z.boolean(),
  bytes: z.number().int(),
  sha256: z.string(),
  previousSha256: z.string().nullable(),
  backupId: z.string().regex(/^[a-f0-9]{64}$/),
  /** The file already held this content: nothing was written. */
  unchanged: z.boolean(),
});
export type FsWriteOutput = z.infer<typeof FsWriteOutput>;

export const FsDeleteOutput = z.object({
  path: z.string(),
  bytes: z.number().int(),
  previousSha256: z.string(),
  backupId: z.string().regex(/^[a-f0-9]{64}$/),
});
export type FsDeleteOutput = z.infer<typeof FsDeleteOutput>;

class BackupStore {
  constructor(private readonly dir: string) {}

  idFor(tool: string, idempotencyKey: string): string {
    return sha256(`${tool}\0${idempotencyKey}`);
  }

  private file(id: string): string {
    if (!/^[a-f0-9]{64}$/.test(id)) throw new Error('invalid backup id');
    return path.join(this.dir, `${id}.json`);
  }

  async load(id: string): Promise<Backup | null> {
    const text = await readFile(this.file(id), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return text === null ? null : Backup.parse(JSON.parse(text));
  }

  /** Durable before the side effect: a crash after it still leaves what compensation needs. */
  async save(id: string, backup: Backup): Promise<void> {
    await makeDirectory(this.dir, { mode: 0o700 });
    const temp = `${this.file(id)}.tmp`;
    await writeFile(temp, JSON.stringify(backup), { mode: 0o600, flush: true });
    await rename(temp, this.file(id));
  }
}

function conflict(file: string, what: string): ToolRefusedError {
  return new ToolRefusedError(`${file} ${what}; not overwriting it (a human must reconcile)`);
}

/**
 * `fs.write` and `fs.delete` under allowlisted roots. Each backs up the previous
 * content, keyed by the step's idempotency key, before touching the file: a
 * repeat after a crash finds the backup and finishes (or no-ops) instead of
 * backing up its own write, and compensation restores exactly what was there.
 */
export function fsTools(config: FsConfig) {
  const backups = new BackupStore(config.backupDir);

  const restore = async (file: ConfinedPath, backup: Backup) => {
    await writeConfined(file, Buffer.from(backup.previousBase64 ?? '', 'base64'), backup.mode);
  };

  const fsWrite = defineTool({
    ...fsWriteSpec,
    execute: async ({ path: requested, content }, { idempotencyKey }): Promise<FsWriteOutput> => {
      const data = Buffer.from(content, 'utf8');
      if (data.length > config.maxBytes) throw new ToolRefusedError(`fs.write: ${data.length} bytes is over the cap of ${config.maxBytes}`);
      const file = await confine(requested, config.roots, true);
      const newSha = sha256(data);
      const backupId = backups.idFor('fs.write', idempotencyKey);
      let backup = await backups.load(backupId);
      if (backup && (backup.path !== file.target || backup.newSha256 !== newSha)) {
        throw new ToolRefusedError('fs.write: this idempotency key was already used for a different path or content');
      }
      if (!backup) {
        const previous = await readConfined(file, config.maxBytes);
        backup = {
          tool: 'fs.write',
          path: file.target,
          existed: previous !== null,
          previousBase64: previous?.content.toString('base64') ?? null,
          previousSha256: previous ? sha256(previous.content) : null,
          mode: previous?.mode ?? 0o644,
          newSha256: newSha,
        };
        await backups.save(backupId, backup);
      }
      const current = await readConfined(file, config.maxBytes);
      const unchanged = current !== null && sha256(current.content) === newSha;
      if (!unchanged) await writeConfined(file, data, backup.mode);
      return { path: file.target, created: !backup.existed, bytes: data.length, sha256: newSha, previousSha256: backup.previousSha256, backupId, unchanged };
    },
    compensate: async (_args, output) => {
      const written = FsWriteOutput.parse(output);
      const backup = await backups.load(written.backupId);
      if (!backup) throw new Error(`fs.write compensation: backup ${written.backupId} is missing`);
      const file = await confine(backup.path, config.roots, false);
      const current = await readConfined(file, config.maxBytes);
      const currentSha = current ? sha256(current.content) : null;
      if (backup.existed) {
        if (currentSha === backup.previousSha256) return;
        if (currentSha !== null && currentSha !== written.sha256) throw conflict(file.target, 'changed after the write');
        await restore(file, backup);
        return;
      }
      if (currentSha === null) return;
      if (currentSha !== written.sha256) throw conflict(file.target, 'changed after the write');
      await removeConfined(file);
    },
  });

  const fsDelete = defineTool({
    ...fsDeleteSpec,
    execute: async ({ path: requested }, { idempotencyKey }): Promise<FsDeleteOutput> => {
      const file = await confine(requested, config.roots, false);
      const backupId = backups.idFor('fs.delete', idempotencyKey);
      let backup = await backups.load(backupId);
      if (backup && backup.path !== file.target) throw new ToolRefusedError('fs.delete: this idempotency key was already used for a different path');
      if (!backup) {
        const previous = await readConfined(file, config.maxBytes);
        if (!previous) throw new ToolRefusedError(`fs.delete: ${file.target} does not exist`);
        backup = {
          tool: 'fs.delete',
          path: file.target,
          existed: true,
          previousBase64: previous.content.toString('base64'),
          previousSha256: sha256(previous.content),
          mode: previous.mode,
          newSha256: null,
        };
        await backups.save(backupId, backup);
      }
      const current = await readConfined(file, config.maxBytes);
      if (current) {
        // Deleting content that differs from the backup would lose it for good.
        if (sha256(current.content) !== backup.previousSha256) throw conflict(file.target, 'changed since it was backed up');
        await removeConfined(file);
      }
      const bytes = Buffer.from(backup.previousBase64 ?? '', 'base64').length;
      return { path: file.target, bytes, previousSha256: backup.previousSha256 ?? '', backupId };
    },
    compensate: async (_args, output) => {
      const deleted = FsDeleteOutput.parse(output);
      const backup = await backups.load(deleted.backupId);
      if (!backup) throw new Error(`fs.delete compensation: backup ${deleted.backupId} is missing`);
      const file = await confine(backup.path, config.roots, true);
      const current = await readConfined(file, config.maxBytes);
      if (current) {
        if (sha256(current.content) === backup.previousSha256) return;
        throw conflict(file.target, 'was re-created after the delete');
      }
      await restore(file, backup);
    },
  });

  return [fsWrite, fsDelete] as const;
}
