import { readFile } from 'node:fs/promises';
import { newestLivePolicy, type Db } from '@airlock/db';
import { PolicyError, compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { ApiError } from './errors.js';

/** The compiled policy with the exact text it was compiled from: its version is that text's hash. */
export interface ActivePolicy {
  policy: CompiledPolicy;
  text: string;
  /** `worker`: the policy a running worker reported (table policy_runtimes); `file`: read by the console itself, no worker reporting. */
  origin: 'worker' | 'file';
  /** When this policy was loaded (by the worker that reported it, or by the console). */
  loadedAt: Date;
  /** The console's own reading of the file failed; the policy above is the last one that compiled. */
  fileError?: string;
}

/** Where handlers get the policy the workers enforce; injected, so tests choose the file. */
export interface PolicySource {
  read(): Promise<ActivePolicy>;
}

/**
 * The policy in force: the one live workers report (the newest load wins, so a
 * reload shows at the next request), or, with no worker reporting, the file read
 * afresh on every request. Nothing is cached beyond "same text, same compiled policy".
 */
export function livePolicy(db: Db, file: string): PolicySource {
  const fromFile = policyFromFile(file);
  let compiled: ActivePolicy | undefined;
  return {
    async read() {
      const reported = await newestLivePolicy(db);
      if (!reported) return fromFile.read();
      if (compiled?.policy.version !== reported.version || compiled.policy.source !== reported.source) {
        compiled = { policy: compileOrUnavailable(reported.text, reported.source), text: reported.text, origin: 'worker', loadedAt: reported.loadedAt };
      }
      return { ...compiled, loadedAt: reported.loadedAt };
    },
  };
}

/**
 * The policy in `file`, read on every call and compiled again only when its text
 * changed, as a worker's watcher reloads it. A text that does not compile leaves
 * the last good policy in force (as in the worker) with the error alongside; a
 * file that never loaded is a 503 naming the problem.
 */
export function policyFromFile(file: string): PolicySource {
  let good: ActivePolicy | undefined;
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        return keepOrFail(new PolicyError(file, [{ path: '(file)', message: error instanceof Error ? error.message : String(error) }]));
      }
      if (good?.text === text) return good;
      try {
        good = { policy: compilePolicy(text, file), text, origin: 'file', loadedAt: new Date() };
        return good;
      } catch (error) {
        if (error instanceof PolicyError) return keepOrFail(error);
        throw error;
      }
    },
  };

  function keepOrFail(error: PolicyError): ActivePolicy {
    if (good) return { ...good, fileError: error.message };
    throw unloadable('the policy file does not load', error);
  }
}

function compileOrUnavailable(text: string, source: string): CompiledPolicy {
  try {
    return compilePolicy(text, source);
  } catch (error) {
    // The worker compiled this very text: only a console of another release can disagree.
    if (error instanceof PolicyError) throw unloadable('the policy a worker reports does not compile in this console (are they the same release?)', error);
    throw error;
  }
}

function unloadable(what: string, error: PolicyError): ApiError {
  return new ApiError(503, 'unavailable', `${what}: ${error.message}`);
}
