import { link, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { exportEventLine, type ChainRow } from '@airlock/db';
import { appendWholeLines } from './append-lines.js';
import type { AuditSink } from './sink.js';

export interface FileSinkOptions {
  file: string;
  /** Rotate before a batch would take the file past this size; unset = never. */
  maxBytes?: number;
}

/**
 * Appends each event as one `{"kind":"event",…}` line (the export format of
 * docs/AUDIT-FORMAT.md, so the lines keep their hashes and links), fsynced
 * before the batch counts as delivered; a batch that fails part-way leaves
 * none of its bytes (appendWholeLines). Rotation renames the full file to
 * `<file>.<UTC timestamp>` and starts a new one; a batch is never split.
 */
export class JsonlFileSink implements AuditSink {
  readonly name = 'file';

  constructor(private readonly options: FileSinkOptions) {}

  async deliver(rows: readonly ChainRow[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map((row) => `${exportEventLine(row)}\n`).join('');
    await this.rotateIfFull(Buffer.byteLength(text));
    await appendWholeLines(this.options.file, text, 0o640);
  }

  async close(): Promise<void> {
    // Each batch opens and closes the file: nothing is held between batches.
  }

  private async rotateIfFull(incoming: number): Promise<void> {
    const { maxBytes, file } = this.options;
    if (maxBytes === undefined) return;
    const size = await stat(file).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0;
        throw error;
      },
    );
    if (size === 0 || size + incoming <= maxBytes) return;
    await moveAside(file, `${file}.${new Date().toISOString().replace(/[-:.]/g, '')}`);
    // The move is durable before lines go to the new file.
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** Renames without ever replacing a file (two rotations in one millisecond get `-1`, `-2`, …). A crash between link and unlink leaves two names for one file: duplicates, never a loss. */
async function moveAside(file: string, target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await link(file, attempt === 0 ? target : `${target}-${attempt}`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  await unlink(file);
}
