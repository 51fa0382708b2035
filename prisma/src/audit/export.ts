import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Db } from '../client.js';
import { EXPORT_FORMAT } from './export-format.js';
import { listCheckpoints, readChainRows } from './read.js';
import type { ChainRow } from './verifier.js';

const CHECKPOINT_PAGE = 10_000;

/** One export line per row, members in the order docs/AUDIT-FORMAT.md lists them. */
export function exportEventLine(row: ChainRow): string {
  return JSON.stringify({ kind: 'event', ...row });
}

/**
 * Writes the JSONL export (docs/AUDIT-FORMAT.md): a header, every stored
 * checkpoint, then every row in seq order, streamed with backpressure.
 * Returns how many rows and checkpoints it wrote.
 */
export async function writeAuditExport(db: Db, out: Writable, now: Date = new Date()): Promise<{ rows: number; checkpoints: number }> {
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: now.toISOString() }));
  // Every checkpoint, a page at a time: the export's memory does not grow with their number.
  let checkpoints = 0;
  for (let afterN = 0; ;) {
    const page = await listCheckpoints(db, { afterN, limit: CHECKPOINT_PAGE });
    for (const c of page) await write(JSON.stringify({ kind: 'checkpoint', ...c }));
    checkpoints += page.length;
    if (page.length < CHECKPOINT_PAGE) break;
    afterN = page.at(-1)!.n;
  }
  let rows = 0;
  for await (const batch of readChainRows(db)) {
    await write(batch.map(exportEventLine).join('\n'));
    rows += batch.length;
  }
  return { rows, checkpoints };
}
