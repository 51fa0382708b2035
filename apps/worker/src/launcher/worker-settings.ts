import { dataConverterFor, type Keyring } from '@airlock/codec';
import { DEFAULT_POLICY_FILE, PolicyStore, watchPolicy } from '@airlock/policy/files';
import type { DataConverter } from '@temporalio/common';

export interface WorkerSettings {
  policy: PolicyStore;
  dataConverter: DataConverter;
  /** Stops watching the policy file. */
  stop(): void;
}

/**
 * The policy store (reloaded when the file changes; a bad edit keeps the last good
 * policy and is reported) and the payload codec the clients must share.
 */
export function workerSettings(env: { AIRLOCK_POLICY_FILE?: string | undefined; AIRLOCK_PAYLOAD_KEYS?: Keyring | undefined }, log: (line: string) => void): WorkerSettings {
  const file = env.AIRLOCK_POLICY_FILE ?? DEFAULT_POLICY_FILE;
  const policy = new PolicyStore(file);
  log(`policy ${file} version ${policy.current().version}`);
  const stop = watchPolicy(policy, file, (result) =>
    log(result.ok ? `policy reloaded: version ${result.version}` : `policy NOT reloaded, version ${result.activeVersion} stays active: ${result.error.message}`),
  );
  return { policy, dataConverter: dataConverterFor(env.AIRLOCK_PAYLOAD_KEYS), stop };
}
