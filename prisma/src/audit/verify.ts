import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import type { Db } from '../client.js';
import { EXPORT_FORMAT, ExportCheckpointLine, ExportEventLine, ExportHeader } from './export-format.js';
import { CHAIN_ROWS_BINARY_COPY } from './copy-binary.js';
import { CopyOutChunks, type CopyChunk } from './copy-out.js';
import { listCheckpoints } from './read.js';
import { verifyCopySegment } from './segment.js';
import { SegmentWorkers } from './segment-workers.js';
import type { AuditCheckpoint, CheckpointKeyring } from './signing.js';
import { ChainVerifier, prepareCheckpoints, type ChainVerification, type SegmentResult } from './verifier.js';

export interface VerifyOptions {
  /** Rows per chunk read from the database (memory holds about three chunks plus one per worker, whatever the chain's length). */
  batchSize?: number;
  /**
   * Worker threads that check chunks in parallel while this thread reads (0:
   * check on this thread). The result is the same either way. Default 0, so
   * a library caller (the console under Next.js, tests) never starts threads;
   * the CLI uses one per core.
   */
  threads?: number;
  /** Told, at the end of the read, the most rows held at once (read, queued or being checked). */
  onReadFinish?: (stats: { peakBufferedRows: number }) => void;
  /**
   * Public keys of every checkpoint signer. Given, the signed checkpoints are
   * checked too (signatures, gaps, each signed hash against the row at its seq);
   * without, only the chain's own links are.
   */
  keyring?: CheckpointKeyring;
  /** Checkpoints published outside the database (file sink, webhook receiver), checked beside the stored ones. */
  checkpoints?: readonly AuditCheckpoint[];
}

const DEFAULT_CHUNK_ROWS = 2000;

/**
 * Walks the whole chain in seq order; reports the first row that does not
 * verify. One binary `COPY … TO STDOUT` (one statement, so one snapshot)
 * streams the rows in chunks; each chunk is checked as a segment (on a worker thread when
 * `threads` > 0) and the segments are joined in seq order (ChainVerifier.join).
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<ChainVerification> {
  const checkpoints = options.keyring ? prepareCheckpoints([...(await listCheckpoints(db)), ...(options.checkpoints ?? [])], options.keyring) : undefined;
  const verifier = new ChainVerifier(checkpoints);
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a non-negative integer, not ${threads}`);
  const client = await db.pool.connect();
  const copy = new CopyOutChunks(CHAIN_ROWS_BINARY_COPY, options.batchSize ?? DEFAULT_CHUNK_ROWS);
  const workers = threads > 0 ? new SegmentWorkers(threads, checkpoints) : undefined;
  let readAll = false;
  try {
    void client.query(copy);
    const chunks = copy.chunks();
    if (!workers) {
      readAll = true;
      for await (const chunk of chunks) {
        const joined = verifier.join(verifyCopySegment(chunk.bytes, checkpoints));
        copy.release(chunk);
        if (!joined) {
          readAll = false;
          break;
        }
      }
    } else {
      readAll = await joinInOrder(chunks, workers, threads, copy, verifier);
    }
    if (readAll) options.onReadFinish?.({ peakBufferedRows: copy.peakBufferedRows });
  } finally {
    // A verification that stopped early ends the COPY by dropping the connection.
    client.release(!readAll);
    await workers?.close();
  }
  return verifier.finish();
}

/** Keeps one chunk per worker in flight and joins their results in chunk order; true when every chunk was read. */
async function joinInOrder(chunks: AsyncGenerator<CopyChunk>, workers: SegmentWorkers, threads: number, copy: CopyOutChunks, verifier: ChainVerifier): Promise<boolean> {
  const inFlight: { chunk: CopyChunk; result: Promise<SegmentResult> }[] = [];
  let more = true;
  try {
    for (;;) {
      while (more && inFlight.length < threads) {
        const next = await chunks.next();
        if (next.done) more = false;
        else inFlight.push({ chunk: next.value, result: workers.verify(next.value.bytes) });
      }
      const oldest = inFlight.shift();
      if (!oldest) return true;
      const joined = verifier.join(await oldest.result);
      copy.release(oldest.chunk);
      if (!joined) return false;
    }
  } finally {
    // Answers no longer awaited (after a failure) are dropped; close() rejects them.
    for (const { result } of inFlight) result.catch(() => undefined);
    if (more) await chunks.return(undefined);
  }
}

export class ExportFormatError extends Error {}

/** Verifies an export file alone (docs/AUDIT-FORMAT.md), streamed line by line. */
export async function verifyAuditExport(file: string, options: Omit<VerifyOptions, 'batchSize' | 'onReadFinish'> = {}): Promise<ChainVerification> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const fromFile: AuditCheckpoint[] = [];
  let verifier: ChainVerifier | undefined;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    // The header is line 1, never skipped: a file without it is not an export.
    if (line === '' && lineNo > 1) continue;
    const value = parseLine(line, lineNo);
    if (lineNo === 1) {
      parseWith(ExportHeader, value, lineNo);
      continue;
    }
    // A line that is JSON but no object (null, a number) has no kind: the event schema names what is wrong with it.
    const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
    if (kind === 'checkpoint') {
      if (verifier) throw new ExportFormatError(`line ${lineNo}: checkpoints must come before the events`);
      fromFile.push(parseWith(ExportCheckpointLine, value, lineNo));
      continue;
    }
    verifier ??= new ChainVerifier(options.keyring ? prepareCheckpoints([...fromFile, ...(options.checkpoints ?? [])], options.keyring) : undefined);
    const event = parseWith(ExportEventLine, value, lineNo);
    if (!verifier.push(event)) break;
  }
  if (lineNo === 0) throw new ExportFormatError(`${file} is empty: expected the ${EXPORT_FORMAT} header line`);
  verifier ??= new ChainVerifier(options.keyring ? prepareCheckpoints([...fromFile, ...(options.checkpoints ?? [])], options.keyring) : undefined);
  return verifier.finish();
}

function parseLine(line: string, lineNo: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new ExportFormatError(`line ${lineNo} is not JSON`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, lineNo: number): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An event line that names its seq is named by it too: the row an auditor looks up in the database.
    const seq = (value as { seq?: unknown } | null)?.seq;
    const where = typeof seq === 'number' && (value as { kind?: unknown }).kind === 'event' ? `line ${lineNo} (seq ${seq})` : `line ${lineNo}`;
    throw new ExportFormatError(`${where}: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}

/** Checkpoints as a sink published them (one `{"kind":"checkpoint",…}` line each, repeats allowed). */
export async function readCheckpointFile(file: string): Promise<AuditCheckpoint[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const checkpoints: AuditCheckpoint[] = [];
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    checkpoints.push(parseWith(ExportCheckpointLine, parseLine(line, lineNo), lineNo));
  }
  return checkpoints;
}
