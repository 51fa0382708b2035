import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import type { Db } from '../client.js';
import { EXPORT_FORMAT, ExportCheckpointLine, ExportEventLine, ExportHeader } from './export-format.js';
import { listCheckpoints, readChainRows } from './read.js';
import type { AuditCheckpoint, CheckpointKeyring } from './signing.js';
import { ChainVerifier, prepareCheckpoints, type ChainVerification } from './verifier.js';

export interface VerifyOptions {
  /** Rows per batch read from the database (memory holds about three batches, whatever the chain's length). */
  batchSize?: number;
  /** Told, at the end of the read, the most rows the reader held at once. */
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

/** Walks the whole chain in seq order; reports the first row that does not verify. */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<ChainVerification> {
  const checkpoints = options.keyring ? prepareCheckpoints([...(await listCheckpoints(db)), ...(options.checkpoints ?? [])], options.keyring) : undefined;
  const verifier = new ChainVerifier(checkpoints);
  for await (const batch of readChainRows(db, { batchSize: options.batchSize, onFinish: options.onReadFinish })) {
    let going = true;
    for (const row of batch) if (!(going = verifier.push(row))) break;
    if (!going) break;
  }
  return verifier.finish();
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
    if (line === '') continue;
    const value = parseLine(line, lineNo);
    if (lineNo === 1) {
      parseWith(ExportHeader, value, lineNo);
      continue;
    }
    const kind = (value as { kind?: unknown }).kind;
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
    throw new ExportFormatError(`line ${lineNo}: ${issue.path.join('.') || '(line)'}: ${issue.message}`);
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
