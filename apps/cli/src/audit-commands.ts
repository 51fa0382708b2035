import { chmod, link, lstat, open, readFile, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  checkpointKeyring,
  ExportFormatError,
  generateCheckpointKeyPair,
  readCheckpointFile,
  verifyAuditChain,
  verifyAuditExport,
  writeAuditExport,
  type ChainVerification,
  type CheckpointKeyring,
} from '@airlock/db/audit-chain';
import { makeDirectory } from '@airlock/core/make-directory';
// Its own entry: the package's main one loads the policy compiler.
import { fileErrorReason } from '@airlock/policy/errors';
import { z } from 'zod';
import { CliError } from './cli-error.js';
import { withDb } from './runtime.js';

/**
 * A new Ed25519 key pair for signing checkpoints: the private key for the worker, the public one for
 * verifiers. Neither file is ever overwritten (an old public key verifies old checkpoints), and a
 * failure leaves neither behind.
 */
export async function keygenCommand(options: { out: string }): Promise<string> {
  const pair = generateCheckpointKeyPair();
  await makeDirectory(options.out).catch(async (error: unknown) => {
    throw new CliError(`--out: cannot create the directory ${options.out}: ${fileErrorReason(error)}`);
  });
  const privatePath = join(options.out, 'audit-signing-key.pem');
  const publicPath = join(options.out, 'audit-signing-key.pub.pem');
  await writeNewKeyFile(privatePath, pair.privateKeyPem, 0o600);
  try {
    await chmod(privatePath, 0o600);
    await writeNewKeyFile(publicPath, pair.publicKeyPem, 0o644);
  } catch (error) {
    await unlink(privatePath).catch(() => undefined);
    throw error;
  }
  return [
    `key id ${pair.keyId}`,
    `private key: ${privatePath} (for the worker: AIRLOCK_AUDIT_CHECKPOINT_KEY=${privatePath})`,
    `public key:  ${publicPath} (for verifiers: npm run airlock -- audit verify --public-key ${publicPath})`,
  ].join('\n');
}

async function writeNewKeyFile(path: string, pem: string, mode: number): Promise<void> {
  await writeFile(path, pem, { mode, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new CliError(`${path} exists: keep the old key (its public half verifies old checkpoints) and write the new one elsewhere`);
    throw new CliError(`--out: cannot write ${path}: ${fileErrorReason(error)}`);
  });
}

/**
 * Writes the export to a new file: an existing one is refused before anything is read, and a path
 * that cannot be created before the database is opened. The rows go to a temporary file beside it
 * (`.<name>.<pid>.partial`), published under the path only once complete and fsynced, so the path
 * never holds part of an export, even if the process is killed; any failure removes the temporary file.
 */
