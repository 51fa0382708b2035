import { readFile } from 'node:fs/promises';
import { PolicyError, compilePolicy, type CompiledPolicy } from '@airlock/policy';
import { ApiError } from './errors.js';

/** The compiled policy with the exact text it was compiled from: its version is that text's hash. */
export interface ActivePolicy {
  policy: CompiledPolicy;
  text: string;
}

/** Where handlers get the policy the workers enforce; injected, so tests choose the file. */
export interface PolicySource {
  read(): Promise<ActivePolicy>;
}

/**
 * The policy in `file`, loaded once on first use, as a worker loads it at start.
 * It is compiled from the text it keeps (the same steps as `loadPolicyFile`), so
 * the text shown always matches the version. A file that does not load is a 503
 * naming the problem, tried again on the next request.
 */
export function policyFromFile(file: string): PolicySource {
  let loaded: Promise<ActivePolicy> | undefined;
  return {
    read() {
      loaded ??= load(file).catch((error: unknown) => {
        loaded = undefined;
        throw error;
      });
      return loaded;
    },
  };
}

async function load(file: string): Promise<ActivePolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw unloadable(new PolicyError(file, [{ path: '(file)', message: error instanceof Error ? error.message : String(error) }]));
  }
  try {
    return { policy: compilePolicy(text, file), text };
  } catch (error) {
    if (error instanceof PolicyError) throw unloadable(error);
    throw error;
  }
}

function unloadable(error: PolicyError): ApiError {
  return new ApiError(503, 'unavailable', `the policy file does not load: ${error.message}`);
}
