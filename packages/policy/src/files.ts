import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { fileErrorReason, PolicyError, PolicyFileUnreadableError } from './errors.js';

export const DEFAULT_POLICY_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../policies/default.yaml');

export function loadPolicyFile(file: string): CompiledPolicy {
  return loadPolicyText(file).policy;
}

/** The compiled policy with the exact text it was compiled from (its version is that text's hash). */
export function loadPolicyText(file: string): { policy: CompiledPolicy; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyFileUnreadableError(file, fileErrorReason(error));
  }
  return { policy: compilePolicy(text, file), text };
}

/**
 * Holds the active policy. `reload()` swaps in a new one only if it compiles;
 * otherwise the previous policy stays active and the error is returned.
 */
export class PolicyStore {
  private active: CompiledPolicy;
  private activeText: string;

  constructor(private readonly file: string) {
    ({ policy: this.active, text: this.activeText } = loadPolicyText(file));
  }

  current(): CompiledPolicy {
    return this.active;
  }

  /** The text the active policy was compiled from (what the worker reports to the console). */
  currentText(): string {
    return this.activeText;
  }

  reload(): { ok: true; version: string } | { ok: false; error: PolicyError; activeVersion: string } {
    try {
      ({ policy: this.active, text: this.activeText } = loadPolicyText(this.file));
      return { ok: true, version: this.active.version };
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      return { ok: false, error, activeVersion: this.active.version };
    }
  }
}

/**
 * Reloads the store whenever the file changes (polled, so it also works on
 * network and container file systems); returns a function that stops watching.
 */
export function watchPolicy(store: PolicyStore, file: string, onReload: (result: ReturnType<PolicyStore['reload']>) => void, intervalMs = 2_000): () => void {
  const listener = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs !== previous.mtimeMs) onReload(store.reload());
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