export async function exportCommand(options: { out: string }): Promise<string> {
  await refuseExisting(options.out);
  const partial = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.partial`);
  const file = await createNew(options.out, partial);
  // flush: the stream fsyncs the file before closing it, so only bytes on disk are published.
  const out = file.createWriteStream({ flush: true });
  // A write error (a full disk) fails the export here rather than as an unhandled 'error' event.
  const failed = new Promise<never>((_, reject) => out.on('error', reject));
  failed.catch(() => undefined);
  try {
    const written = await withDb((db) => Promise.race([writeAuditExport(db, out), failed]));
    out.end();
    await finished(out);
    await publish(partial, options.out);
    return `wrote ${written.rows} rows and ${written.checkpoints} checkpoints to ${options.out}`;
  } catch (error) {
    out.destroy();
    await finished(out).catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}

const alreadyExists = (path: string) => new CliError(`--out: ${path} already exists; choose another path or remove it`);
const cannotCreate = (path: string, error: unknown) => new CliError(`--out: cannot create ${path}: ${fileErrorReason(error)}`);

async function refuseExisting(path: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing) throw alreadyExists(path);
}

async function createNew(path: string, partial: string): Promise<FileHandle> {
  try {
    return await open(partial, 'wx');
  } catch (error) {
    throw cannotCreate(path, error);
  }
}

/** link() refuses an existing name, so a file created at the path meanwhile is never overwritten. */
async function publish(partial: string, path: string): Promise<void> {
  try {
    await link(partial, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(path);
    throw cannotCreate(path, error);
  }
  await unlink(partial);
}

export interface VerifyCommandOptions {
  file?: string;
  publicKey?: string[];
  checkpoints?: string[];
  /** Worker threads for a database chain (default: one per core). */
  threads?: string;
}

const Threads = z.coerce.number().int().min(0).max(64);

/** Prints the outcome; a chain that does not verify makes the command fail (exit 1). */
export async function verifyCommand(options: VerifyCommandOptions): Promise<{ text: string; ok: boolean }> {
  // An export is read and checked line by line on this thread: threads asked for would be silently unused.
  if (options.file !== undefined && options.threads !== undefined) {
    throw new CliError(
      '--threads cannot be used with --file: --threads sets the worker threads checking the database chain, and an export file is verified line by line on one thread; drop --threads',
    );
  }
  const keys = await Promise.all((options.publicKey ?? []).map((path) => readingFile('--public-key', path, async () => publicKeyOf(path, await readFile(path, 'utf8')))));
  const keyring = keys.length > 0 ? new Map(keys.flatMap((key) => [...key])) : undefined;
  if (!keyring && (options.checkpoints?.length ?? 0) > 0) throw new CliError('--checkpoints needs --public-key: an unsigned checkpoint proves nothing');
  const checkpoints = (await Promise.all((options.checkpoints ?? []).map((path) => readingFile('--checkpoints', path, () => readCheckpointFile(path))))).flat();
  const threads = Threads.safeParse(options.threads ?? availableParallelism());
  if (!threads.success) throw new CliError(`--threads must be a whole number from 0 to 64, not ${options.threads}`);
  const { file } = options;
  const result = file
    ? await readingFile('--file', file, () => verifyAuditExport(file, { keyring, checkpoints }))
    : await withDb((db) => verifyAuditChain(db, { keyring, checkpoints, threads: threads.data }));
  return { text: describe(result, keyring !== undefined), ok: result.ok };
}

/**
 * A file an option names that cannot be read, or does not hold what the option takes, is named with
 * the option (`--public-key: cannot read /x.pem: no such file or directory`, `--checkpoints: /x.jsonl:
 * line 3 is not JSON`), not by Node's ENOENT line or a bare line number.
 */
async function readingFile<T>(option: string, path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ExportFormatError) throw new CliError(`${option}: ${error.message.startsWith(path) ? error.message : `${path}: ${error.message}`}`);
    if (typeof (error as NodeJS.ErrnoException).code !== 'string' || !(error as NodeJS.ErrnoException).syscall) throw error;
    throw new CliError(`${option}: cannot read ${path}: ${fileErrorReason(error)}`);
  }
}

/** One verifier key; OpenSSL's `DECODER routines::unsupported` names neither the file nor what was expected. */
function publicKeyOf(path: string, pem: string): CheckpointKeyring {
  try {
    return checkpointKeyring([pem]);
  } catch {
    throw new CliError(`--public-key: ${path} is not an Ed25519 public key in PEM form (audit keygen writes one as audit-signing-key.pub.pem)`);
  }
}

function describe(result: ChainVerification, withKeys: boolean): string {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`verified: ${result.checkedRows} rows, head seq ${result.headSeq} ${result.headHash}`);
  } else {
    lines.push(`NOT VERIFIED after ${result.checkedRows} good rows${result.firstBrokenSeq ? `: first row that disagrees: seq ${result.firstBrokenSeq}` : ''}`);
    if (result.suspectFromSeq) lines.push(`rewritten somewhere from seq ${result.suspectFromSeq} to seq ${result.firstBrokenSeq}`);
    lines.push(result.reason);
  }
  if (result.checkpoints) {
    const { matched, lastSeq, problems } = result.checkpoints;
    lines.push(`checkpoints: ${matched} matched${lastSeq ? `, last at seq ${lastSeq}` : ''}${problems.length ? `; problems: ${problems.join('; ')}` : ''}`);
    if (result.ok && lastSeq < Number(result.headSeq)) lines.push(`rows after seq ${lastSeq} are not yet covered by a signed checkpoint`);
  } else if (!withKeys) {
    lines.push('links and hashes only: give --public-key to check the signed checkpoints (what catches a rewrite by a database superuser)');
  }
  return lines.join('\n');
}
