import { defaultActivityDeps } from '@airlock/activities';
import type { Db } from '@airlock/db';
import type { CompiledPolicy } from '@airlock/policy';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '@airlock/policy/files';

/**
 * The policy a test file's worker admits by: the default one, or the one a test put in place (`use`) until
 * `reset` (the file's `afterEach`). `deps` are the harness's activity dependencies reading it at each admission.
 */
export function switchablePolicy() {
  const initial = loadPolicyFile(DEFAULT_POLICY_FILE);
  let active: CompiledPolicy = initial;
  return {
    deps: (db: Db) => defaultActivityDeps(db, { current: () => active }),
    use(policy: CompiledPolicy): void {
      active = policy;
    },
    reset(): void {
      active = initial;
    },
  };
}
