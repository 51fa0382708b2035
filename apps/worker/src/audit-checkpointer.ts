import { readFileSync } from 'node:fs';
import { checkpointIfDue, checkpointSigner, listCheckpoints, readCheckpointFile, type AuditCheckpoint, type CheckpointPolicy, type CheckpointSigner, type Db } from '@airlock/db';
import type { Logger } from '@airlock/telemetry';
import { appendWholeLines, dropTornTailOf } from './audit-export/append-lines.js';

/**
 * Signed checkpoints of the audit chain, made while the product runs and
 * published outside the database: a signature kept only in the table a
 * superuser can rewrite proves little, a copy in an append-only file (shipped
 * off the host) and in the log pipeline proves the chain up to its seq.
 *
 * Every worker ticks; an advisory lock inside checkpointIfDue lets one sign at a
 * time. Each worker with a file sink then appends every stored checkpoint its
 * file lacks, so a file has them all, numbered without gaps, whichever worker
 * signed, and a crash between the commit and the append is caught up next tick.
 */
export interface AuditCheckpointerOptions {
  db: Db;
  signer: CheckpointSigner;
  policy: CheckpointPolicy;
  /** JSONL file the checkpoints are appended to (`{"kind":"checkpoint",…}` lines, what `airlock audit verify --checkpoints` reads). */
  file?: string;
  logger: Logger;
}

/** One tick: signs if due, logs what this worker signed, appends what the file lacks. Returns what this worker signed. */
export class AuditCheckpointer {
  /** The highest checkpoint number in the file; read from the file once, then kept. */
  private fileN: number | undefined;

  constructor(private readonly options: AuditCheckpointerOptions) {}

  async tick(now: Date = new Date()): Promise<AuditCheckpoint | undefined> {
    const { db, signer, policy, logger } = this.options;
    const signed = await checkpointIfDue(db, signer, policy, now);
    if (signed) {
      // Structured, so a log pipeline that keeps lines off the host holds a copy of every signature.
      logger.info({ auditCheckpoint: signed }, `audit checkpoint #${signed.n} signed: seq ${signed.seq} hash ${signed.hash} (key ${signed.keyId})`);
    }
    if (this.options.file) await this.publishToFile(this.options.file);
    return signed;
  }

  private async publishToFile(file: string): Promise<void> {
    if (this.fileN === undefined) {
      // A crash mid-append left part of a line: read back, it would stop every publication.
      await dropTornTailOf(file);
      this.fileN = Math.max(0, ...(await readCheckpointFileIfAny(file)).map((c) => c.n));
    }
    const missing = await listCheckpoints(this.options.db, { afterN: this.fileN });
    if (missing.length === 0) return;
    const lines = missing
      .map((c) => JSON.stringify({ kind: 'checkpoint', n: c.n, seq: c.seq, hash: c.hash, signedAt: c.signedAt, keyId: c.keyId, signature: c.signature }) + '\n')
      .join('');
    // On disk before the number moves on: a crash after this point loses no line, before it re-appends them;
    // a failed append (a full disk) leaves none of them, and the next tick appends them all again.
    await appendWholeLines(file, lines, 0o644);
    this.fileN = missing[missing.length - 1]!.n;
  }
}

async function readCheckpointFileIfAny(file: string): Promise<AuditCheckpoint[]> {
  try {
    return await readCheckpointFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export interface CheckpointSettings {
  AIRLOCK_AUDIT_CHECKPOINT_KEY?: string | undefined;
  AIRLOCK_AUDIT_CHECKPOINT_FILE?: string | undefined;
  AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS: number;
  AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS: number;
}

/** Reads the private key named by the settings; undefined when checkpoints are not configured. */
export function checkpointerFromSettings(env: CheckpointSettings, db: Db, logger: Logger): AuditCheckpointer | undefined {
  if (!env.AIRLOCK_AUDIT_CHECKPOINT_KEY) {
    if (env.AIRLOCK_AUDIT_CHECKPOINT_FILE)
      throw new Error('AIRLOCK_AUDIT_CHECKPOINT_FILE is set but AIRLOCK_AUDIT_CHECKPOINT_KEY is not: checkpoints need the private key made by `npm run airlock -- audit keygen`');
    return undefined;
  }
  let signer: CheckpointSigner;
  try {
    signer = checkpointSigner(readFileSync(env.AIRLOCK_AUDIT_CHECKPOINT_KEY, 'utf8'));
  } catch (error) {
    throw new Error(
      `AIRLOCK_AUDIT_CHECKPOINT_KEY: cannot use ${env.AIRLOCK_AUDIT_CHECKPOINT_KEY} as an Ed25519 private key (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return new AuditCheckpointer({
    db,
    signer,
    policy: { everyRows: env.AIRLOCK_AUDIT_CHECKPOINT_EVERY_ROWS, everySeconds: env.AIRLOCK_AUDIT_CHECKPOINT_EVERY_SECONDS },
    ...(env.AIRLOCK_AUDIT_CHECKPOINT_FILE ? { file: env.AIRLOCK_AUDIT_CHECKPOINT_FILE } : {}),
    logger,
  });
}

/** Ticks until stopped; a failed tick (database or disk) is logged and tried again at the next one. */
export function startAuditCheckpointer(checkpointer: AuditCheckpointer, options: { tickMs: number; logger: Logger }): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = checkpointer
      .tick()
      .catch((error: unknown) => options.logger.warn({ err: error }, 'audit checkpoint tick failed; it runs again at the next tick'))
      .finally(() => {
        busy = false;
      });
  }, options.tickMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** A fifth of the time bound, between 0.2 s and 5 s: a row-count trigger is noticed within a few seconds, an idle tick costs two indexed queries. */
export function checkpointTickMs(everySeconds: number): number {
  return Math.min(5_000, Math.max(200, Math.round((everySeconds * 1000) / 5)));
}
